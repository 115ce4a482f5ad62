"""The decisions for origins that only ``allow_origin_func`` may allow (DESIGN.md §7.5).

``CORSPolicy`` marks such an origin :data:`corecors.lookup.NEEDS_LOOKUP` in its memo
(the static rules are asked once per origin, as for any other); the answer then comes
from the policy's :class:`corecors.lookup.OriginLookup`, and the decision for each
answer is remembered under ``(origin, answer)``, so a cached dynamic origin costs a
few dict lookups more than a listed one (``make bench``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._decision import Decision
from ._lookup import NEEDS_LOOKUP, OriginLookup

if TYPE_CHECKING:
    from ._matching import OriginMatcher
    from ._memo import Memo
    from ._schema import Options

Request = tuple[str, str, str | None, bool]


def origin_lookup(options: Options) -> OriginLookup | None:
    """The policy's ``allow_origin_func`` behind its cache, or None without one."""
    func = options["allow_origin_func"]
    if func is None:
        return None
    return OriginLookup(func, options["origin_cache_ttl"], options["origin_lookup_timeout"])


class DynamicOrigins:
    """``CORSPolicy``'s half for ``allow_origin_func``'s origins (a mixin, no state)."""

    __slots__ = ()

    if TYPE_CHECKING:
        lookup: OriginLookup | None
        matcher: OriginMatcher
        memo: Memo

        def _granted(self, allow_origin: str) -> Decision: ...
        def _refuse_actual(self, origin: str) -> Decision: ...
        def _decide_preflight(
            self,
            origin: str,
            request_method: str,
            request_headers: str | None,
            private_network: bool,
            allowed: bool | None = None,
        ) -> Decision: ...

    def _actual_looked_up(self, origin: str, host: str | None, looked_up: bool | None) -> Decision:
        """An actual request's decision for an origin only the function may allow."""
        allowed = looked_up if looked_up is not None else self.lookup.known(origin, host)  # type: ignore[union-attr]
        if allowed is None:
            return NEEDS_LOOKUP
        key = (origin, allowed)  # a pair: no other memo key of the core is one
        memo = self.memo
        decision: Decision | None = memo.get(key)
        if decision is None:
            allow_origin = self.matcher.after_lookup(origin, allowed)
            decision = (
                self._refuse_actual(origin) if allow_origin is None else self._granted(allow_origin)
            )
            memo.put(key, decision)
        return decision

    def _preflight_looked_up(
        self, request: Request, host: str | None, looked_up: bool | None, bounded: bool
    ) -> Decision:
        """A preflight's decision for an origin only the function may allow."""
        allowed = (
            looked_up if looked_up is not None else self.lookup.known(request[0], host)  # type: ignore[union-attr]
        )
        if allowed is None:
            return NEEDS_LOOKUP
        memo = self.memo
        if not bounded:  # never hash a huge value
            return self._decide_preflight(*request, allowed)
        key = (request, allowed)  # a pair whose first item is a tuple: unique
        decision: Decision | None = memo.get(key)
        if decision is None:
            decision = self._decide_preflight(*request, allowed)
            memo.put(key, decision)
        return decision
