"""The ASGI middleware's dynamic side (docs/dynamic-origins.md): its compiled state as
one swappable object, ``reconfigure``/``invalidate``, and the answers of an
``allow_origin_func``, awaited and kept."""

from __future__ import annotations

from time import monotonic

from corecors import CORSConfigError, CORSPolicy
from corecors.engine import ASK, MAX_HOST_LENGTH, OriginLookup

from ._asgi_answers import MEMO_KEY_BYTES as _KEY
from ._asgi_answers import ORIGIN_CUT as _ORIGIN_CUT
from ._asgi_answers import Actual, Answers, Preflight, PreflightKey, Scope, decoded
from ._asgi_config import Unconfigured
from ._common import Instances, Policy, Router, invalidate_policies, resolve_policy

LIVE = Instances()


def answers_of(policy: CORSPolicy) -> Answers:
    """A policy's encoded answers: :class:`Dynamic` under an ``allow_origin_func``."""
    lookup = policy.lookup
    return Answers(policy) if lookup is None else Dynamic(policy, lookup)


class Routes(Router):
    """The router and, per policy, its encoded answers (``answers``; ``only``: those
    of the one policy covering every path): the middleware's whole compiled state,
    swapped as one object by ``reconfigure``."""

    __slots__ = ("answers", "only")

    def __init__(self, policy: Policy) -> None:
        super().__init__(policy)
        self.answers = {policy: answers_of(policy) for policy in self.policies}
        self.only = None if self.single is None else self.answers[self.single]

    def answers_for(self, path: str) -> Answers | None:
        """The answers of the path's policy (None: no CORS processing); PathRules list
        every policy they answer, and one they did not is given answers of its own."""
        policy = self.for_path(path)
        if policy is None:
            return None
        return self.answers.get(policy) or answers_of(policy)


class Reconfigurable:
    """``reconfigure`` and ``invalidate`` of the ASGI ``CORSMiddleware`` (a mixin)."""

    _router: Routes | Unconfigured
    policy: Policy
    config_error: CORSConfigError | None

    def reconfigure(self, policy: Policy) -> None:
        """Swap the policy. ``policy`` (``CORSPolicy | PathPolicies``): what every request
        that starts after the call is answered with.

        The swap is one attribute assignment of an immutable compiled state (the router
        and its encoded answers): a request reads it once when it starts, so a request in
        flight finishes with the policy it started with and every later one gets the new
        one; none sees a mix. Safe from any thread or task. The new policy's
        ``allow_origin_func`` answers start empty. Clears a kept configuration error.
        Raises :class:`corecors.CORSConfigError` (nothing changes) for a wrong type.
        """
        policy = resolve_policy(policy, {})
        self._router = Routes(policy)  # the one assignment requests read
        self.policy = policy
        self.config_error = None

    def invalidate(self, origin: str | None = None) -> None:
        """Drop kept ``allow_origin_func`` answers in every policy of this middleware.
        ``origin`` (``str | None``, default None): the origin, exactly as browsers send
        it (every host), or None for all. A lookup already in flight still answers the
        requests waiting for it, but its answer is not kept; the next request asks the
        function again."""
        router = self._router
        if isinstance(router, Routes):
            invalidate_policies(router.policy, origin)


def host_of(scope: Scope) -> str | None:
    """The request's Host header (None if absent), for an ``allow_origin_func`` that
    takes it (``lookup.takes_host``: callers pass None to one that does not)."""
    for name, value in scope["headers"]:
        if name == b"host":
            host: bytes = value[: MAX_HOST_LENGTH + 1]
            return host.decode("latin-1")
    return None


class Dynamic(Answers):
    """The encoded answers of a policy with an ``allow_origin_func``, whose answers
    change: the origins only the function may allow are remembered by (request bytes,
    host) with the lookup's generation and the kept answer's expiry, so a kept answer
    costs one dict lookup and a clock read; the static answers of the same policy by
    the request bytes alone, as without a function (found by the middleware's lookup)."""

    __slots__ = ("lookup",)

    def __init__(self, policy: CORSPolicy, lookup: OriginLookup) -> None:
        super().__init__(policy)
        self.lookup = lookup

    async def actual(self, scope: Scope, origin: bytes) -> Actual:
        """The encoded answer: the function's kept one, else the core decides (the
        static rules, then the function's answer, awaited when it must be)."""
        lookup = self.lookup
        host = host_of(scope) if lookup.takes_host else None
        small = len(origin) <= _KEY  # never hash a huge value
        kept: tuple[int, float, Actual] | None = self.entries.get((origin, host)) if small else None
        if kept is not None and kept[0] == lookup.generation and kept[1] > monotonic():
            return kept[2]
        text = origin[:_ORIGIN_CUT].decode("latin-1")
        generation = lookup.generation
        allowed = await self._ask(text, host)
        answer = self.encoded_actual(self.policy.actual(text, host, allowed))
        if small:
            self._remember(text, host, origin, (origin, host), generation, answer)
        return answer

    async def preflight(self, scope: Scope, key: PreflightKey, small: bool) -> Preflight:
        """The preflight response (see :meth:`actual`)."""
        lookup = self.lookup
        host = host_of(scope) if lookup.takes_host else None
        kept: tuple[int, float, Preflight] | None = (
            self.entries.get((*key, host)) if small else None
        )
        if kept is not None and kept[0] == lookup.generation and kept[1] > monotonic():
            return kept[2]
        request = decoded(key)
        generation = lookup.generation
        allowed = await self._ask(request[0], host)
        answer = self.encoded_preflight(self.policy.preflight(*request, host, allowed))
        if small:
            self._remember(request[0], host, key, (*key, host), generation, answer)
        return answer

    async def _ask(self, origin: str, host: str | None) -> bool | None:
        """The function's answer for an origin only it may allow (awaited: a sync function
        runs on a thread, the event loop stays free); None for one the static rules answer."""
        lookup = self.lookup
        allowed = lookup.cached(origin, host)
        if allowed is None and self.policy.matcher.allow_origin(origin) == ASK:
            allowed = await lookup.aresolve(origin, host)
        return allowed

    def _remember(
        self,
        text: str,
        host: str | None,
        static_key: object,
        key: object,
        generation: int,
        answer: object,
    ) -> None:
        """Remember an answer: a static one by the request alone, a kept one until it
        expires (with the generation it was derived under: ``invalidate`` bumps it)."""
        if self.policy.matcher.allow_origin(text) != ASK:  # a static answer: it never changes
            self.memo.put(static_key, answer)
            return
        entry = self.lookup.entry(text, host)
        if entry is not None:
            self.memo.put(key, (generation, entry[0], answer))


def invalidate(origin: str | None = None) -> int:
    """:meth:`CORSMiddleware.invalidate` on every ASGI middleware of this process, those
    built by Starlette's ``add_middleware`` included: for a message from another process
    (docs/dynamic-origins.md, Redis). ``origin`` (``str | None``, default None): the
    origin whose kept answers to drop, None for all. Returns how many middleware there
    were. Safe from any thread."""
    return LIVE.invalidate(origin)
