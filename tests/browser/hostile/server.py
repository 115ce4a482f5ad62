"""A hostile HTTP server on 127.0.0.1: raw bytes per path, written the way an attacker
would write them (no HTTP library between the script and the socket).

Each route is a function ``(request, connection) -> None`` that writes what it likes
to the socket. ``{origin}`` is not substituted: a route reads the request's headers
itself. Every request head received is recorded, so a test can prove what the client
sent (and did not). Each connection is served in a daemon thread with a bounded
socket timeout; the server stops when its context ends, also on failure.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from tests.servers import bound_socket

PAGE = "http://127.0.0.1:3000"
MAX_HEAD = 65536


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: tuple[tuple[str, str], ...]

    def header(self, name: str) -> str | None:
        found = [v for n, v in self.headers if n.lower() == name.lower()]
        return found[0] if found else None


Route = Callable[[Request, socket.socket], None]


class HostileServer:
    """Routes by path (the query string ignored); a missing path answers 404 without
    CORS headers. ``tls``: an ``ssl.SSLContext`` to serve HTTPS with."""

    def __init__(self, routes: dict[str, Route], tls: ssl.SSLContext | None = None) -> None:
        self.routes, self.tls = routes, tls
        self.listener = bound_socket()
        self.port: int = self.listener.getsockname()[1]
        self.received: list[Request] = []
        self.lock = threading.Lock()
        self.threads: list[threading.Thread] = []
        self.connections: list[socket.socket] = []
        self.accepting = threading.Thread(target=self._accept, daemon=True)
        self.accepting.start()

    def url(self, path: str, host: str = "localhost") -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{host}:{self.port}{path}"

    def requests_to(self, path: str) -> list[Request]:
        with self.lock:
            return [r for r in self.received if r.path.partition("?")[0] == path]

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return  # closed
            with self.lock:
                self.connections.append(conn)
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self.threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(10)
        with contextlib.suppress(OSError), conn:
            if conn.recv(1, socket.MSG_PEEK) == b"\x16" and self.tls is None:
                conn.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")  # TLS to a plain port
                return
            if self.tls is not None:
                conn = self.tls.wrap_socket(conn, server_side=True)
            while True:  # keep-alive: one request after the other
                request = _read_head(conn)
                if request is None:
                    return
                with self.lock:
                    self.received.append(request)
                self.routes.get(request.path.partition("?")[0], not_found)(request, conn)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes accept(), which close() does not
        self.listener.close()
        self.accepting.join(10)
        with self.lock:
            for conn in self.connections:  # wake the threads waiting for a next request
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
        for thread in self.threads:
            thread.join(10)


def _read_head(conn: socket.socket) -> Request | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk or len(data) > MAX_HEAD:
            return None
        data += chunk
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    first, *lines = head.split("\r\n")
    method, path, _ = first.split(" ", 2)
    headers = tuple((n.strip(), v.strip()) for n, _, v in (line.partition(":") for line in lines))
    return Request(method, path, headers)


@contextlib.contextmanager
def hostile_server(
    routes: dict[str, Route], tls: ssl.SSLContext | None = None
) -> Iterator[HostileServer]:
    server = HostileServer(routes, tls)
    try:
        yield server
    finally:
        server.close()


def answer(
    status: bytes | str, *lines: tuple[str, str] | bytes, body: bytes = b"", close: bool = False
) -> Route:
    """A route answering ``status`` (``b"200 OK"``), the header lines (a (name, value)
    pair with ``{origin}`` replaced by the request's Origin, or raw bytes), a body."""

    def route(request: Request, conn: socket.socket) -> None:
        origin = request.header("Origin") or ""
        head = b"HTTP/1.1 " + (status.encode() if isinstance(status, str) else status) + b"\r\n"
        for line in lines:
            if isinstance(line, bytes):
                head += line + b"\r\n"
            else:
                head += f"{line[0]}: {line[1].replace('{origin}', origin)}\r\n".encode("latin-1")
        head += b"Content-Length: %d\r\n" % len(body)
        head += b"Connection: close\r\n\r\n" if close else b"\r\n"
        conn.sendall(head + body)
        if close:
            conn.shutdown(socket.SHUT_WR)

    return route


def raw(data: bytes) -> Route:
    """A route that sends ``data`` as it is, then closes the connection."""

    def route(request: Request, conn: socket.socket) -> None:
        conn.sendall(data)
        conn.shutdown(socket.SHUT_WR)

    return route


class Drip:
    """A route that sends ``data`` one byte every ``interval`` seconds and counts the
    bytes it sent before the client hung up (``sent``), up to ``len(data)``."""

    def __init__(self, data: bytes, interval: float) -> None:
        self.data, self.interval, self.sent = data, interval, 0
        self.done = threading.Event()

    def __call__(self, request: Request, conn: socket.socket) -> None:
        try:
            for byte in self.data:
                conn.sendall(bytes([byte]))
                self.sent += 1
                time.sleep(self.interval)
        except OSError:
            pass  # the client hung up: what it should do at its deadline
        finally:
            self.done.set()


def not_found(request: Request, conn: socket.socket) -> None:
    answer("404 Not Found", body=b"no such route")(request, conn)
