"""The adapter toolkit: what every adapter shares (docs/architecture.md).

- :func:`resolve_policy`: ``policy=`` or CORSPolicy keyword options, checked once;
- :class:`Router`: the policy for a request (single-policy shortcut inside);
- :func:`decide_cgi`: the decision from a CGI-style mapping (WSGI ``environ``,
  Django ``request.META``).

An adapter only translates: its protocol's request into these calls, and the
``Decision`` into its protocol's response with :mod:`corecors.response`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol, runtime_checkable

from corecors import ConfigProblem, CORSConfigError, CORSPolicy, Decision, PathPolicies
from corecors.writes import WriteGuard, refused_write

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
    :class:`CORSConfigError` (E011) for both at once or a wrong ``policy`` type,
    and whatever :class:`CORSPolicy` raises for the options.
    """
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


def policy_type_problem(option: str, value: object, fix: str) -> ConfigProblem:
    """E011 for a value that should be a CORSPolicy or PathPolicies (one wording)."""
    return ConfigProblem("E011", option, value, "must be a CORSPolicy or a PathPolicies", fix)


class Router:
    """Chooses the policy for one request: the one router of every adapter.

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


def policies_of(policy: Routable) -> tuple[CORSPolicy, ...]:
    """Every distinct CORSPolicy in ``policy``."""
    return (policy,) if isinstance(policy, CORSPolicy) else policy.policies


def decide_cgi(policy: CORSPolicy, meta: Mapping[str, Any], method: str) -> Decision:
    """The decision for a request given as a CGI-style mapping and its method.

    Only OPTIONS reads more than ``Origin``; ``CORSPolicy.decide`` applies the
    one preflight test (Fetch §4.8).
    """
    if method != "OPTIONS":
        return policy.decide(method, meta.get(ORIGIN))
    return policy.decide(
        method,
        meta.get(ORIGIN),
        meta.get(REQUEST_METHOD),
        meta.get(REQUEST_HEADERS),
        meta.get(REQUEST_PRIVATE_NETWORK) == "true",
    )


def guard_write(
    writes: WriteGuard,
    meta: Mapping[str, Any],
    method: str,
    decision: Decision,
    host: Callable[[], str | None] | None = None,
) -> Decision:
    """``decision``, or the 403 of a write refused by ``protect_writes`` (corecors.writes).

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
