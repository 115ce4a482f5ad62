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
from typing import Any, NamedTuple

from corecors import ConfigProblem, CORSConfigError, CORSPolicy, Decision, PathPolicies
from corecors.headers import merge_vary
from corecors.origins import MAX_ORIGIN_LENGTH
from corecors.policy import ACTUAL_RESPONSE_HEADERS, MAX_METHOD_LENGTH, log_refusal
from corecors.tokens import MAX_REQUEST_HEADERS_LENGTH, short_repr

from ._common import Policy, resolve_policy

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
RawHeaders = tuple[tuple[bytes, bytes], ...]

logger = logging.getLogger("corecors")

# A granted decision replaces the application's own copies of these: a duplicate
# Access-Control-Allow-Origin makes the browser fail the request (Fetch).
_GRANT_NAMES = frozenset(name.encode("latin-1") for name in ACTUAL_RESPONSE_HEADERS)
# Response headers that need more than appending: merged (Vary) or replaced.
_SPECIAL_NAMES = _GRANT_NAMES | {b"vary"}
_TEXT_PLAIN = (b"content-type", b"text/plain; charset=utf-8")

_ERROR_BODY = b"Internal Server Error"
_WS_REFUSAL_BODY = b"WebSocket origin not allowed (the server log, logger 'corecors', says why)"
_WS_REFUSAL_HEADERS = [_TEXT_PLAIN, (b"content-length", b"%d" % len(_WS_REFUSAL_BODY))]

# Values longer than the core accepts are cut to one byte over the limit before
# decoding, so a hostile 1 MiB header costs a slice, not a 1 MiB decode, and is
# still refused as too long.
_ORIGIN_CUT = MAX_ORIGIN_LENGTH + 1
_METHOD_CUT = MAX_METHOD_LENGTH + 1
_REQUEST_HEADERS_CUT = MAX_REQUEST_HEADERS_LENGTH + 1

# Answers are remembered per policy by the raw header bytes; the bounds keep an
# attacker who sends endless distinct values from growing the memory.
_MEMO_ENTRIES = 256
_MEMO_KEY_BYTES = 1024


class _Actual(NamedTuple):
    """What any other request's response gets, ready to append."""

    grants: RawHeaders  # Access-Control-* (empty: refused, or no Origin)
    block: RawHeaders  # the grants and Vary, appended as they are
    vary: bytes
    reason: str | None  # why it was refused, for the log


def _actual(decision: Decision) -> _Actual:
    grants = decision.raw_headers
    vary = decision.raw_vary
    block = (*grants, (b"vary", vary)) if vary else grants  # no Vary: a public policy
    return _Actual(grants, block, vary, decision.reason)


class _Preflight(NamedTuple):
    """A complete preflight response: status, header block, body; reason for the log."""

    status: int
    headers: RawHeaders
    body: bytes
    reason: str | None


class _Answers:
    """One policy's decisions, memoised by the raw request header bytes.

    ``decide()`` is a pure function of the request's CORS headers, so the same
    bytes always get the same answer; remembering it skips decoding, parsing
    and building the preflight response. A policy with ``allow_origin_func``
    is never memoised: the function may answer differently over time (an
    allow list kept in a database).
    """

    __slots__ = ("_actual", "_memo", "_preflight", "none", "policy")

    def __init__(self, policy: CORSPolicy) -> None:
        self.policy = policy
        # A request without Origin: only Vary: Origin, or a public policy's grant.
        self.none = _actual(policy.decide("GET", None))
        self._memo = policy.options["allow_origin_func"] is None
        self._actual: dict[bytes, _Actual] = {}
        self._preflight: dict[tuple[bytes, bytes, bytes | None, bool], _Preflight] = {}

    def actual(self, origin: bytes) -> _Actual:
        remembered = self._memo and len(origin) <= _MEMO_KEY_BYTES  # never hash a huge value
        if remembered:
            answer = self._actual.get(origin)
            if answer is not None:
                if answer.reason is not None and logger.isEnabledFor(logging.DEBUG):
                    log_refusal("request", answer.reason)
                return answer
        answer = _actual(self.policy.decide("GET", origin[:_ORIGIN_CUT].decode("latin-1")))
        if remembered:
            _remember(self._actual, origin, answer)
        return answer

    def preflight(
        self, origin: bytes, method: bytes, headers: bytes | None, private_network: bool
    ) -> _Preflight:
        size = len(origin) + len(method) + (0 if headers is None else len(headers))
        remembered = self._memo and size <= _MEMO_KEY_BYTES  # never hash a huge value
        key = (origin, method, headers, private_network)
        if remembered:
            answer = self._preflight.get(key)
            if answer is not None:
                if answer.reason is not None and logger.isEnabledFor(logging.DEBUG):
                    log_refusal("preflight", answer.reason)
                return answer
        decision = self.policy.decide(
            "OPTIONS",
            origin[:_ORIGIN_CUT].decode("latin-1"),
            method[:_METHOD_CUT].decode("latin-1"),
            None if headers is None else headers[:_REQUEST_HEADERS_CUT].decode("latin-1"),
            private_network,
        )
        body = decision.body
        answer = _Preflight(
            decision.status or 200,
            (
                *decision.raw_headers,
                (b"vary", decision.raw_vary),
                _TEXT_PLAIN,
                (b"content-length", b"%d" % len(body)),
            ),
            body,
            decision.reason,
        )
        if remembered:
            _remember(self._preflight, key, answer)
        return answer


def _remember(memo: dict[Any, Any], key: object, value: object) -> None:
    if len(memo) >= _MEMO_ENTRIES:
        memo.clear()  # simple and O(1) per request on average; hits refill it
    memo[key] = value


class CORSMiddleware:
    """CORS for an ASGI application, decided by a :class:`corecors.CORSPolicy`.

    Takes Starlette's ``CORSMiddleware`` arguments (the same names, order and
    defaults), or ``policy=`` (a ``CORSPolicy`` or a ``PathPolicies``), never
    both. ``check_websocket_origin=True`` refuses WebSocket handshakes from
    origins the policy does not allow (off by default: same-origin pages send
    an ``Origin`` too, so turning it on needs your own origin listed).
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
    ) -> None:
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
            )
            if type(value) is not type(default) or value != default
        }
        if not isinstance(check_websocket_origin, bool):
            raise CORSConfigError(
                [
                    ConfigProblem(
                        "E011",
                        "check_websocket_origin",
                        check_websocket_origin,
                        "must be True or False",
                        "use check_websocket_origin=True to refuse WebSocket handshakes "
                        "from origins the policy does not allow",
                    )
                ]
            )
        self.app = app
        self.policy: Policy = resolve_policy(policy, options)
        self.check_websocket_origin = check_websocket_origin
        # One policy for every path skips the path lookup per request.
        if isinstance(self.policy, PathPolicies):
            self._single: _Answers | None = None
            self._paths: PathPolicies | None = self.policy
            self._by_policy = {p: _Answers(p) for p in self.policy.policies}
        else:
            self._single = _Answers(self.policy)
            self._paths = None
            self._by_policy = {}

    def _answers_for(self, scope: Scope) -> _Answers | None:
        if self._paths is None:
            return self._single
        policy = self._paths.for_path(scope["path"])
        return None if policy is None else self._by_policy[policy]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope_type = scope["type"]
        if scope_type != "http":  # lifespan, and websocket unless checked
            if scope_type == "websocket" and self.check_websocket_origin:
                await self._websocket(scope, receive, send)
            else:
                await self.app(scope, receive, send)
            return
        answers = self._single or self._answers_for(scope)
        if answers is None:  # no rule for this path: no CORS processing at all
            await self.app(scope, receive, send)
            return

        # One pass over the request headers. A repeated header is joined with
        # "," as HTTP defines: several Access-Control-Request-Headers lines add
        # up, and several Origins become a value that is not one origin.
        origin = None
        if scope["method"] == "OPTIONS":
            request_method = request_headers = None
            private_network = False
            for name, value in scope["headers"]:
                if name == b"origin":
                    origin = value if origin is None else _join(origin, value, _ORIGIN_CUT)
                elif name == b"access-control-request-method":
                    request_method = (
                        value
                        if request_method is None
                        else _join(request_method, value, _METHOD_CUT)
                    )
                elif name == b"access-control-request-headers":
                    request_headers = (
                        value
                        if request_headers is None
                        else _join(request_headers, value, _REQUEST_HEADERS_CUT)
                    )
                elif name == b"access-control-request-private-network":
                    private_network = value == b"true"
            # Fetch: OPTIONS + Origin + a non-empty Access-Control-Request-Method
            # is a preflight; it ends here and never reaches the application.
            if origin is not None and request_method:
                answer = answers.preflight(origin, request_method, request_headers, private_network)
                await send(
                    {
                        "type": "http.response.start",
                        "status": answer.status,
                        # A fresh list: an outer middleware may edit it in place.
                        "headers": list(answer.headers),
                    }
                )
                await send({"type": "http.response.body", "body": answer.body})
                return
        else:  # only Origin matters on any other method
            for name, value in scope["headers"]:
                if name == b"origin":
                    origin = value if origin is None else _join(origin, value, _ORIGIN_CUT)

        grants, block, vary, _ = answers.none if origin is None else answers.actual(origin)
        started = False

        # A plain function returning send's awaitable: one coroutine fewer per
        # message than an async wrapper, and ASGI only asks for an awaitable.
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
                # A copy, never the app's own dict or list: an application may
                # send one prebuilt message for every request, and headers for
                # one origin must not leak into the next response.
                message = dict(message)
                message["headers"] = headers
            return send(message)

        try:
            await self.app(scope, receive, send_with_cors)
        except Exception:
            # Starlette's ServerErrorMiddleware sits outside user middleware, so
            # its 500 would reach the browser without CORS headers and show up
            # as a misleading CORS error. When the app fails before responding
            # to an allowed cross-origin request, answer the 500 here, with the
            # CORS headers, then re-raise for the server to log. (Wrapping the
            # whole app instead, CORSMiddleware(app), decorates the framework's
            # own 500 page, and this branch is not needed.)
            if grants and not started:
                await _send_error(send, block)
            raise

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse the handshake (403, before accept) from an origin the policy refuses."""
        answers = self._answers_for(scope)
        origin = None
        if answers is not None:
            for name, value in scope["headers"]:
                if name == b"origin":
                    origin = value if origin is None else _join(origin, value, _ORIGIN_CUT)
        # No Origin: not a browser, which always sends one on a WebSocket handshake.
        if answers is None or origin is None or answers.actual(origin).grants:  # allowed
            await self.app(scope, receive, send)
            return
        logger.debug(
            "WebSocket handshake refused: origin %s is not allowed",
            short_repr(origin[:_ORIGIN_CUT].decode("latin-1")),
        )
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
        vary = merge_vary(app_vary, (vary.decode("latin-1"),)).encode("latin-1")
    headers.append((b"vary", vary))
    return headers


async def _send_error(send: Send, block: RawHeaders) -> None:
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
        await send({"type": "http.response.body", "body": _ERROR_BODY})


__all__ = ["CORSMiddleware"]
