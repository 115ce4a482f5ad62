"""The demo's front-end server: serves ``frontend/index.html`` and a generated ``config.js``.

``config.js`` tells the page which API to call (``window.CORECORS_DEMO_API``),
so the same static page works against any port and framework.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

INDEX = Path(__file__).with_name("frontend") / "index.html"


class FrontendServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, host: str, port: int, api_origin: str) -> None:
        self.index = INDEX.read_bytes()
        # json.dumps: a quoted, escaped JS string literal whatever the origin contains.
        self.config = f"window.CORECORS_DEMO_API = {json.dumps(api_origin)};\n".encode()
        super().__init__((host, port), FrontendHandler)

    def start(self) -> threading.Thread:
        """Serve in a daemon thread; stop with ``shutdown()`` then ``server_close()``."""
        thread = threading.Thread(target=self.serve_forever, name="frontend", daemon=True)
        thread.start()
        return thread


class FrontendHandler(BaseHTTPRequestHandler):
    server: FrontendServer

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path in ("/", "/index.html"):
            self.reply(200, "text/html; charset=utf-8", self.server.index)
        elif path == "/config.js":
            self.reply(200, "text/javascript; charset=utf-8", self.server.config)
        else:
            self.reply(404, "text/plain; charset=utf-8", b"not found\n")

    def reply(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")  # the API origin changes between runs
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass  # the terminal is for the API's log: that is where CORS refusals are explained
