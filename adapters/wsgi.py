"""CORS middleware for any WSGI application (Flask, Bottle, Pyramid, Falcon...).

::

    from corecors.adapters.wsgi import CORSMiddleware
    app.wsgi_app = CORSMiddleware(app.wsgi_app, allow_origins=["https://app.example.com"])

Standard library only: importing this module never imports a web framework.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from corecors import CORSConfigError, CORSPolicy, Decision
from corecors.engine import (
    SAFE_METHODS,
    RefusalLog,
    apply_decision,
    flag_problem,
    notice_unprotected,
    preflight_parts,
)

from ._common import (
    Instances,
    Policy,
    Router,
    decide_cgi,
    guard_write,
    invalidate_policies,
    log_kind,
    resolve_policy,
    sync_problem,
)
from ._cookie_watch import CREDENTIALS, CookieWatch

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

    from _typeshed import OptExcInfo

__all__ = ["CORSMiddleware", "invalidate"]

#: The fix named when an ``async def`` allow_origin_func meets a WSGI stack.
SYNC_FIX = (
    "write it as a plain def (a sync database client), or serve the app with an ASGI "
    "server and corecors.adapters.asgi.CORSMiddleware, which awaits it"
)

_LIVE = Instances()

#: Set in the WSGI environ by a route-level CORS (Flask's ``cross_origin`` or
#: ``CORS(blueprint)``) that has applied its own policy to the response: the
#: app-level middleware then leaves that response alone (most specific wins).
ROUTE_HANDLED = "corecors.route_handled"


class CORSMiddleware:
    """Answer CORS preflights and add CORS headers to the responses of a WSGI app.

    Takes the keyword arguments of :class:`corecors.CORSPolicy`, or ``policy=``
    (a ``CORSPolicy`` or a ``PathPolicies``), never both.

    - A preflight (``OPTIONS`` + ``Origin`` + ``Access-Control-Request-Method``)
      is answered here and never reaches the application: 200 when allowed,
      400 with a plain-text reason and no ``Access-Control-*`` header when
      refused.
    - Every other request reaches the application. Its ``start_response`` is
      wrapped so that the granted headers are added, ``Vary`` is merged with
      the application's own tokens, and exactly one
      ``Access-Control-Allow-Origin`` is sent. A re-call with ``exc_info``
      (PEP 3333 error handling) is decorated the same way and passed on.
    - The application's iterable is returned as it is, not wrapped, so
      streaming responses stream, ``wsgi.file_wrapper`` keeps its zero-copy
      path, and the server calls its ``close()``.

    Paths: a ``PathPolicies`` matches ``environ["PATH_INFO"]``, the path as the
    server decoded it, relative to the application's mount point
    (``SCRIPT_NAME`` is not part of it; an empty ``PATH_INFO``, the mount point
    itself, routes as ``/``), with no further unquoting. PEP 3333
    makes ``PATH_INFO`` a latin-1 ``str`` holding the raw bytes: the request
    ``/caf%C3%A9`` arrives as ``"/cafÃ©"``, not ``"/café"``. Rules on ASCII
    paths (``/api/*``) are unaffected; a rule on a non-ASCII path must be
    written in that form, e.g. ``"/café".encode("utf-8").decode("latin-1")``.
    ``%2F`` is already decoded to ``/`` by the server, so ``/api%2Fx`` is
    matched as ``/api/x``.

    Writes: a policy with ``protect_writes=True`` answers a refused write
    (docs/cookies-and-csrf.md) with 403 before the application runs, comparing
    ``Origin`` with ``HTTP_HOST`` as the server received it when the browser
    sent no ``Sec-Fetch-Site``.

    Refusals: each refused request is logged on the ``corecors`` logger with
    its reason and fix, at WARNING when ``debug`` is true (shown on the console
    with no logging set up), else at DEBUG; at most 50 lines a minute, then a
    count (:class:`corecors.memo.RefusalLog`).

    Dynamic origins (docs/dynamic-origins.md): a sync ``allow_origin_func`` is called
    through the policy's cache (``origin_cache_ttl``, ``origin_lookup_timeout``); an
    ``async def`` one is :class:`corecors.CORSConfigError` E005 here (WSGI cannot
    await). :meth:`reconfigure` swaps the policy, :meth:`invalidate` drops answers.
    """

    __slots__ = (
        "__weakref__",
        "_router",
        "app",
        "cookies",
        "debug",
        "policy",
        "refusals",
        "route_policy",
    )

    #: Set by a framework adapter that knows per-route policies (Flask's
    #: ``CORS(blueprint)``, ``cross_origin``): called for ``OPTIONS`` requests,
    #: it returns the policy of the route a preflight asks about, or None.
    route_policy: Callable[[WSGIEnvironment], CORSPolicy | None] | None

    def __init__(
        self,
        app: WSGIApplication,
        *,
        policy: Policy | None = None,
        debug: bool | Callable[[], bool] = False,
        **options: Any,
    ) -> None:
        """Wrap ``app``. Raises :class:`corecors.CORSConfigError` for a bad configuration,
        or a ``debug`` that is neither a bool nor callable.

        - ``app`` (WSGI application): the application to wrap.
        - ``policy`` (``CORSPolicy | PathPolicies | None``, keyword only, default None): a
          prebuilt policy instead of the options; never together with them.
        - ``debug`` (``bool`` or a function returning one, asked on each refusal; default
          False): log refusals at WARNING rather than DEBUG, and the cookies browsers will
          not send back (docs/cookies.md). A WSGI middleware cannot see a
          framework's debug mode: pass your framework's flag (Flask's ``CORS`` passes
          ``lambda: app.debug``).
        - ``**options``: the keyword options of :class:`corecors.CORSPolicy` (its defaults
          for those not given).
        """
        if not isinstance(debug, bool) and not callable(debug):
            fix = "use debug=True to log refusals at WARNING, or a function returning a bool"
            raise CORSConfigError([flag_problem("debug", debug, fix)])
        self.app = app
        self.debug = debug
        self.route_policy = None
        self.policy: Policy = resolve_policy(policy, options)
        _check_sync(self.policy)
        self._router = Router(self.policy)
        notice_unprotected(self._router.policies)  # W005, once, at start-up
        #: The bounded refusal log (:class:`corecors.engine.RefusalLog`); Flask's ``CORS``
        #: gives the app's middleware the one its route policies log through.
        self.refusals = RefusalLog()
        #: Debug mode's cookie diagnostics (``adapters/_cookie_watch``); None without debug.
        self.cookies = None if debug is False else CookieWatch(self.refusals)
        _LIVE.add(self)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """The WSGI call (PEP 3333); a preflight is answered here."""
        router = self._router
        # The path policies match PATH_INFO, below the mount point (an
        # empty one, the mount point itself, routes as "/").
        policy = router.single or router.for_path(environ.get("PATH_INFO") or "/")
        method = environ["REQUEST_METHOD"]
        decision = None
        if method == "OPTIONS" and self.route_policy is not None:
            # A route's own policy answers its preflights (most specific wins).
            policy = self.route_policy(environ) or policy
        elif method not in SAFE_METHODS and self.route_policy is not None and _guarded(policy):
            policy = self.route_policy(environ) or policy  # a route's own protect_writes
        if policy is None:  # no rule for this path: no CORS processing at all
            return self.app(environ, start_response)
        if method == "OPTIONS" or (policy.writes is not None and method not in SAFE_METHODS):
            decision = decide_cgi(policy, environ, method)
            if policy.writes is not None and method not in SAFE_METHODS:  # protect_writes
                decision = guard_write(policy.writes, environ, method, decision)
            if decision.status is not None:  # a preflight (Fetch §4.8) or a refused write
                self._log(decision)
                return send_preflight(decision, start_response)
        chosen = policy
        logged = False

        def cors_start_response(
            status: str, headers: list[tuple[str, str]], exc_info: OptExcInfo | None = None
        ) -> Callable[[bytes], object]:
            nonlocal decision, logged
            if ROUTE_HANDLED in environ:  # a route's own policy has decided (and logged)
                return start_response(status, headers, exc_info)
            # Decided here, once, so that a request a route's policy answers is
            # never decided (nor its refusal logged) by this layer too.
            if decision is None:
                decision = decide_cgi(chosen, environ, method)
            if not logged:
                logged = True
                self._log(decision)
                if self.cookies is not None and CREDENTIALS in decision.headers:
                    self._watch(self.cookies, environ, headers)
            # Passing exc_info on unchanged keeps PEP 3333's contract: the server
            # re-raises it if the first headers were already sent.
            return start_response(status, apply_decision(headers, decision), exc_info)

        return self.app(environ, cors_start_response)

    def reconfigure(self, policy: Policy) -> None:
        """Swap the policy. ``policy`` (``CORSPolicy | PathPolicies``): what every request
        that starts after the call is answered with.

        The swap is one attribute assignment of an immutable router: a request reads
        it once when it starts, so a request in flight finishes with the policy it
        started with, and every request after the call gets the new one; none sees a
        mix. Thread-safe. The new policy's ``allow_origin_func`` answers start empty.
        Raises :class:`corecors.CORSConfigError` (nothing changes) for a wrong type or
        an ``async def`` ``allow_origin_func``.
        """
        policy = resolve_policy(policy, {})
        _check_sync(policy)
        self._router = Router(policy)  # the one assignment requests read
        self.policy = policy

    def invalidate(self, origin: str | None = None) -> None:
        """Drop kept ``allow_origin_func`` answers in every policy of this middleware.
        ``origin`` (``str | None``, default None): the origin, exactly as browsers send
        it (every host), or None for all. A lookup already in flight still answers the
        requests waiting for it, but its answer is not kept; the next request asks the
        function again."""
        invalidate_policies(self._router.policy, origin)

    def _log(self, decision: Decision) -> None:
        """Log a refused decision: WARNING when ``debug`` says so, else DEBUG."""
        if decision.refusal is not None:
            debug = self.debug if isinstance(self.debug, bool) else self.debug()
            level = logging.WARNING if debug else logging.DEBUG
            self.refusals.log(level, log_kind(decision), decision.refusal)

    def _watch(
        self, cookies: CookieWatch, environ: WSGIEnvironment, headers: list[tuple[str, str]]
    ) -> None:
        """Debug mode: log the cookies browsers will not send back (``_cookie_watch``)."""
        if self.debug if isinstance(self.debug, bool) else self.debug():
            cookies.check_cgi(environ, environ.get("wsgi.url_scheme", "http"), headers)

    def __repr__(self) -> str:
        return f"CORSMiddleware({self.app!r}, policy={self.policy!r})"


def invalidate(origin: str | None = None) -> int:
    """:meth:`CORSMiddleware.invalidate` on every WSGI middleware of this process (Flask's
    included): for a message from another process (docs/dynamic-origins.md, Redis).
    ``origin`` (``str | None``, default None): the origin whose kept answers to drop,
    None for all. Returns how many middleware there were."""
    return _LIVE.invalidate(origin)


def _check_sync(policy: Policy) -> None:
    problem = sync_problem(policy, "allow_origin_func", SYNC_FIX)
    if problem is not None:
        raise problem


def _guarded(policy: CORSPolicy | None) -> bool:
    return policy is not None and policy.writes is not None


def send_preflight(decision: Decision, start_response: StartResponse) -> list[bytes]:
    """Answer a preflight (Fetch §4.8): 200 when allowed, 400 with the reason when refused;
    or a write refused by ``protect_writes``: 403."""
    status, headers, body = preflight_parts(decision)
    start_response(_STATUS_LINES[status], headers)
    return [body]


# decide() only ever answers a preflight with 200 or 400; a refused write is 403.
_STATUS_LINES: dict[int, str] = {
    s.value: f"{s.value} {s.phrase}"
    for s in (HTTPStatus.OK, HTTPStatus.BAD_REQUEST, HTTPStatus.FORBIDDEN)
}
