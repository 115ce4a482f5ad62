"""The WSGI application served by a real server in test_servers.py.

Served in-process by werkzeug's server and in a gunicorn subprocess
(``tests.wsgi.server_apps:application``), so the state the tests inspect
(stream gates, close() records) lives here, per process, behind endpoints.

- ``/api/...``: a Flask app behind ``corecors.adapters.flask.CORS``.
- ``/raw/...``: a plain WSGI app behind ``corecors.adapters.wsgi.CORSMiddleware``.
"""

from __future__ import annotations

import hashlib
import sys
import threading
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import parse_qs
from wsgiref.util import FileWrapper

from flask import Flask, Response, request
from flask.typing import ResponseReturnValue

from corecors.adapters.flask import CORS
from corecors.adapters.wsgi import CORSMiddleware

APP = "https://app.example.com"
EVIL = "https://evil.example.org"
OPTIONS: dict[str, Any] = {
    "allow_origins": [APP],
    "allow_credentials": True,
    "allow_methods": ["GET", "POST", "PUT"],
    "allow_headers": ["X-Token"],
    "expose_headers": ["X-Total"],
}
STREAM_CHUNKS = [b"first\n", b"second\n", b"third\n"]
GATE_TIMEOUT = 5.0  # seconds; a buffered (non-streaming) response fails instead of hanging

_lock = threading.Lock()
_events: dict[str, threading.Event] = {}


def event(name: str) -> threading.Event:
    with _lock:
        return _events.setdefault(name, threading.Event())


def _query(environ: dict[str, Any]) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}


# --- the Flask part ---------------------------------------------------------------

flask_app = Flask(__name__)


@flask_app.route("/api/items", methods=["GET", "POST", "PUT"])
def items() -> ResponseReturnValue:
    if request.method == "GET":
        cookie = request.cookies.get("session", "")
        return {"items": [1, 2], "cookie": cookie}, 200, {"X-Total": "2"}
    body = request.get_data()
    return {"length": len(body), "sha256": hashlib.sha256(body).hexdigest()}


@flask_app.route("/api/stream")
def stream() -> ResponseReturnValue:
    """A generator view: the second chunk waits until the client has read the first."""
    gate = event("stream:" + request.args["token"])

    def generate() -> Iterator[bytes]:
        yield STREAM_CHUNKS[0]
        if not gate.wait(GATE_TIMEOUT):
            yield b"TIMEOUT: the first chunk never reached the client\n"
        yield from STREAM_CHUNKS[1:]

    return Response(generate(), mimetype="text/plain")


@flask_app.route("/api/release")
def release() -> ResponseReturnValue:
    event("stream:" + request.args["token"]).set()
    return "released"


CORS(flask_app, **OPTIONS)


# --- the plain WSGI part -------------------------------------------------------------


class ClosingBody:
    """A response iterable that records its close() call, as PEP 3333 requires servers to."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __iter__(self) -> Iterator[bytes]:
        return iter([b"closing ", b"body"])

    def close(self) -> None:
        event("closed:" + self.token).set()


def raw_app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    path = environ["PATH_INFO"]
    query = _query(environ)
    if path == "/raw/closing":
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "12")])
        return ClosingBody(query["token"])
    if path == "/raw/closed":
        closed = event("closed:" + query["token"]).wait(GATE_TIMEOUT)
        body = b"closed" if closed else b"never closed"
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [body]
    if path == "/raw/file":
        # gunicorn's wsgi.file_wrapper sends the file with sendfile() only when it
        # gets its own wrapper object back: the middleware must not wrap it.
        wrapper = environ.get("wsgi.file_wrapper", FileWrapper)
        start_response("200 OK", [("Content-Type", "text/x-python")])
        return wrapper(open(__file__, "rb"), 4096)
    if path == "/raw/echo":
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length)
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return [body]
    if path == "/raw/late-error":
        # PEP 3333 error handling: headers set, then replaced before any body is sent.
        start_response("200 OK", [("Content-Type", "text/plain")])
        try:
            raise RuntimeError("failed after start_response")
        except RuntimeError:
            start_response(
                "500 Internal Server Error", [("Content-Type", "text/plain")], sys.exc_info()
            )
        return [b"error page"]
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"not found"]


raw = CORSMiddleware(raw_app, **OPTIONS)


def application(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    if environ.get("PATH_INFO", "").startswith("/raw/"):
        return raw(environ, start_response)
    return flask_app(environ, start_response)
