"""The adapter toolkit: what every adapter shares (docs/architecture.md).

- :func:`resolve_policy`: ``policy=`` or CORSPolicy keyword options, checked once;
- :class:`Router`: the policy for a request (single-policy shortcut inside);
- :func:`decide_cgi`: the decision from a CGI-style mapping (WSGI ``environ``,
  Django ``request.META``).

An adapter only translates: its protocol's request into these calls, and the
``Decision`` into its protocol's response with :mod:`corecors.response`.
"""

from __future__ import annotations

import difflib
import weakref
from collections.abc import Callable, Mapping
from typing import Any, Protocol, runtime_checkable

from corecors import ConfigProblem, CORSConfigError, CORSPolicy, Decision, PathPolicies
from corecors.engine import ASK, NEEDS_LOOKUP, OPTION_NAMES, WriteGuard, refused_write

Policy = CORSPolicy | PathPolicies


@runtime_checkable
class PathRules(Protocol):
    """What the router needs of per-path rules: ``PathPolicies`` is one; Django's
    ``CORS_URLS_REGEX`` rules are another, without subclassing it."""

    def for_path(self, path: str) -> CORSPolicy | None:
        """The policy for ``path``, or None for no CORS processing."""

    @property
    def policies(self) -> tuple[CORSPolicy, ...]:
        """Every distinct policy the rules can answer."""


#: What a router routes: one policy, or rules choosing one per path.
Routable = CORSPolicy | PathRules

# The CORS request headers, as CGI (PEP 3333, Django's META) names them. Servers
# join repeated header lines with "," (RFC 9110 §5.3), which is how the core
# expects Access-Control-Request-Headers.
ORIGIN = "HTTP_ORIGIN"
REQUEST_METHOD = "HTTP_ACCESS_CONTROL_REQUEST_METHOD"
REQUEST_HEADERS = "HTTP_ACCESS_CONTROL_REQUEST_HEADERS"
REQUEST_PRIVATE_NETWORK = "HTTP_ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK"
FETCH_SITE = "HTTP_SEC_FETCH_SITE"
HOST = "HTTP_HOST"


def resolve_policy(
    policy: object, options: Mapping[str, Any], vocabulary: Callable[[str], str] | None = None
) -> Policy:
    """``policy=`` (a CORSPolicy or PathPolicies) or CORSPolicy keyword options, never both.

    ``vocabulary`` names options in the refusals of a policy built from
    ``options`` (``CORSPolicy(vocabulary=...)``; None: the keywords). Raises
    :class:`CORSConfigError` (E011) for an unknown or adapter-internal option
    name, both at once or a wrong ``policy`` type, and whatever
    :class:`CORSPolicy` raises for the options.
    """
    check_option_names(options)
    if policy is None:
        return CORSPolicy(**options, vocabulary=vocabulary)
    if options:
        raise CORSConfigError(
            [
                ConfigProblem(
                    "E011",
                    "policy",
                    policy,
                    f"policy= was given together with {', '.join(sorted(options))}",
                    "pass either policy= or the CORSPolicy options, not both: "
                    "move the options into the CORSPolicy",
                )
            ]
        )
    if not isinstance(policy, CORSPolicy | PathPolicies):
        raise CORSConfigError([policy_type_problem("policy", policy, "use policy=CORSPolicy(...)")])
    return policy


#: CORSPolicy keywords that an adapter sets itself, never its users.
ADAPTER_KEYWORDS = frozenset({"vocabulary"})


def check_option_names(options: Mapping[str, object]) -> None:
    """Raise :class:`CORSConfigError` (E011) naming each key of ``options`` that is not
    a CORSPolicy option (the options schema: ``corecors.engine.OPTION_NAMES``), with the
    closest one.

    Adapter-internal keywords (``vocabulary``: an adapter words refusals in its
    framework's terms itself) are refused too, instead of reaching ``CORSPolicy``
    twice as a ``TypeError``.
    """
    problems = [unknown_option(name, options[name]) for name in options if name not in OPTION_NAMES]
    if problems:
        raise CORSConfigError(problems)


def unknown_option(name: str, value: object) -> ConfigProblem:
    """E011 for an option that is not a CORSPolicy option (one wording for every adapter)."""
    if name in ADAPTER_KEYWORDS:
        return ConfigProblem(
            "E011",
            name,
            value,
            "is set by the adapter (refusals already name options as you configure them)",
            "remove it",
        )
    close = difflib.get_close_matches(name, OPTION_NAMES, n=1)
    fix = f"rename it {close[0]}" if close else f"use policy= or one of {', '.join(OPTION_NAMES)}"
    return ConfigProblem("E011", name, value, "is not a CORSPolicy option", fix)


def policy_type_problem(option: str, value: object, fix: str) -> ConfigProblem:
    """E011 for a value that should be a CORSPolicy or PathPolicies (one wording)."""
    return ConfigProblem("E011", option, value, "must be a CORSPolicy or a PathPolicies", fix)


class Router:
    """Chooses the policy for one request by its path: every adapter's path router.

    ``single`` is the policy when one covers every path (then ``for_path`` is
    never needed: adapters test ``router.single or router.for_path(path)``).
    ``for_path(path)`` is the policy for a path, None for no CORS processing.
    A per-route policy (a view decorator) is simply passed to the adapter's
    request handling instead of the router's answer.
    """

    __slots__ = ("for_path", "policies", "policy", "single")

    def __init__(self, policy: Routable) -> None:
        self.policy = policy
        if isinstance(policy, CORSPolicy):
            self.single: CORSPolicy | None = policy
            self.policies: tuple[CORSPolicy, ...] = (policy,)
            self.for_path = _always(policy)
        else:
            self.single = None
            self.policies = policy.policies
            self.for_path = policy.for_path


def _always(policy: CORSPolicy) -> Any:
    def for_path(path: str) -> CORSPolicy | None:
        return policy

    return for_path


def protects_writes(policy: object) -> bool:
    """Whether ``policy`` (anything: a ``CORSPolicy`` or ``PathPolicies`` counts) protects
    writes on any of its path policies. A route policy that does not say
    ``protect_writes`` keeps such an app's or settings' protection."""
    if not isinstance(policy, CORSPolicy | PathPolicies):
        return False
    return any(p.writes is not None for p in policies_of(policy))


def policies_of(policy: Routable) -> tuple[CORSPolicy, ...]:
    """Every distinct CORSPolicy in ``policy``."""
    return (policy,) if isinstance(policy, CORSPolicy) else policy.policies


def decide_cgi(
    policy: CORSPolicy,
    meta: Mapping[str, Any],
    method: str,
    host: str | None = None,
    looked_up: bool | None = None,
    *,
    awaits: bool = False,
) -> Decision:
    """The decision for a request given as a CGI-style mapping and its method.

    Only OPTIONS reads more than ``Origin``; ``CORSPolicy.decide`` applies the
    one preflight test (Fetch §4.8). With an ``allow_origin_func`` that takes the
    host, ``host`` (default: the Host header, ``HTTP_HOST``) is passed on.
    ``looked_up``: the function's answer, once awaited. An ``async def`` function
    without a kept answer gives ``NEEDS_LOOKUP`` when ``awaits`` (an async caller
    awaits it), else a refusal (a sync stack cannot await: fail closed).
    """
    if policy.lookup is None:  # the static path, as cheap as it was
        if method != "OPTIONS":
            return policy.decide(method, meta.get(ORIGIN))
        return policy.decide(
            method,
            meta.get(ORIGIN),
            meta.get(REQUEST_METHOD),
            meta.get(REQUEST_HEADERS),
            meta.get(REQUEST_PRIVATE_NETWORK) == "true",
        )
    lookup = policy.lookup
    if host is None and lookup.takes_host:
        host = meta.get(HOST)
    origin = meta.get(ORIGIN)
    if (
        awaits
        and looked_up is None
        and origin is not None
        and lookup.cached(origin, host) is None
        and policy.matcher.allow_origin(origin) == ASK
    ):  # an async caller awaits it, a sync function's too (on a thread: the loop stays free)
        return NEEDS_LOOKUP
    if origin is None:
        decision = policy.decide(method, None)
    elif method == "OPTIONS" and meta.get(REQUEST_METHOD):  # a preflight (Fetch §4.8)
        decision = policy.preflight(
            origin,
            meta[REQUEST_METHOD],
            meta.get(REQUEST_HEADERS),
            meta.get(REQUEST_PRIVATE_NETWORK) == "true",
            host,
            looked_up,
        )
    else:
        decision = policy.actual(origin, host, looked_up)
    if decision is NEEDS_LOOKUP and not awaits:
        return decide_cgi(policy, meta, method, host, False)
    return decision


def sync_problem(policy: Routable, option: str, fix: str) -> CORSConfigError | None:
    """E005 when a policy's ``allow_origin_func`` is ``async def`` on a sync stack."""
    for each in policies_of(policy):
        if each.lookup is not None and each.lookup.is_async:
            return CORSConfigError(
                [
                    ConfigProblem(
                        "E005",
                        option,
                        each.lookup.func,
                        "is async def, but this stack is synchronous: nothing can await it",
                        fix,
                    )
                ]
            )
    return None


class Instances:
    """The live middleware of one adapter in this process (weakly held), so that
    ``reconfigure``/``invalidate`` reach middleware built by a framework."""

    def __init__(self) -> None:
        self._live: weakref.WeakSet[Any] = weakref.WeakSet()

    def add(self, middleware: object) -> None:
        self._live.add(middleware)

    def reconfigure(self, policy: Policy) -> int:
        """``reconfigure(policy)`` on each live middleware; how many there were."""
        live = list(self._live)
        for middleware in live:
            middleware.reconfigure(policy)
        return len(live)

    def invalidate(self, origin: str | None = None) -> int:
        """``invalidate(origin)`` on each live middleware; how many there were."""
        live = list(self._live)
        for middleware in live:
            middleware.invalidate(origin)
        return len(live)


def invalidate_policies(policy: Routable, origin: str | None) -> None:
    """Drop the kept ``allow_origin_func`` answers of every policy in ``policy``."""
    for each in policies_of(policy):
        if each.lookup is not None:
            each.lookup.invalidate(origin)


def guard_write(
    writes: WriteGuard,
    meta: Mapping[str, Any],
    method: str,
    decision: Decision,
    host: Callable[[], str | None] | None = None,
) -> Decision:
    """``decision``, or the 403 of a write refused by ``protect_writes`` (protect_writes).

    Called for unsafe methods under a protecting policy only (``writes`` is its
    ``CORSPolicy.writes``): a safe request never pays for it. ``host`` gives the
    request's host when the check needs it (an Origin without Sec-Fetch-Site):
    Django's ``get_host()``; None reads ``HTTP_HOST`` as the server received it.
    """
    origin, site = meta.get(ORIGIN), meta.get(FETCH_SITE)
    needed = site is None and origin is not None
    shown = (meta.get(HOST) if host is None else host()) if needed else None
    refusal = writes.refusal(method, origin, site, shown)
    return decision if refusal is None else refused_write(decision, refusal)


def log_kind(decision: Decision) -> str:
    """The word of a refusal's log line: ``"write"`` for a refused write (403), else the kind."""
    return "write" if decision.status == 403 else decision.kind


def positional_problem(args: tuple[object, ...]) -> CORSConfigError:
    """The error for ``cross_origin`` given positional arguments.

    A bare ``@cross_origin`` (no parentheses) passes the view itself; flask-cors'
    users also write ``@cross_origin("https://app.example.com")``. Both are
    mistakes that would otherwise surface as a ``TypeError`` about positional
    arguments, or a route that silently disappears.
    """
    value = args[0] if len(args) == 1 else args
    if callable(value):
        message = "is the view: cross_origin was used without parentheses"
        fix = "write @cross_origin(allow_origins=[...]) with parentheses and keyword options"
    else:
        message = "was given by position; cross_origin takes keyword options only"
        fix = "pass the origins by keyword: @cross_origin(allow_origins=[...])"
    return CORSConfigError([ConfigProblem("E011", "cross_origin", value, message, fix)])
