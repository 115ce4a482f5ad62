"""The ASGI adapter's WebSocket origin check (``check_websocket_origin=True``).

A WebSocket handshake is no CORS request: the browser sends ``Origin`` and the
site's cookies, and checks nothing on the answer. The check is therefore the
only protection of a cookie-authenticated socket from other sites
(cross-site WebSocket hijacking), and it cannot rely on the browser-side rule
that makes ``Access-Control-Allow-Origin: *`` safe for HTTP (Fetch: ``*`` is
never a wildcard with credentials).

So, under ``allow_credentials=True``, a handshake is trusted only when an
explicit rule of the policy allows its origin (a listed origin, a pattern,
``allow_origin_regex``, ``allow_origin_func``), never by ``"*"`` and never as
``"null"`` (which any page can send from a sandboxed iframe): the rule write
protection uses for cookie-bearing writes (docs/security.md). Without
credentials the policy's HTTP answer decides, ``"*"`` included: such a policy
says the site's responses carry no user data.

Why at run time rather than a start-up error for ``"*"`` with credentials: the
same rule then covers ``"null"`` and every policy of a ``PathPolicies``, and a
configuration valid for HTTP (``"*"`` answered without credentials, W001)
keeps starting; each refused handshake is logged with the fix.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from corecors import CORSPolicy
from corecors.engine import Refusal, short_repr, worded

from ._asgi_answers import ORIGIN_CUT, Actual

Message = MutableMapping[str, Any]
Send = Callable[[Message], Awaitable[None]]
Receive = Callable[[], Awaitable[Message]]

_TEXT_PLAIN = (b"content-type", b"text/plain; charset=utf-8")
_REFUSAL_BODY = b"WebSocket origin not allowed (the server log, logger 'corecors', says why)"
_REFUSAL_HEADERS = [_TEXT_PLAIN, (b"content-length", b"%d" % len(_REFUSAL_BODY))]
_UNTRUSTED = (
    "origin {value} is not trusted for a WebSocket handshake: with allow_credentials=True "
    "only an origin allowed by name, pattern, allow_origin_regex or allow_origin_func is, "
    "never by '*' or as 'null' (the handshake carries cookies and no browser checks the "
    "answer); add it to {option}"
)


def handshake_refusal(policy: CORSPolicy, origin: bytes, answer: Actual) -> Refusal | None:
    """Why a handshake from ``origin`` is refused under ``policy``, given the policy's
    ``answer`` to an actual request from it; None if allowed."""
    refusal, grants, _, _ = answer
    if refusal is not None or not policy.allow_credentials:
        return refusal
    # A grant under credentials starts with Access-Control-Allow-Origin: "*" when
    # only "*" allowed the origin (never reflected), else the origin itself.
    if grants[0][1] != b"*" and origin != b"null":
        return None
    value = short_repr(origin[:ORIGIN_CUT].decode("latin-1"))
    return worded("origin", _UNTRUSTED, value, "allow_origins", None)


async def deny(scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
    """Refuse the handshake with 403, before accept."""
    message = await receive()  # websocket.connect: the server awaits our answer
    if message["type"] != "websocket.connect":
        return  # the client is already gone
    if "websocket.http.response" in scope.get("extensions", {}):
        # The denial-response extension sends a real 403 with a body.
        await send(
            {"type": "websocket.http.response.start", "status": 403, "headers": _REFUSAL_HEADERS}
        )
        await send({"type": "websocket.http.response.body", "body": _REFUSAL_BODY})
    else:
        # ASGI: a close before accept makes the server answer the handshake with 403.
        await send({"type": "websocket.close", "code": 1008})
