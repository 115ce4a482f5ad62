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

import contextlib
import logging
import re
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

from corecors import CORSConfigError, CORSPolicy
from corecors.decision import Refusal
from corecors.memo import RefusalLog
from corecors.writes import SAFE_METHODS, notice_unprotected

from ._asgi_answers import (
    GRANT_NAMES,
    ORIGIN_CUT,
    Actual,
    Preflight,
    RawHeaders,
    actual_answer,
    join_lines,
    merged,
    no_origin_answer,
    preflight_answer,
    read_cors_headers,
    write_answer,
)
from ._asgi_config import Unconfigured, built_by_starlette, check_flags
from ._common import Policy, Router, resolve_policy

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# Response headers that need more than appending: merged (Vary) or replaced.
_SPECIAL_NAMES = GRANT_NAMES | {b"vary"}
_SAFE_METHODS = frozenset(SAFE_METHODS)
_TEXT_PLAIN = (b"content-type", b"text/plain; charset=utf-8")

_ERROR_BODY = b"Internal Server Error"
_WS_REFUSAL_BODY = b"WebSocket origin not allowed (the server log, logger 'corecors', says why)"
_WS_REFUSAL_HEADERS = [_TEXT_PLAIN, (b"content-length", b"%d" % len(_WS_REFUSAL_BODY))]


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


class CORSMiddleware:
    """CORS for an ASGI application, decided by a :class:`corecors.CORSPolicy`.

    Takes Starlette's ``CORSMiddleware`` arguments (the same names, order and
    defaults), or ``policy=`` (a ``CORSPolicy`` or a ``PathPolicies``), never
    both. Parameters:

    - ``app`` (ASGI application): the application to wrap.
    - ``allow_origins``, ``allow_methods`` (default ``("GET",)``),
      ``allow_headers``, ``allow_credentials`` (``bool``, default False),
      ``allow_origin_regex``, ``allow_private_network`` (``bool``, default
      False), ``expose_headers``, ``max_age`` (``int | None`` seconds, default
      600), ``allow_origin_func``, ``protect_writes`` (keyword only): as
      :class:`corecors.CORSPolicy`.
    - ``policy`` (``CORSPolicy | PathPolicies | None``, keyword only, default
      None): a prebuilt policy instead of the options; a ``PathPolicies`` is
      matched against ``scope["path"]``.
    - ``check_websocket_origin`` (``bool``, keyword only, default False):
      refuse WebSocket handshakes (403 before accept) from origins the policy
      does not allow (off by default: same-origin pages send an ``Origin`` too,
      so turning it on needs your own origin listed).

    Writes: with ``protect_writes`` a refused write (:mod:`corecors.writes`) gets
    its 403 here, before the application, its Origin compared with the ``Host``
    header as the server received it (never a URL rebuilt from it).

    - ``debug`` (``bool | None``, keyword only, default None): the level of
      the line logged for each refused request on the ``corecors`` logger:
      WARNING when true (shown on the console with no logging set up), DEBUG
      when false. None follows the application's debug mode: the ``debug``
      attribute of ``scope["app"]``, where Starlette and FastAPI put
      themselves (``FastAPI(debug=True)``); an application that sets no
      ``scope["app"]`` counts as not in debug mode. The volume is bounded
      (:class:`corecors.memo.RefusalLog`: at most 50 lines a minute, then a
      count).

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
        allow_origin_func: Callable[[str], bool] | None = None,
        check_websocket_origin: bool = False,
        debug: bool | None = None,
        protect_writes: bool = False,
    ) -> None:
        self.app = app
        self.check_websocket_origin = check_websocket_origin
        self.debug = debug
        self.config_error: CORSConfigError | None = None
        self._refusals = RefusalLog()
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
        self._router: Router | Unconfigured = Router(self.policy)
        notice_unprotected(self._router.policies)  # W005, once, at start-up
        # A request without Origin: Vary: Origin only, or a public policy's grant
        # (the same answer for every request, with no Vary). One per policy.
        self._no_origin: dict[CORSPolicy, Actual] = {
            policy: no_origin_answer(policy) for policy in self._router.policies
        }

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
        origin = None  # repeated headers are joined with "," (join_lines), as HTTP defines
        if scope["method"] == "OPTIONS":
            origin, method, request_headers, pna = read_cors_headers(scope["headers"])
            if origin is not None and method:  # a preflight (Fetch): the app never sees it
                await self._preflight(scope, send, policy, origin, method, request_headers, pna)
                return
        else:  # only Origin matters on any other method
            for name, value in scope["headers"]:
                if name == b"origin":
                    origin = value if origin is None else join_lines(origin, value, ORIGIN_CUT)
        if origin is None:  # PathRules list every policy they answer; built if not
            answer = self._no_origin.get(policy) or no_origin_answer(policy)
        else:
            answer = actual_answer(policy, origin)
        if policy.writes is not None and scope["method"] not in _SAFE_METHODS:  # protect_writes
            refused = self._refused_write(scope, policy, origin, answer.grants)
            if refused is not None:  # a cross-origin write: 403, the app never runs
                await _send_preflight(send, refused)
                return
        if answer.refusal is not None:
            self._log(scope, "actual", answer.refusal)
        _, _, grants, block, vary = answer
        started = False

        # Not async: send's awaitable is enough (ASGI), one coroutine fewer per message.
        def send_with_cors(message: Message) -> Awaitable[None]:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = message.get("headers", ())
                if type(headers) is not list:  # ASGI allows any iterable, even a generator
                    headers = list(headers)
                for name, _ in headers:
                    if name in _SPECIAL_NAMES:
                        headers = merged(headers, grants, vary)
                        break
                else:  # the common case: nothing to merge or replace, only to add
                    headers = [*headers, *block]
                # A copy, never the app's own dict or list: an application may send one
                # prebuilt message for every request; one origin's must not leak on.
                message = dict(message)
                message["headers"] = headers
            return send(message)

        try:
            await self.app(scope, receive, send_with_cors)
        except Exception:  # see _send_error: a 500 with CORS headers, then re-raised
            if grants and not started:
                await _send_error(send, block)
            raise

    def _refused_write(
        self, scope: Scope, policy: CORSPolicy, origin: bytes | None, grants: RawHeaders
    ) -> Preflight | None:
        """The 403 for a write that ``protect_writes`` refuses (logged), else None."""
        refused = write_answer(policy, scope["method"], origin, scope["headers"], grants)
        if refused is not None:
            self._log(scope, "write", refused.refusal)  # type: ignore[arg-type]
        return refused

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
        if answer.refusal is not None:
            self._log(scope, "preflight", answer.refusal)
        await _send_preflight(send, answer)

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
        """Refuse the handshake (403, before accept) from an origin the policy refuses."""
        policy = self._router.for_path(_path(scope))
        origin = None
        if policy is not None:
            for name, value in scope["headers"]:
                if name == b"origin":
                    origin = value if origin is None else join_lines(origin, value, ORIGIN_CUT)
        # No Origin: not a browser, which always sends one on a WebSocket handshake.
        answer = None if policy is None or origin is None else actual_answer(policy, origin)
        if answer is None or answer.refusal is None:  # allowed
            await self.app(scope, receive, send)
            return
        self._log(scope, "WebSocket handshake", answer.refusal)
        message = await receive()  # websocket.connect: the server awaits our answer
        if message["type"] != "websocket.connect":
            return  # the client is already gone
        if "websocket.http.response" in scope.get("extensions", {}):
            # The denial-response extension sends a real 403 with a body.
            await send(
                {
                    "type": "websocket.http.response.start",
                    "status": 403,
                    "headers": _WS_REFUSAL_HEADERS,
                }
            )
            await send({"type": "websocket.http.response.body", "body": _WS_REFUSAL_BODY})
        else:
            # ASGI: a close before accept makes the server answer the handshake with 403.
            await send({"type": "websocket.close", "code": 1008})


async def _send_preflight(send: Send, answer: Preflight) -> None:
    # A fresh list: an outer middleware may edit it in place.
    await send(
        {"type": "http.response.start", "status": answer.status, "headers": list(answer.headers)}
    )
    await send({"type": "http.response.body", "body": answer.body, "more_body": False})


async def _send_error(send: Send, block: RawHeaders) -> None:
    """A 500 with the CORS headers, for an app that failed before responding.

    Starlette's ServerErrorMiddleware sits outside user middleware, so its 500
    would reach the browser without CORS headers and show up as a misleading
    CORS error; the caller re-raises for the server to log. (Wrapping the whole
    app instead, CORSMiddleware(app), decorates the framework's own 500 page.)
    """
    # The client may already be gone; the application's exception matters more
    # than ours, so a failure to send the 500 must not replace it.
    with contextlib.suppress(Exception):
        await send(
            {
                "type": "http.response.start",
                "status": 500,
                "headers": [
                    *block,
                    _TEXT_PLAIN,
                    (b"content-length", b"%d" % len(_ERROR_BODY)),
                ],
            }
        )
        await send({"type": "http.response.body", "body": _ERROR_BODY, "more_body": False})


__all__ = ["CORSMiddleware"]
