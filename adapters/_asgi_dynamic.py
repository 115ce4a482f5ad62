"""The ASGI middleware's dynamic side (docs/dynamic-origins.md): its compiled state as
one swappable object, ``reconfigure``/``invalidate``, and the Host an
``allow_origin_func`` may take."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from corecors import CORSConfigError, CORSPolicy
from corecors.engine import MAX_HOST_LENGTH

from ._asgi_answers import Actual, kept_actual, looked_up_actual, no_origin_answer
from ._asgi_config import Unconfigured
from ._common import Instances, Policy, Router, invalidate_policies, resolve_policy

Scope = MutableMapping[str, Any]

LIVE = Instances()


class Routes(Router):
    """The router and, per policy, the answer for a request without Origin: the
    middleware's whole compiled state, swapped as one object by ``reconfigure``."""

    __slots__ = ("no_origin",)

    def __init__(self, policy: Policy) -> None:
        super().__init__(policy)
        # A request without Origin: Vary: Origin only, or a public policy's grant
        # (the same answer for every request, with no Vary). One per policy.
        self.no_origin = {policy: no_origin_answer(policy) for policy in self.policies}


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


def host_of(scope: Scope, policy: CORSPolicy) -> str | None:
    """The request's Host header, for an ``allow_origin_func`` that takes it (else None)."""
    if policy.lookup is None or not policy.lookup.takes_host:
        return None
    for name, value in scope["headers"]:
        if name == b"host":
            return value[: MAX_HOST_LENGTH + 1].decode("latin-1")  # type: ignore[no-any-return]
    return None


async def looked_up(scope: Scope, policy: CORSPolicy, origin: bytes) -> Actual:
    """An actual request's encoded answer under an ``allow_origin_func``: the kept one,
    or the function's, awaited (``_asgi_answers``)."""
    host = host_of(scope, policy)
    return kept_actual(policy, origin, host) or await looked_up_actual(policy, origin, host)


def invalidate(origin: str | None = None) -> int:
    """:meth:`CORSMiddleware.invalidate` on every ASGI middleware of this process, those
    built by Starlette's ``add_middleware`` included: for a message from another process
    (docs/dynamic-origins.md, Redis). ``origin`` (``str | None``, default None): the
    origin whose kept answers to drop, None for all. Returns how many middleware there
    were. Safe from any thread."""
    return LIVE.invalidate(origin)
