"""ASGI middleware for FastAPI, Starlette and any ASGI application.

A drop-in replacement for Starlette's ``CORSMiddleware``: same parameter names
and defaults, so switching is one import::

    from corecors.adapters.asgi import CORSMiddleware
    app.add_middleware(CORSMiddleware, allow_origins=["https://app.example.com"])

Pure ASGI: this module imports no framework. Like Starlette's middleware it
computes everything at construction; per request it passes non-HTTP scopes
through, answers preflights itself, and otherwise wraps ``send`` to touch only
``http.response.start``. It works on the raw latin-1 header bytes and relies on
ASGI servers lower-casing header names (uvicorn, hypercorn, daphne and
Starlette's TestClient all do; the ASGI spec requires it for responses).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

from corecors import CORSConfigError, CORSPolicy
from corecors.engine import (
    ACTUAL_RESPONSE_HEADERS,
    SAFE_METHODS,
    Refusal,
    RefusalLog,
    notice_unprotected,
    vary_value,
)

from ._asgi_answers import (
    METHOD_CUT,
    ORIGIN_CUT,
    REQUEST_HEADERS_CUT,
    RawHeaders,
    actual_answer,
    kept_preflight,
    looked_up_preflight,
    no_origin_answer,
    preflight_answer,
    send_error,
    send_preflight,
    write_answer,
)
from ._asgi_config import Unconfigured, built_by_starlette, check_flags, warn_outer_middleware
from ._asgi_dynamic import LIVE, Reconfigurable, Routes, host_of, invalidate, looked_up
from ._asgi_websocket import deny, handshake_refusal
from ._common import Policy, resolve_policy
from ._cookie_watch import RAW_CREDENTIALS, CookieWatch, watched_send

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# A granted decision replaces the application's own copies of these: a duplicate
# Access-Control-Allow-Origin makes the browser fail the request (Fetch).
_GRANT_NAMES = frozenset(name.encode("latin-1") for name in ACTUAL_RESPONSE_HEADERS)
# Response headers that need more than appending: merged (Vary) or replaced.
_SPECIAL_NAMES = _GRANT_NAMES | {b"vary"}
_TEXT_PLAIN = (b"content-type", b"text/plain; charset=utf-8")
_STARLETTE = ("starlette", {"session": "SessionMiddleware"})  # the cookie fixes' vocabulary


def _path(scope: Scope) -> str:
    """The path the application routes on: ``scope["path"]`` less ``scope["root_path"]``.

    The one place the request's path is read for path policies (HTTP and the
    WebSocket check). uvicorn 0.26+ (``--root-path``) and Starlette's ``Mount``
    put the root path in front of ``path``; routing, and so ``PathPolicies``,
    works on what follows it, as WSGI's ``PATH_INFO`` does below
    ``SCRIPT_NAME``. A ``path`` that does not start with the root path
    (servers that leave it out) is used as it is; the root itself routes as ``/``.
    """
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root):
        rest = path[len(root) :]
        if not rest:
            return "/"
        if rest[0] == "/":  # "/api" is not the root of "/apiv2/x"
            return rest
    return path


class CORSMiddleware(Reconfigurable):
    """CORS for an ASGI application, decided by a :class:`corecors.CORSPolicy`.

    Takes Starlette's ``CORSMiddleware`` arguments (the same names, order and
    defaults), or ``policy=`` (a ``CORSPolicy`` or a ``PathPolicies``), never
    both. Parameters:

    - ``app`` (ASGI application): the application to wrap.
    - ``allow_origins``, ``allow_methods`` (default ``("GET",)``),
      ``allow_headers``, ``allow_credentials`` (``bool``, default False),
      ``allow_origin_regex``, ``allow_private_network`` (``bool``, default
      False), ``expose_headers``, ``max_age`` (``int | None`` seconds, default
      600), ``allow_origin_func`` (keyword only), ``origin_cache_ttl`` (``float``
      seconds, default 60.0, keyword only), ``origin_lookup_timeout`` (``float | None``
      seconds, default 5.0, keyword only), ``protect_writes`` (``bool``, keyword only,
      default False): as :class:`corecors.CORSPolicy`.
    - ``policy`` (``CORSPolicy | PathPolicies | None``, keyword only, default
      None): a prebuilt policy instead of the options; a ``PathPolicies`` is
      matched against ``scope["path"]``.
    - ``check_websocket_origin`` (``bool``, keyword only, default False):
      refuse WebSocket handshakes (403 before accept) from origins the policy
      does not allow (off by default: same-origin pages send an ``Origin`` too,
      so turning it on needs your own origin listed). With
      ``allow_credentials=True`` only explicit rules are trusted (a listed
      origin, a pattern, ``allow_origin_regex``, ``allow_origin_func``), never
      ``"*"`` or ``"null"``: a handshake carries cookies and no browser checks
      its answer (docs/security.md).

    - ``debug`` (``bool | None``, keyword only, default None): the level of
      the line logged for each refused request on the ``corecors`` logger:
      WARNING when true (shown on the console with no logging set up), DEBUG
      when false; true also logs the cookies browsers will not send back
      (docs/cookies.md). None follows the application's debug mode: the ``debug``
      attribute of ``scope["app"]``, where Starlette and FastAPI put
      themselves (``FastAPI(debug=True)``), read on each refusal and, for cookies,
      on the first credentialed response; an application that sets no
      ``scope["app"]`` counts as not in debug mode. The volume is bounded
      (:class:`corecors.memo.RefusalLog`: at most 50 lines a minute, then a count).

    Dynamic origins (docs/dynamic-origins.md): an ``async def`` ``allow_origin_func`` is
    awaited (a plain one runs on a thread when its answer is not kept); :meth:`reconfigure`
    swaps the policy, :meth:`invalidate` drops the function's kept answers.

    Raises :class:`corecors.CORSConfigError` for a bad option, for ``policy=``
    together with options, or for a non-bool ``check_websocket_origin`` or
    ``debug``. When Starlette's or FastAPI's ``build_middleware_stack``
    constructs the middleware (``app.add_middleware``: built on the server's
    first scope), the error is kept in ``config_error`` instead (``policy`` is
    then not set): the ASGI lifespan start-up fails with its message (uvicorn
    prints it and exits with status 3), and every HTTP or WebSocket request
    raises it (a 500 under ``--lifespan off``).
    """

    def __init__(
        self,
        app: ASGIApp,
        allow_origins: Iterable[str] = (),
        allow_methods: Iterable[str] = ("GET",),
        allow_headers: Iterable[str] = (),
        allow_credentials: bool = False,
        allow_origin_regex: str | re.Pattern[str] | Iterable[str | re.Pattern[str]] | None = None,
        allow_private_network: bool = False,
        expose_headers: Iterable[str] = (),
        max_age: int | None = 600,
        *,
        policy: Policy | None = None,
        allow_origin_func: Callable[..., Any] | None = None,
        origin_cache_ttl: float = 60.0,
        origin_lookup_timeout: float | None = 5.0,
        protect_writes: bool = False,
        check_websocket_origin: bool = False,
        debug: bool | None = None,
    ) -> None:
        self.app = app
        self.check_websocket_origin = check_websocket_origin
        self.debug = debug
        self.config_error: CORSConfigError | None = None
        self._refusals = RefusalLog()
        self.cookies = None if debug is False else CookieWatch(self._refusals, *_STARLETTE)
        # Only the options that differ from their defaults (in type or value:
        # allow_credentials=0 is not the default False) count as given, so
        # that policy= can be combined with none of them.
        options = {
            name: value
            for name, value, default in (
                ("allow_origins", allow_origins, ()),
                ("allow_methods", allow_methods, ("GET",)),
                ("allow_headers", allow_headers, ()),
                ("allow_credentials", allow_credentials, False),
                ("allow_origin_regex", allow_origin_regex, None),
                ("allow_private_network", allow_private_network, False),
                ("expose_headers", expose_headers, ()),
                ("max_age", max_age, 600),
                ("allow_origin_func", allow_origin_func, None),
                ("origin_cache_ttl", origin_cache_ttl, 60.0),
                ("origin_lookup_timeout", origin_lookup_timeout, 5.0),
                ("protect_writes", protect_writes, False),
            )
            if type(value) is not type(default) or value != default
        }
        try:
            check_flags(check_websocket_origin, debug)
            self.policy: Policy = resolve_policy(policy, options)
        except CORSConfigError as error:
            if not built_by_starlette():
                raise
            self._keep(error)
            return
        warn_outer_middleware(CORSMiddleware)
        self._router: Routes | Unconfigured = Routes(self.policy)
        notice_unprotected(self._router.policies)  # W005, once, at start-up
        LIVE.add(self)

    def _keep(self, error: CORSConfigError) -> None:
        """Keep a configuration error to fail the start-up with (see ``_not_http``).

        Starlette and FastAPI build the middleware stack lazily, in the first scope:
        under uvicorn's default ``--lifespan auto`` an exception there reads as "lifespan
        unsupported" and the server answers 500s; ``lifespan.startup.failed`` stops it."""
        self.config_error = error
        self._router = Unconfigured(error)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The ASGI call: HTTP gets CORS; lifespan and WebSocket pass (unless checked)."""
        if scope["type"] != "http":
            await self._not_http(scope, receive, send)
            return
        router = self._router
        policy = router.single or router.for_path(_path(scope))
        if policy is None:  # no rule for this path: no CORS processing at all
            await self.app(scope, receive, send)
            return
        origin = None  # repeated headers are joined with "," (_join), as HTTP defines
        if scope["method"] == "OPTIONS":
            origin, request_method, request_headers, private_network = _read(scope["headers"])
            if origin is not None and request_method:  # Fetch §4.8: a non-empty ACRM
                request = (origin, request_method, request_headers, private_network)
                return await self._preflight(scope, send, policy, *request)
        else:  # only Origin matters on any other method
            for name, value in scope["headers"]:
                if name == b"origin":
                    origin = value if origin is None else _join(origin, value, ORIGIN_CUT)
        if origin is None:  # PathRules list every policy they answer; built if not
            answer = router.no_origin.get(policy) or no_origin_answer(policy)  # type: ignore[union-attr]
        else:  # None under an allow_origin_func: then a kept answer, or one to await
            answer = actual_answer(policy, origin) or await looked_up(scope, policy, origin)
        _, refusal, grants, block, vary = answer
        writes = policy.writes is not None and scope["method"] not in SAFE_METHODS
        if writes and await self._refused_write(scope, send, policy, origin, grants):
            return  # a cross-origin write refused (protect_writes): 403, the app never runs
        if refusal is not None:
            self._log(scope, "actual", refusal)
        if self.cookies is not None and grants and RAW_CREDENTIALS in grants:  # debug mode
            send = watched_send(self, scope, send)
        started = False

        # A plain function returning send's awaitable: one coroutine fewer per message.
        def send_with_cors(message: Message) -> Awaitable[None]:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = message.get("headers", ())
                if type(headers) is not list:  # ASGI allows any iterable, even a generator
                    headers = list(headers)
                for name, _ in headers:
                    if name in _SPECIAL_NAMES:
                        headers = _merged(headers, grants, vary)
                        break
                else:  # the common case: nothing to merge or replace, only to add
                    headers = [*headers, *block]
                # A copy, never the app's own dict or list: an app may send one prebuilt
                # message for every request; one origin's grant must not leak on.
                message = dict(message)
                message["headers"] = headers
            return send(message)

        try:
            await self.app(scope, receive, send_with_cors)
        except Exception:  # see _send_error: a 500 with CORS headers, then re-raised
            if grants and not started:
                await send_error(send, block)
            raise

    async def _refused_write(
        self, scope: Scope, send: Send, policy: CORSPolicy, origin: bytes | None, grants: RawHeaders
    ) -> bool:
        """Answer 403 to a write ``protect_writes`` refuses (logged); whether it did."""
        refused = write_answer(policy, scope["method"], origin, scope["headers"], grants)
        if refused is None:
            return False
        self._log(scope, "write", refused.refusal)  # type: ignore[arg-type]
        await send_preflight(send, refused)
        return True

    async def _preflight(
        self,
        scope: Scope,
        send: Send,
        policy: CORSPolicy,
        origin: bytes,
        method: bytes,
        headers: bytes | None,
        private_network: bool,
    ) -> None:
        """Answer a preflight (it never reaches the application); log a refusal."""
        answer = preflight_answer(policy, origin, method, headers, private_network)
        if answer is None:  # allow_origin_func: kept, or to be awaited
            request = (policy, origin, method, headers, private_network, host_of(scope, policy))
            answer = kept_preflight(*request) or await looked_up_preflight(*request)
        if answer.refusal is not None:
            self._log(scope, "preflight", answer.refusal)
        await send_preflight(send, answer)

    def _log(self, scope: Scope, kind: str, refusal: Refusal) -> None:
        """Log a refusal: WARNING in debug mode (``debug=``, else the app's), else DEBUG."""
        debug = self.debug
        if debug is None:  # Starlette and FastAPI put themselves in scope["app"]
            debug = getattr(scope.get("app"), "debug", False) is True
        self._refusals.log(logging.WARNING if debug else logging.DEBUG, kind, refusal)

    async def _not_http(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.config_error is not None:
            if scope["type"] != "lifespan":
                raise CORSConfigError(self.config_error.problems)  # a fresh traceback each time
            await receive()  # lifespan.startup, always the lifespan scope's first message (ASGI)
            await send({"type": "lifespan.startup.failed", "message": str(self.config_error)})
            return
        if scope["type"] == "websocket" and self.check_websocket_origin:
            await self._websocket(scope, receive, send)
        else:  # lifespan, and websocket unless checked
            await self.app(scope, receive, send)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse the handshake (403, before accept) from an origin the policy does not
        trust (``adapters/_asgi_websocket.py``: under credentials, explicit rules only)."""
        policy = self._router.for_path(_path(scope))
        origin = None
        if policy is not None:
            for name, value in scope["headers"]:
                if name == b"origin":
                    origin = value if origin is None else _join(origin, value, ORIGIN_CUT)
        # No Origin: not a browser, which always sends one on a WebSocket handshake.
        refusal = None
        if policy is not None and origin is not None:
            answer = actual_answer(policy, origin) or await looked_up(scope, policy, origin)
            refusal = handshake_refusal(policy, origin, answer)
        if refusal is None:  # allowed
            await self.app(scope, receive, send)
            return
        self._log(scope, "WebSocket handshake", refusal)
        await deny(scope, receive, send)


def _read(
    headers: Iterable[tuple[bytes, bytes]],
) -> tuple[bytes | None, bytes | None, bytes | None, bool]:
    """A possible preflight's CORS request headers, in one pass: ``(origin, method,
    headers, private_network)``; several Access-Control-Request-Headers lines add up."""
    origin = request_method = request_headers = None
    private_network = False
    for name, value in headers:
        if name == b"origin":
            origin = value if origin is None else _join(origin, value, ORIGIN_CUT)
        elif name == b"access-control-request-method":
            request_method = (
                value if request_method is None else _join(request_method, value, METHOD_CUT)
            )
        elif name == b"access-control-request-headers":
            request_headers = (
                value
                if request_headers is None
                else _join(request_headers, value, REQUEST_HEADERS_CUT)
            )
        elif name == b"access-control-request-private-network":
            private_network = value == b"true"
    return origin, request_method, request_headers, private_network


def _join(first: bytes, more: bytes, cut: int) -> bytes:
    """Two lines of one request header as one value (rare), kept bounded by ``cut``."""
    return first[:cut] + b"," + more[:cut]


def _merged(app_headers: list[Any], grants: RawHeaders, vary: bytes) -> list[Any]:
    """The app's headers with its Vary merged and, when granting, its own grants replaced."""
    headers: list[Any] = []
    app_vary: list[str] = []
    for header in app_headers:
        name = header[0]
        if name == b"vary":
            app_vary.append(header[1].decode("latin-1"))
        elif not (grants and name in _GRANT_NAMES):
            headers.append(header)
    headers += grants
    if not vary:  # a public policy adds no Vary: the application's stays as it was
        headers += [header for header in app_headers if header[0] == b"vary"]
        return headers
    if app_vary:  # never replacing or duplicating the application's own tokens
        tokens = tuple(vary.decode("latin-1").split(", "))
        vary = vary_value(", ".join(app_vary), tokens).encode("latin-1")
    headers.append((b"vary", vary))
    return headers


__all__ = ["CORSMiddleware", "invalidate"]
