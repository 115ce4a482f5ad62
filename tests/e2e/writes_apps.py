"""The write-protection test's APIs: the same three routes on FastAPI, Flask and Django.

- ``POST``/``PUT /write``: the state-changing view; it counts the times it ran.
- ``GET /count``: that count (the proof that a refused write never ran).
- ``GET /page``: a page of the API's own origin with a form posting to ``/write``.

Configured by the environment: ``WRITES_FRONTEND``, the front end's origin (allowed
with credentials). Served by tests/e2e/test_writes.py on real servers, with
``protect_writes=True`` everywhere.
"""

from __future__ import annotations

import os
from typing import Any

FRONTEND = os.environ.get("WRITES_FRONTEND", "http://localhost:1").split(",")
OPTIONS: dict[str, Any] = {
    "allow_origins": FRONTEND,
    "allow_credentials": True,
    "allow_methods": ["GET", "POST", "PUT"],
    "allow_headers": ["content-type"],
    "protect_writes": True,
}
PAGE = (
    "<!doctype html><title>API page</title>"
    '<form id="own" method="post" action="/write"><input name="x" value="1">'
    '<button type="submit">Send</button></form>'
)
ran = [0]


def fastapi_app() -> Any:
    from fastapi import FastAPI
    from fastapi.responses import HTMLResponse, PlainTextResponse

    from corecors.adapters.asgi import CORSMiddleware

    app = FastAPI()
    app.add_middleware(CORSMiddleware, **OPTIONS)

    @app.api_route("/write", methods=["POST", "PUT"], response_class=PlainTextResponse)
    async def write() -> str:
        ran[0] += 1
        return "wrote"

    @app.get("/count", response_class=PlainTextResponse)
    async def count() -> str:
        return str(ran[0])

    @app.get("/page", response_class=HTMLResponse)
    async def page() -> str:
        return PAGE

    return app


def flask_app() -> Any:
    from flask import Flask

    from corecors.adapters.flask import CORS

    app = Flask(__name__)
    app.config.update({f"CORS_{name.upper()}": value for name, value in OPTIONS.items()})
    CORS(app)

    @app.route("/write", methods=["POST", "PUT"])
    def write() -> str:
        ran[0] += 1
        return "wrote"

    @app.get("/count")
    def count() -> str:
        return str(ran[0])

    @app.get("/page")
    def page() -> str:
        return PAGE

    return app
