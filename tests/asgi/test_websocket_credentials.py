"""Issue 23, item 2: the WebSocket origin check trusts only explicit rules under credentials.

0.2 with ``allow_origins=["*"]``, ``allow_credentials=True`` and
``check_websocket_origin=True`` accepted every cross-site handshake, cookies
and all (101 on uvicorn): ``*`` is safe for HTTP only because the browser
refuses ``*`` with credentials, and no browser checks a WebSocket handshake's
answer. Real uvicorn, a real ``websockets`` client.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

import pytest
from fastapi import FastAPI, WebSocket
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from corecors import CORSConfigWarning, CORSPolicy
from corecors.adapters.asgi import CORSMiddleware

from .helpers import serve

APP = "https://app.example.com"
PARTNER = "https://shop.partner.example.net"
EVIL = "https://evil.example.org"


def make_app(**cors: Any) -> FastAPI:
    with warnings.catch_warnings():  # W001 ("*" with credentials), W002 ("null"): expected
        warnings.simplefilter("ignore", CORSConfigWarning)
        policy = CORSPolicy(**cors)
    app = FastAPI()
    app.add_middleware(CORSMiddleware, check_websocket_origin=True, policy=policy)

    @app.websocket("/ws")
    async def ws(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("cookie-authenticated data")
        await websocket.close()

    return app


def _status(host: str, origin: str) -> int:
    """101 when the handshake is accepted, else the refusal's status."""
    try:
        with connect(f"ws://{host}/ws", origin=origin, open_timeout=5) as websocket:  # type: ignore[arg-type]
            assert websocket.recv(timeout=5) == "cookie-authenticated data"
            return 101
    except InvalidStatus as refused:
        return refused.response.status_code


def test_star_with_credentials_trusts_no_handshake(caplog: pytest.LogCaptureFixture) -> None:
    with (
        caplog.at_level(logging.DEBUG, logger="corecors"),
        serve(make_app(allow_origins=["*"], allow_credentials=True)) as host,
    ):
        assert _status(host, EVIL) == 403
        assert _status(host, APP) == 403
        assert _status(host, "null") == 403
    logged = caplog.text
    assert (
        "CORS WebSocket handshake refused: origin 'https://evil.example.org' is not trusted"
        in logged
    )
    assert "never by '*' or as 'null'" in logged
    assert "add it to allow_origins" in logged


def test_explicit_rules_are_trusted_beside_star_and_null() -> None:
    cors = {
        "allow_origins": ["*", "null", APP, "https://*.partner.example.net"],
        "allow_origin_regex": r"https://[a-z]+\.regex\.example\.com",
        "allow_origin_func": lambda origin: origin == "https://func.example.com",
        "allow_credentials": True,
    }
    with serve(make_app(**cors)) as host:
        assert _status(host, APP) == 101  # listed
        assert _status(host, PARTNER) == 101  # a pattern
        assert _status(host, "https://api.regex.example.com") == 101  # a regex
        assert _status(host, "https://func.example.com") == 101  # the function
        assert _status(host, EVIL) == 403  # only "*" allows it
        assert _status(host, "null") == 403  # listed, but anyone can send it


def test_without_credentials_the_http_answer_decides() -> None:
    # Unchanged: a policy without credentials says its answers carry no user data.
    with serve(make_app(allow_origins=["*"])) as host:
        assert _status(host, EVIL) == 101
    with serve(make_app(allow_origins=[APP, "null"])) as host:
        assert _status(host, "null") == 101
        assert _status(host, EVIL) == 403
