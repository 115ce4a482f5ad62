"""The cookie-diagnostics test's APIs (DESIGN §7.2): FastAPI, Flask and Django in debug mode.

- ``GET /login``: sets three cookies: ``sid`` (no SameSite attribute), ``pref``
  (``SameSite=None; Secure; Partitioned``) and ``theme`` (``SameSite=None`` without
  ``Secure``), as raw ``Set-Cookie`` lines so every framework sends the same bytes.
- ``GET /whoami``: the names of the cookies the request carried, as JSON.
- ``GET /log``: the ``corecors`` log lines so far, as JSON (kept in memory by a handler).

Configured by the environment: ``COOKIES_FRONTEND``, the front ends' origins (allowed
with credentials, comma-separated). Served by tests/e2e/test_cookie_diagnostics.py.
"""

# No `from __future__ import annotations`: FastAPI reads ``whoami``'s ``Request``
# annotation at run time, and it is imported inside the factory.
import json
import logging
import os
from typing import Any

FRONTENDS = os.environ.get("COOKIES_FRONTEND", "http://localhost:1").split(",")
SET_COOKIES = (
    "sid=1; Path=/; HttpOnly",
    "pref=1; Path=/; SameSite=None; Secure; Partitioned",
    "theme=dark; Path=/; SameSite=None",
)


class Lines(logging.Handler):
    """Keeps the ``corecors`` logger's messages (the cookie lines are WARNINGs)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


LOG = Lines()
logging.getLogger("corecors").addHandler(LOG)


def names(cookie_header: str | None) -> str:
    found = [pair.split("=", 1)[0].strip() for pair in (cookie_header or "").split(";") if pair]
    return json.dumps(sorted(found))


def fastapi_app() -> Any:
    from fastapi import FastAPI, Request, Response

    from corecors.adapters.asgi import CORSMiddleware

    app = FastAPI(debug=True)
    app.add_middleware(CORSMiddleware, allow_origins=FRONTENDS, allow_credentials=True)

    @app.get("/login")
    async def login() -> Response:
        response = Response("ok", media_type="text/plain")
        for line in SET_COOKIES:
            response.headers.append("set-cookie", line)
        return response

    @app.get("/whoami")
    async def whoami(request: Request) -> Response:
        return Response(names(request.headers.get("cookie")), media_type="application/json")

    @app.get("/log")
    async def log() -> Response:
        return Response(json.dumps(LOG.messages), media_type="application/json")

    return app


def flask_app() -> Any:
    from flask import Flask, Response, request

    from corecors.adapters.flask import CORS

    app = Flask(__name__)
    app.debug = True  # as `flask run --debug` does; gunicorn serves it here
    CORS(app, allow_origins=FRONTENDS, allow_credentials=True)

    @app.get("/login")
    def login() -> Response:
        response = Response("ok", mimetype="text/plain")
        for line in SET_COOKIES:
            response.headers.add("Set-Cookie", line)
        return response

    @app.get("/whoami")
    def whoami() -> Response:
        return Response(names(request.headers.get("Cookie")), mimetype="application/json")

    @app.get("/log")
    def log() -> Response:
        return Response(json.dumps(LOG.messages), mimetype="application/json")

    return app
