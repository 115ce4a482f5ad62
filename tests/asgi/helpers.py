"""Shared pieces: the reference app in raw ASGI, Starlette and FastAPI, and a real uvicorn."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Iterator
from typing import Any

import uvicorn
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from corecors.adapters.asgi import CORSMiddleware
from tests.conformance import app_response
from tests.servers import bound_socket

METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]


async def reference_asgi_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The conformance table's reference application, in raw ASGI (lifespan included)."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            await send({"type": message["type"] + ".complete"})
            if message["type"] == "lifespan.shutdown":
                return
    status, headers, body = app_response(scope["path"])
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                *((k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})


def _reference_response(request: Request) -> Response:
    status, headers, body = app_response(request.url.path)
    return Response(b"" if request.method == "HEAD" else body, status, headers=dict(headers))


def reference_starlette_app(**cors: Any) -> Starlette:
    return Starlette(
        routes=[Route("/{path:path}", _reference_response, methods=METHODS)],
        middleware=[Middleware(CORSMiddleware, **cors)],
    )


def reference_fastapi_app(**cors: Any) -> FastAPI:
    app = FastAPI()
    app.add_middleware(CORSMiddleware, **cors)

    @app.api_route("/{path:path}", methods=METHODS)
    def reference(request: Request) -> Response:
        return _reference_response(request)

    return app


@contextlib.contextmanager
def serve(app: Any, **config: Any) -> Iterator[str]:
    """Run ``app`` under a real uvicorn on 127.0.0.1 (a free port); yield its base URL.

    In a thread of this process (the tests share events with the app and read
    uvicorn's log records); stopped with a bounded wait on exit.
    """
    sock = bound_socket()
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, log_config=None, lifespan="on", access_log=False, **config)
    )
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])))
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start within 10 s")
            time.sleep(0.01)
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
        if thread.is_alive():
            raise RuntimeError("uvicorn did not stop within 10 s")
