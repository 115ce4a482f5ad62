"""An HTTP proxy on loopback that sends every request to 127.0.0.1, at the URL's port.

WebKit resolves host names through the system alone (no ``--host-resolver-rules``, no
``network.dns.forceResolve``), and every name the system gives 127.0.0.1 without an
/etc/hosts entry (``localhost``, its subdomains) is potentially trustworthy. Given this
proxy (``WebKit(proxy=...)``), WebKit reaches any name, such as a plain-http
``api.plain.test``, on the servers of the test. The request goes on as the browser
sent it (``Host``, ``Origin``, ``Sec-Fetch-*`` kept; only hop-by-hop headers dropped),
the answer comes back whole, then the connection closes (HTTP/1.0).
"""

from __future__ import annotations

import contextlib
import http.client
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.servers import bound_socket

from .base import TIMEOUT

# RFC 9110 §7.6.1, and what a proxy's client adds for it alone.
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-connection", "proxy-authorization", "te", "trailer",
     "transfer-encoding", "upgrade", "content-length"}
)  # fmt: skip


class _Forward(BaseHTTPRequestHandler):
    """Any method: the absolute URL's path, on 127.0.0.1 at its port; 502 if it fails."""

    def _forward(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        upstream = http.client.HTTPConnection("127.0.0.1", url.port or 80, timeout=TIMEOUT)
        try:
            path = url.path + (f"?{url.query}" if url.query else "")
            upstream.request(self.command, path or "/", body=body, headers=headers)
            response = upstream.getresponse()
            status, answer, data = response.status, response.getheaders(), response.read()
        except OSError as exc:
            self.send_error(502, f"upstream 127.0.0.1:{url.port}: {exc}")
            return
        finally:
            upstream.close()
        self.send_response(status)
        for name, value in answer:
            if name.lower() not in HOP_BY_HOP:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _forward

    def log_message(self, format: str, *args: Any) -> None:
        return None


@contextlib.contextmanager
def loopback_proxy() -> Iterator[str]:
    """The proxy, serving on 127.0.0.1 in a thread; yields its ``host:port``."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Forward, bind_and_activate=False)
    server.socket = bound_socket()
    thread = threading.Thread(target=server.serve_forever, name="proxy", daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.socket.getsockname()[1]}"
    finally:
        server.shutdown()
        server.server_close()
