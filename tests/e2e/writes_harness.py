"""What the write-protection tests share: the four stacks, the pages, the attacks.

Used by tests/e2e/test_writes.py (Chromium) and tests/e2e/test_writes_engines.py
(Firefox ESR, WebKitGTK). The APIs are tests/e2e/writes_apps.py and writes_django.py.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.servers import bound_socket, gunicorn_command, uvicorn_command

# Threads: a browser may open a connection and send nothing on it yet (a preconnect),
# which would hold gunicorn's single sync worker until its timeout.
STACKS = {
    "fastapi-uvicorn": uvicorn_command("tests.e2e.writes_apps:fastapi_app", "--factory"),
    "flask-gunicorn": gunicorn_command("tests.e2e.writes_apps:flask_app()", "--threads", "4"),
    "django-gunicorn": gunicorn_command("tests.e2e.writes_django:wsgi()", "--threads", "4"),
    "django-uvicorn": uvicorn_command("tests.e2e.writes_django:asgi", "--factory"),
}
# Each a JavaScript function of the API's URL, run in the attacking page.
ATTACKS = {
    "form POST": """url => { const f = document.createElement('form'); f.method = 'POST';
        f.action = url; const i = document.createElement('input'); i.name = 'amount';
        i.value = '1000'; f.append(i); document.body.append(f); f.submit(); }""",
    "no-cors text/plain POST": """url => fetch(url, {method: 'POST', mode: 'no-cors',
        credentials: 'include', headers: {'content-type': 'text/plain'}, body: 'amount=1000'})""",
    "sendBeacon": """url => navigator.sendBeacon(url, 'amount=1000')""",
}


class _Blank(BaseHTTPRequestHandler):
    """Any path: an empty page (the attacker's or the front end's; scripts are injected)."""

    def do_GET(self) -> None:
        body = b"<!doctype html><title>page</title>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return None


@contextlib.contextmanager
def blank_pages() -> Iterator[int]:
    """A server of empty pages on 127.0.0.1 (any host name); yields its port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Blank, bind_and_activate=False)
    server.socket = bound_socket()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.socket.getsockname()[1]
    finally:
        server.shutdown()
        server.server_close()
