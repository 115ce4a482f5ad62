"""The write-protection test's APIs: the same three routes on FastAPI, Flask and Django.

- ``POST``/``PUT /write``: the state-changing view; it counts the times it ran.
- ``GET /count``: that count (the proof that a refused write never ran).
- ``GET /page``: a page of the API's own origin with a form posting to ``/write``.
- ``GET /seen``: every other request as the outermost layer saw it (JSON: method,
  path, the status sent, ``Sec-Fetch-Site`` and ``Origin``), for the engines whose
  driver cannot observe responses (tests/e2e/test_writes_engines.py). The recorder
  wraps the whole application (:func:`recorded_asgi`, :func:`recorded_wsgi`), so a
  write refused before the view runs is recorded with its 403.

Configured by the environment: ``WRITES_FRONTEND``, the front end's origin (allowed
with credentials). Served by tests/e2e/test_writes.py on real servers, with
``protect_writes=True`` everywhere.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
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
#: What ``GET /seen`` answers: one dict per request (``/count`` and ``/seen`` aside).
seen: list[dict[str, Any]] = []
_UNRECORDED = ("/count", "/seen")


def _entry(method: str, path: str, site: str | None, origin: str | None) -> dict[str, Any]:
    return {"method": method, "path": path, "status": 0, "site": site, "origin": origin}


def recorded_asgi(app: Any) -> Any:
    """``app`` (ASGI) behind a recorder of each request and the status it was answered."""

    async def recorder(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/seen":
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": json.dumps(seen).encode()})
            return
        if scope["type"] != "http" or scope["path"] in _UNRECORDED:
            await app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        site, origin = headers.get("sec-fetch-site"), headers.get("origin")
        entry = _entry(scope["method"], scope["path"], site, origin)

        async def sending(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                entry["status"] = message["status"]
            await send(message)

        await app(scope, receive, sending)
        seen.append(entry)

    return recorder


def recorded_wsgi(app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
    """``app`` (WSGI) behind a recorder of each request and the status it was answered."""

    def recorder(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/seen":
            start_response("200 OK", [("Content-Type", "application/json")])
            return [json.dumps(seen).encode()]
        if path in _UNRECORDED:
            return app(environ, start_response)
        site, origin = environ.get("HTTP_SEC_FETCH_SITE"), environ.get("HTTP_ORIGIN")
        entry = _entry(environ["REQUEST_METHOD"], path, site, origin)

        def starting(status: str, headers: Any, *exc_info: Any) -> Any:
            entry["status"] = int(status.split()[0])
            return start_response(status, headers, *exc_info)

        body = app(environ, starting)
        seen.append(entry)
        return body

    return recorder


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

    return recorded_asgi(app)


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

    return recorded_wsgi(app)
