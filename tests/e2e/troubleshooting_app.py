"""The situations of docs/debugging.md's Troubleshooting table, one mounted app each.

Served by uvicorn on one port: the page is ``http://localhost:PORT/page`` and the
APIs are ``http://127.0.0.1:PORT/<situation>/items``, another origin. The page's
origin comes from ``CORECORS_PAGE_ORIGIN`` (the test knows the port first). Each
API runs in debug mode, so corecors' lines reach the server's stderr at WARNING.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.applications import Starlette
from starlette.middleware.httpsredirect import HTTPSRedirectMiddleware
from starlette.routing import Mount, Route

from corecors import CORSPolicy, PathPolicies
from corecors.adapters.asgi import CORSMiddleware

PAGE = os.environ.get("CORECORS_PAGE_ORIGIN", "http://localhost:8000")


def api(**cors: Any) -> FastAPI:
    """An items API with one CORSMiddleware; ``cors`` are its options."""
    app = FastAPI(debug=True)

    @app.get("/items")
    def items() -> dict[str, list[str]]:
        return {"items": []}

    @app.put("/items")
    def update() -> dict[str, str]:
        return {"ok": "yes"}

    if cors:
        app.add_middleware(CORSMiddleware, **cors)
    return app


def with_authentication(app: FastAPI) -> FastAPI:
    """An authentication check added after CORS: it runs first (fastapi/fastapi#2693)."""

    @app.middleware("http")
    async def require_token(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        if request.headers.get("authorization") != "Bearer s3cret":
            return JSONResponse({"detail": "not authenticated"}, status_code=401)
        return await call_next(request)

    return app


def with_star_on_everything(app: FastAPI) -> FastAPI:
    """A hand-written layer in front of corecors that adds a grant to every response."""

    @app.middleware("http")
    async def add_allow_origin(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response

    return app


def with_https_redirect(app: FastAPI) -> FastAPI:
    app.add_middleware(HTTPSRedirectMiddleware)  # added after CORS: runs first
    return app


async def page(request: Request) -> HTMLResponse:
    return HTMLResponse("<!doctype html><title>troubleshooting</title><p>page</p>")


SITUATIONS = {
    # The page's origin is not among the allowed ones.
    "strict": api(allow_origins=["https://elsewhere.example"]),
    "methods": api(allow_origins=[PAGE], allow_methods=["GET"]),
    "headers": api(allow_origins=[PAGE], allow_methods=["GET", "PUT"]),
    "authentication": with_authentication(
        api(allow_origins=[PAGE], allow_methods=["GET", "PUT"], allow_headers=["Authorization"])
    ),
    "wildcard": api(allow_origins=["*"], allow_credentials=True),
    "nopolicy": with_star_on_everything(
        api(policy=PathPolicies([("/other/*", CORSPolicy(allow_origins=[PAGE]))]))
    ),
    "redirect": with_https_redirect(api(allow_origins=[PAGE], allow_methods=["GET", "PUT"])),
    "credentials": api(allow_origins=[PAGE]),
}

app = Starlette(
    routes=[
        Route("/page", page),
        *(Mount(f"/{name}", situation) for name, situation in SITUATIONS.items()),
    ]
)
