"""The adapter under a real uvicorn on 127.0.0.1, spoken to by a plain HTTP client (httpx)."""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request, WebSocket
from fastapi.responses import JSONResponse, Response, StreamingResponse
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from corecors.adapters.asgi import CORSMiddleware

from .helpers import serve

APP = "https://app.example.com"
EVIL = "https://evil.example.org"
PREFLIGHT_VARY = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"

# The streaming endpoint waits for this before its second chunk: the client
# sets it only after reading the first one, so a buffering middleware would
# stall the test instead of passing it.
first_chunk_read = threading.Event()


def make_app(**cors: Any) -> FastAPI:
    app = FastAPI()
    app.add_middleware(
        CORSMiddleware,
        allow_origins=[APP],
        allow_credentials=True,
        allow_methods=["GET", "POST", "PUT"],
        allow_headers=["X-Token"],
        expose_headers=["X-Total"],
        **cors,
    )

    @app.api_route("/items", methods=["GET", "HEAD"])
    def items() -> JSONResponse:
        return JSONResponse([{"id": 1}, {"id": 2}], headers={"X-Total": "2"})

    @app.post("/echo")
    async def echo(request: Request) -> Response:
        return Response(await request.body(), media_type="application/octet-stream")

    @app.get("/stream")
    def stream() -> StreamingResponse:
        async def chunks() -> AsyncIterator[bytes]:
            yield b"first;"
            for _ in range(500):  # at most 5 s
                if first_chunk_read.is_set():
                    break
                await asyncio.sleep(0.01)
            yield b"second" if first_chunk_read.is_set() else b"never-streamed"

        return StreamingResponse(chunks(), media_type="text/plain")

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("boom from the app")

    @app.websocket("/ws")
    async def ws(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text(await websocket.receive_text())
        await websocket.close()

    return app


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with serve(make_app(check_websocket_origin=True)) as host:
        yield host


@pytest.fixture
def client(server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"http://{server}", timeout=10) as client:
        yield client


def test_preflight(client: httpx.Client) -> None:
    response = client.options(
        "/items",
        headers={
            "Origin": APP,
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "x-token,content-type",
        },
    )
    assert response.status_code == 200
    assert response.text == "OK"
    assert response.headers["access-control-allow-origin"] == APP
    assert response.headers["access-control-allow-credentials"] == "true"
    assert response.headers["access-control-allow-methods"] == "GET, POST, PUT"
    assert {"x-token", "content-type"} <= set(
        response.headers["access-control-allow-headers"].split(", ")
    )
    assert response.headers["access-control-max-age"] == "600"
    assert response.headers["vary"] == PREFLIGHT_VARY


def test_refused_preflight(client: httpx.Client) -> None:
    response = client.options(
        "/items", headers={"Origin": APP, "Access-Control-Request-Method": "DELETE"}
    )
    assert response.status_code == 400
    assert response.text.startswith("CORS preflight refused: method")
    assert not [h for h in response.headers if h.startswith("access-control-")]


def test_credentialed_actual_request(client: httpx.Client) -> None:
    response = client.get("/items", headers={"Origin": APP, "Cookie": "session=1"})
    assert response.status_code == 200
    assert response.json() == [{"id": 1}, {"id": 2}]
    assert response.headers.get_list("access-control-allow-origin") == [APP]
    assert response.headers["access-control-allow-credentials"] == "true"
    assert response.headers["access-control-expose-headers"] == "X-Total"
    assert response.headers["vary"] == "Origin"


def test_refused_origin_reaches_the_app_without_grants(client: httpx.Client) -> None:
    response = client.get("/items", headers={"Origin": EVIL})
    assert response.status_code == 200
    assert response.json() == [{"id": 1}, {"id": 2}]
    assert not [h for h in response.headers if h.startswith("access-control-")]
    assert response.headers["vary"] == "Origin"


def test_no_origin_still_varies(client: httpx.Client) -> None:
    response = client.get("/items")
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers
    assert response.headers["vary"] == "Origin"


def test_framework_errors_keep_cors(client: httpx.Client) -> None:
    response = client.get("/nowhere", headers={"Origin": APP})  # FastAPI's own 404
    assert response.status_code == 404
    assert response.headers["access-control-allow-origin"] == APP


def test_streaming_response_streams(client: httpx.Client) -> None:
    first_chunk_read.clear()
    with client.stream("GET", "/stream", headers={"Origin": APP}) as response:
        assert response.headers["access-control-allow-origin"] == APP
        chunks = response.iter_raw()
        assert next(chunks) == b"first;"  # arrived while the app still waits
        first_chunk_read.set()
        rest = b"".join(chunks)
    assert rest == b"second"


def test_request_body_intact(client: httpx.Client) -> None:
    body = os.urandom(1 << 20)

    def pieces() -> Iterator[bytes]:  # chunked upload: many http.request messages
        for start in range(0, len(body), 65536):
            yield body[start : start + 65536]

    response = client.post("/echo", content=pieces(), headers={"Origin": APP})
    assert response.status_code == 200
    assert response.content == body
    assert response.headers["access-control-allow-origin"] == APP


def test_head(client: httpx.Client) -> None:
    get = client.get("/items", headers={"Origin": APP})
    head = client.head("/items", headers={"Origin": APP})
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == get.headers["content-length"]
    assert head.headers["access-control-allow-origin"] == APP
    assert head.headers["vary"] == "Origin"


def _get_once(server: str, path: str, headers: dict[str, str]) -> httpx.Response:
    # A fresh connection: uvicorn closes the connection after an application
    # error, and a pooled keep-alive connection would race with that close.
    return httpx.get(f"http://{server}{path}", headers=headers, timeout=10)


def test_500_carries_cors_and_the_exception_is_logged(
    server: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        response = _get_once(server, "/boom", {"Origin": APP})
        # uvicorn logs once the exception reaches it, just after the response went out.
        deadline = time.monotonic() + 5
        while not _app_errors(caplog) and time.monotonic() < deadline:
            time.sleep(0.01)
    assert response.status_code == 500
    assert response.text == "Internal Server Error"
    assert response.headers.get_list("access-control-allow-origin") == [APP]
    assert response.headers["access-control-allow-credentials"] == "true"
    assert response.headers["vary"] == "Origin"
    # Re-raised through Starlette's ServerErrorMiddleware to uvicorn, which logs it.
    assert _app_errors(caplog) == ["boom from the app"]


def _app_errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        str(record.exc_info[1])
        for record in caplog.records
        if record.name == "uvicorn.error" and record.exc_info
    ]


def test_500_for_other_requests_is_the_frameworks(server: str) -> None:
    for headers in ({}, {"Origin": EVIL}):
        response = _get_once(server, "/boom", headers)
        assert response.status_code == 500
        assert "access-control-allow-origin" not in response.headers


# WebSockets: the browser sends Origin on the handshake; nothing else protects a
# cookie-authenticated socket from other sites (no CORS for WebSockets).


def _echo(url: str, origin: str) -> str:
    with connect(url, origin=origin, open_timeout=5) as websocket:  # type: ignore[arg-type]
        websocket.send("hello")
        return str(websocket.recv(timeout=5))


def test_websocket_allowed_origin_connects(server: str) -> None:
    assert _echo(f"ws://{server}/ws", APP) == "hello"


def test_websocket_refused_origin_gets_403(server: str) -> None:
    with pytest.raises(InvalidStatus) as refused:
        _echo(f"ws://{server}/ws", EVIL)
    assert refused.value.response.status_code == 403
    assert refused.value.response.body.startswith(b"WebSocket origin not allowed")


def test_websocket_check_off_lets_every_origin_through() -> None:
    with serve(make_app()) as host:
        assert _echo(f"ws://{host}/ws", APP) == "hello"
        assert _echo(f"ws://{host}/ws", EVIL) == "hello"


def test_websocket_refusal_without_the_denial_extension() -> None:
    """A server without websocket.http.response: close before accept, which it turns into 403."""
    inner = make_app(check_websocket_origin=True)

    async def without_extension(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "websocket":
            scope = {**scope, "extensions": {}}
        await inner(scope, receive, send)

    with serve(without_extension) as host:
        with pytest.raises(InvalidStatus) as refused:
            _echo(f"ws://{host}/ws", EVIL)
        assert refused.value.response.status_code == 403
        assert _echo(f"ws://{host}/ws", APP) == "hello"
