"""ASGI middleware for FastAPI, Starlette and any ASGI application.

A drop-in replacement for Starlette's ``CORSMiddleware``: same parameter names
and defaults, so switching is one import::

    from corecors.adapters.asgi import CORSMiddleware
    app.add_middleware(CORSMiddleware, allow_origins=["https://app.example.com"])

Pure ASGI: this module imports no framework. Like Starlette's middleware it
computes everything at construction; per request it passes non-HTTP scopes
through, answers preflights itself, and otherwise wraps ``send`` to touch only
``http.response.start``. It works on the raw latin-1 header bytes and relies on
ASGI servers lower-casing request header names (uvicorn, hypercorn, daphne and
Starlette's TestClient all do); response header names may come in any case
(Django's ASGI handler sends ``b"Vary"``); they are merged as they come.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

from corecors import CORSConfigError
from corecors.engine import SAFE_METHODS, Refusal, RefusalLog, given_options, notice_unprotected

from ._asgi_answers import (
    MEMO_KEY_BYTES,
    METHOD_CUT,
    ORIGIN_CUT,
    REQUEST_HEADERS_CUT,
    Actual,
    Answers,
    send_error,
    send_preflight,
    write_answer,
)
from ._asgi_config import Unconfigured, built_by_starlette, check_flags, warn_outer_middleware
from ._asgi_dynamic import LIVE, Reconfigurable, Routes, invalidate
from ._asgi_headers import ORDINARY, merge_raw, needs_merge
from ._asgi_websocket import deny, handshake_refusal
from ._common import Policy, resolve_policy
from ._cookie_watch import RAW_CREDENTIALS, CookieWatch, watched_send

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_WARNING, _DEBUG = logging.WARNING, logging.DEBUG
_enabled = logging.getLogger("corecors").isEnabledFor  # whether a level is shown
_KEY = MEMO_KEY_BYTES  # a request key over this size is never hashed
_HEADERS_CUT = REQUEST_HEADERS_CUT
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
      (:class:`corecors.engine.RefusalLog`: at most 50 lines a minute, then a count).
    - ``**unknown``: any other keyword (a misspelled option) is refused like a bad
      value, with the closest option named (E011).

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
        **unknown: Any,
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
        options = given_options(locals())
        # A misspelled keyword is a CORSConfigError naming the closest option (E011),
        # failing the start-up like any other option error, not a TypeError that
        # Starlette raises lazily (then uvicorn serves 500s: see _keep).
        options.update(unknown)
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
            return await self._not_http(scope, receive, send)
        answers = (router := self._router).only or router.answers_for(_path(scope))
        if answers is None:  # no rule for this path: no CORS processing at all
            return await self.app(scope, receive, send)
        method = scope["method"]
        if method == "OPTIONS":  # Fetch: with Origin and a method, a preflight
            origin, requested, headers, private = None, None, None, False
            for name, value in scope["headers"]:  # one pass; several lines of a header add up
                if name == b"origin":
                    origin = value if origin is None else _join(origin, value, ORIGIN_CUT)
                elif name == b"access-control-request-method":
                    requested = value if requested is None else _join(requested, value, METHOD_CUT)
                elif name == b"access-control-request-headers":
                    headers = value if headers is None else _join(headers, value, _HEADERS_CUT)
                elif name == b"access-control-request-private-network":
                    private = value == b"true"
            if origin is not None and requested:  # it ends here, never reaching the app
                key = (origin, requested, headers, private)
                small = len(origin) + len(requested) + (len(headers) if headers else 0) <= _KEY
                answer = answers.entries.get(key) if small else None  # never hash a huge key
                if answer is None:  # allow_origin_func: kept, or awaited
                    answer = await answers.preflight(scope, key, small)
                status, out, body, refusal = answer
                if refusal is not None:  # _log, inlined: a refusal costs little more (bench)
                    debug = self.debug
                    if debug is None:  # Starlette and FastAPI put themselves in scope["app"]
                        app = scope.get("app")
                        debug = app is not None and getattr(app, "debug", False) is True
                    if _enabled(level := _WARNING if debug else _DEBUG):
                        self._refusals.log(level, "preflight", refusal)
                await send({"type": "http.response.start", "status": status, "headers": [*out]})
                return await send({"type": "http.response.body", "body": body, "more_body": False})
        else:  # only Origin matters on any other request (the headers are read once)
            origin = None  # repeated headers are joined with "," (_join), as HTTP defines
            for name, value in scope["headers"]:
                if name == b"origin":
                    origin = value if origin is None else _join(origin, value, ORIGIN_CUT)
        if origin is None:
            actual = answers.no_origin
        else:  # looked up inline (a huge Origin is never hashed); else decided, or awaited
            hit = answers.entries.get(origin) if len(origin) <= _KEY else None
            actual = hit or await answers.actual(scope, origin)
        writes = answers.guard is not None and method not in SAFE_METHODS  # protect_writes
        if writes and await self._refused_write(scope, send, answers, origin, actual):
            return  # a refused write: 403, the application never runs
        if self.cookies is not None and RAW_CREDENTIALS in actual[1]:  # debug mode
            send = watched_send(self, scope, send)
        started: list[bool] = []  # not empty once the response has started
        try:
            await self.app(scope, receive, self._send_with_cors(scope, send, actual, started))
        except Exception:  # see send_error: a 500 with CORS headers, then re-raised
            await send_error(send, actual, started)
            raise

    def _send_with_cors(
        self, scope: Scope, send: Send, answer: Actual, started: list[bool]
    ) -> Callable[[Message], Any]:
        """Log ``answer``'s refusal, if any; then ``send`` adding ``answer`` to
        ``http.response.start`` (``started`` gets an item then).

        A plain function returning send's awaitable (ASGI only asks for an
        awaitable): one coroutine fewer per message than an async wrapper. The
        refusal is logged here, in a call every request makes anyway (``_log``,
        inlined: a refused request costs little more).
        """
        refusal, grants, block, vary = answer
        if refusal is not None:
            debug = self.debug
            if debug is None:  # Starlette and FastAPI put themselves in scope["app"]
                app = scope.get("app")
                debug = app is not None and getattr(app, "debug", False) is True
            if _enabled(level := _WARNING if debug else _DEBUG):
                self._refusals.log(level, "actual", refusal)

        def send_with_cors(message: Message) -> Awaitable[None]:
            if message["type"] == "http.response.start":
                started.append(True)
                headers = message.get("headers", ())
                if type(headers) is not list:  # ASGI allows any iterable, even a generator
                    headers = list(headers)
                for name, _ in headers:  # one set lookup per header, in the common case
                    if name not in ORDINARY and needs_merge(name):  # Vary or a grant, any case
                        headers = merge_raw(headers, grants, vary)
                        break
                else:  # the common case: nothing to merge or replace, only to add
                    headers = [*headers, *block]
                # A copy, never the app's own dict or list: an app may send one prebuilt
                # message for every request; one origin's grant must not leak on.
                message = dict(message)
                message["headers"] = headers
            return send(message)

        return send_with_cors

    async def _refused_write(
        self,
        scope: Scope,
        send: Send,
        answers: Answers,
        origin: bytes | None,
        actual: Actual,
    ) -> bool:
        """Answer 403 to a write ``protect_writes`` refuses (logged); whether it did
        (``actual``: the request's answer, whose grant may trust the origin)."""
        _, grants, _, _ = actual
        refused = write_answer(answers, scope["method"], origin, scope["headers"], grants)
        if refused is None:
            return False
        self._log(scope, "write", refused[0])
        await send_preflight(send, refused[1])
        return True

    def _log(self, scope: Scope, kind: str, refusal: Refusal) -> None:
        """Log a refusal: WARNING in debug mode (``debug=``, else the app's), else DEBUG
        (inlined where a request refused is common: preflights, ``_send_with_cors``)."""
        debug = self.debug
        if debug is None:  # Starlette and FastAPI put themselves in scope["app"]
            app = scope.get("app")
            debug = app is not None and getattr(app, "debug", False) is True
        level = _WARNING if debug else _DEBUG
        if _enabled(level):  # RefusalLog.log's first test, without its call
            self._refusals.log(level, kind, refusal)

    async def _not_http(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.config_error is not None:
            if scope["type"] != "lifespan":
                raise CORSConfigError(self.config_error.problems)  # a fresh traceback each time
            await receive()  # lifespan.startup, always the lifespan scope's first message (ASGI)
            await send({"type": "lifespan.startup.failed", "message": str(self.config_error)})
            # Then raise, as Starlette's own lifespan does: a server has stopped on the
            # message already (uvicorn returns quietly), and Starlette's TestClient raises
            # this from `with TestClient(app)` instead of hanging in its shutdown.
            raise CORSConfigError(self.config_error.problems)
        if scope["type"] == "websocket" and self.check_websocket_origin:
            await self._websocket(scope, receive, send)
        else:  # lifespan, and websocket unless checked
            await self.app(scope, receive, send)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse the handshake (403, before accept) from an origin the policy does not
        trust (``adapters/_asgi_websocket.py``: under credentials, explicit rules only)."""
        answers = self._router.answers_for(_path(scope))
        origin = None
        if answers is not None:
            for name, value in scope["headers"]:
                if name == b"origin":
                    origin = value if origin is None else _join(origin, value, ORIGIN_CUT)
        # No Origin: not a browser, which always sends one on a WebSocket handshake.
        refusal = None
        if answers is not None and origin is not None:
            hit = answers.entries.get(origin) if len(origin) <= _KEY else None
            answer = hit or await answers.actual(scope, origin)
            refusal = handshake_refusal(answers.policy, origin, answer)
        if refusal is None:  # allowed
            await self.app(scope, receive, send)
            return
        self._log(scope, "WebSocket handshake", refusal)
        await deny(scope, receive, send)


def _join(first: bytes, more: bytes, cut: int) -> bytes:
    """Two lines of one request header as one value (rare), kept bounded by ``cut``."""
    return first[:cut] + b"," + more[:cut]


__all__ = ["CORSMiddleware", "invalidate"]
