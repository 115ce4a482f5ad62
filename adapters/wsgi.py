"""CORS middleware for any WSGI application (Flask, Bottle, Pyramid, Falcon...).

::

    from corecors.adapters.wsgi import CORSMiddleware
    app.wsgi_app = CORSMiddleware(app.wsgi_app, allow_origins=["https://app.example.com"])

Standard library only: importing this module never imports a web framework.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from corecors import CORSPolicy, Decision, PathPolicies, apply_decision
from corecors.policy import ACTUAL_RESPONSE_HEADERS

from ._common import Policy, resolve_policy

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

    from _typeshed import OptExcInfo

__all__ = ["CORSMiddleware"]

#: Set in the WSGI environ by a route-level CORS (Flask's ``cross_origin`` or
#: ``CORS(blueprint)``) that has applied its own policy to the response: the
#: app-level middleware then leaves that response alone (most specific wins).
ROUTE_HANDLED = "corecors.route_handled"

_CONTENT_TYPE = ("Content-Type", "text/plain; charset=utf-8")
# An application header among these sends the response through apply_decision's
# full merge: Vary is merged, and a granted decision replaces the app's own CORS
# headers (a duplicate Allow-Origin makes the browser fail the request).
_MERGED = frozenset({"vary", *ACTUAL_RESPONSE_HEADERS})


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
    """

    __slots__ = ("_paths", "_single", "app", "policy", "route_policy")

    #: Set by a framework adapter that knows per-route policies (Flask's
    #: ``CORS(blueprint)``, ``cross_origin``): called for ``OPTIONS`` requests,
    #: it returns the policy of the route a preflight asks about, or None.
    route_policy: Callable[[WSGIEnvironment], CORSPolicy | None] | None

    def __init__(
        self, app: WSGIApplication, *, policy: Policy | None = None, **options: Any
    ) -> None:
        self.app = app
        self.route_policy = None
        self.policy: Policy = resolve_policy(policy, options)
        # One policy for every path (the common case) skips path matching entirely.
        self._single = self.policy if isinstance(self.policy, CORSPolicy) else None
        self._paths = self.policy if isinstance(self.policy, PathPolicies) else _NO_RULES

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        policy = self._single or self._paths.for_path(environ.get("PATH_INFO") or "/")
        method = environ["REQUEST_METHOD"]
        if method == "OPTIONS" and self.route_policy is not None:
            # A route's own policy answers its preflights (most specific wins).
            policy = self.route_policy(environ) or policy
        if policy is None:  # no rule for this path: no CORS processing at all
            return self.app(environ, start_response)
        origin = environ.get("HTTP_ORIGIN")
        if origin is None or method != "OPTIONS":
            # Not a preflight (Fetch §4.8): the other CORS request headers do not matter.
            decision = policy.decide(method, origin)
        else:
            # WSGI servers join repeated header lines with "," (PEP 3333 / RFC 9110
            # §5.3), which is how decide() expects Access-Control-Request-Headers.
            get = environ.get
            decision = policy.decide(
                method,
                origin,
                get("HTTP_ACCESS_CONTROL_REQUEST_METHOD"),
                get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS"),
                get("HTTP_ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK") == "true",
            )
            if decision.kind == "preflight":
                return send_preflight(decision, start_response)

        def cors_start_response(
            status: str, headers: list[tuple[str, str]], exc_info: OptExcInfo | None = None
        ) -> Callable[[bytes], object]:
            if ROUTE_HANDLED in environ:  # a route's own policy has answered
                return start_response(status, headers, exc_info)
            # Passing exc_info on unchanged keeps PEP 3333's contract: the server
            # re-raises it if the first headers were already sent.
            for name, _ in headers:
                if name.lower() in _MERGED:
                    return start_response(status, apply_decision(headers, decision), exc_info)
            # Nothing to merge or replace (the usual case): apply_decision's result
            # without its general merge, measurably cheaper behind a real app.
            vary = ("Vary", ", ".join(decision.vary))
            return start_response(status, [*headers, *decision.headers, vary], exc_info)

        return self.app(environ, cors_start_response)

    def __repr__(self) -> str:
        return f"CORSMiddleware({self.app!r}, policy={self.policy!r})"


def preflight_headers(decision: Decision) -> list[tuple[str, str]]:
    """The headers of a preflight response: the decision's, Vary, a plain-text body's."""
    return [
        *decision.headers,
        ("Vary", ", ".join(decision.vary)),
        _CONTENT_TYPE,
        ("Content-Length", str(len(decision.body))),
    ]


def send_preflight(decision: Decision, start_response: StartResponse) -> list[bytes]:
    """Answer a preflight (Fetch §4.8): 200 when allowed, 400 with the reason when refused."""
    start_response(_STATUS_LINES[decision.status], preflight_headers(decision))
    return [decision.body]


# Stands in for the rules when one policy covers every path (then never consulted).
_NO_RULES = PathPolicies(())

# decide() only ever answers a preflight with 200 or 400.
_STATUS_LINES: dict[int | None, str] = {
    s.value: f"{s.value} {s.phrase}" for s in (HTTPStatus.OK, HTTPStatus.BAD_REQUEST)
}
