"""One HTTP/1.1 request over the network, for ``corecors check``: a total deadline, the
final response after any interim 1xx ones, and every failure a :class:`NetworkError`.

Why the standard library's ``http.client`` and not httpx or h11: ``corecors check`` is
installed with the core, which has no runtime dependencies, and neither library would
remove the code here. The Fetch rules a browser applies between requests (redirects, the
WHATWG URL parser, which headers survive a redirect) are the caller's
(corecors.browser._exchange, ._url) whatever the client; httpx's timeouts are
per socket operation too (a server dripping one byte per second holds it indefinitely),
and it skips 1xx responses only through httpcore. ``http.client`` writes the request and
parses each response (status line, header lines as received, chunked and
Content-Length bodies); this module adds what it lacks: one deadline for the whole
request (connection, TLS handshake, sending and every read) and Fetch's handling of 1xx
answers (§4.6 HTTP-network fetch: any 1xx but 101 is skipped; ``http.client`` skips only
100). Its limits stay: more than 100 header lines, or a line over 64 KiB, is reported as
not valid HTTP, where a browser accepts up to 256 KiB of headers (Chromium).
"""

from __future__ import annotations

import http.client
import io
import socket
import ssl
import time
from typing import cast
from urllib.parse import urlsplit

from ._safelist import HeaderList
from ._url import SPECIAL_PORTS

MAX_BODY = 65536  # bytes read from a response; the excerpt shown is shorter
_PLAIN_HTTP = " (is the server speaking plain HTTP? then use http://)"
_TLS_HINTS = {"WRONG_VERSION_NUMBER": _PLAIN_HTTP, "RECORD_LAYER_FAILURE": _PLAIN_HTTP}


class NetworkError(Exception):
    """The server could not be reached or did not answer HTTP; the message says why."""


def _limit(sock: socket.socket, deadline: float) -> None:
    """Let the next operation on ``sock`` wait only until ``deadline`` (monotonic)."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError
    sock.settimeout(left)


class _DeadlineReader(io.RawIOBase):
    """A socket's bytes, each read waiting only until the request's deadline."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self.sock, self.deadline = sock, deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        _limit(self.sock, self.deadline)
        return self.sock.recv_into(buffer)


class _Shared(io.BufferedReader):
    """One buffer for every response on the connection, interim and final: a
    response does not close it (the connection does)."""

    def close(self) -> None:
        pass

    def makefile(self, mode: str) -> _Shared:  # what http.client.HTTPResponse reads from
        return self


def _connect(host: str, port: int, deadline: float) -> socket.socket:
    """A TCP connection to the first address of ``host`` that accepts before the deadline."""
    error: OSError = OSError(f"no address for {host!r}")
    for family, kind, proto, _, address in socket.getaddrinfo(
        host.encode("ascii"), port, type=socket.SOCK_STREAM
    ):
        sock = socket.socket(family, kind, proto)
        try:
            _limit(sock, deadline)
            sock.connect(address)
            return sock
        except OSError as exc:
            sock.close()
            error = exc
    raise error


def _final_response(reader: _Shared, method: str) -> http.client.HTTPResponse:
    """Fetch §4.6 HTTP-network fetch: a 1xx response other than 101 (100 Continue, 103
    Early Hints) is not the answer; the next one on the connection is."""
    while True:
        response = http.client.HTTPResponse(cast(socket.socket, reader), method=method)
        response.begin()
        if not 100 <= response.status <= 199 or response.status == 101:
            return response


def _dns_problem(host: str) -> str | None:
    """Why a domain cannot be resolved before asking DNS (RFC 1035 §2.3.4 lengths)."""
    if host.startswith("[") or host.replace(".", "").isdigit():
        return None
    labels = host.rstrip(".").split(".")
    if len(host.rstrip(".")) > 253 or any(not 0 < len(label) <= 63 for label in labels):
        return "a DNS name has labels of 1 to 63 characters and 253 in all"
    return None


def send(
    method: str, url: str, headers: HeaderList, timeout: float
) -> tuple[int, HeaderList, bytes]:
    """Send one request to ``url`` (an http(s) URL as ``_url.parse_url``
    serialises it) and return the final response's status, header lines as received and
    up to ``MAX_BODY`` bytes of its body. ``timeout`` (seconds) bounds the whole request;
    a body still arriving then is cut short (a stream never ends). Raises
    :class:`NetworkError` with a message for a human."""
    parts = urlsplit(url)
    if parts.scheme not in SPECIAL_PORTS or not parts.hostname:
        raise NetworkError(f"{url!r} is not an http:// or https:// URL")
    host = parts.hostname
    try:
        port = parts.port if parts.port is not None else SPECIAL_PORTS[parts.scheme]
    except ValueError as exc:
        raise NetworkError(f"{url!r} has an invalid port") from exc
    where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    problem = _dns_problem(host)
    if problem is not None:
        raise NetworkError(f"cannot resolve the host {host!r}: {problem}")
    try:
        return _exchange(method, parts.scheme, host, port, url, headers, timeout)
    except ConnectionRefusedError as exc:
        raise NetworkError(f"connection refused by {where}: is the server running?") from exc
    except socket.gaierror as exc:
        raise NetworkError(f"cannot resolve the host {host!r}: {exc.strerror}") from exc
    except ssl.SSLError as exc:
        reason = str(exc.reason or exc)
        raise NetworkError(f"TLS error with {where}: {reason}{_TLS_HINTS.get(reason, '')}") from exc
    except TimeoutError as exc:
        raise NetworkError(
            f"no answer from {where} within {timeout:g} s (timeout, for the whole request)"
        ) from exc
    except http.client.RemoteDisconnected as exc:
        raise NetworkError(f"{where} closed the connection without answering") from exc
    except http.client.HTTPException as exc:
        raise NetworkError(f"{where} did not answer valid HTTP: {exc!r}") from exc
    except OSError as exc:
        raise NetworkError(f"cannot talk to {where}: {exc.strerror or exc}") from exc


def _exchange(
    method: str,
    scheme: str,
    host: str,
    port: int,
    url: str,
    headers: HeaderList,
    timeout: float,
) -> tuple[int, HeaderList, bytes]:
    deadline = time.monotonic() + timeout
    sock = _connect(host, port, deadline)
    connection = http.client.HTTPConnection(host, port)
    try:
        if scheme == "https":
            _limit(sock, deadline)
            sock = ssl.create_default_context().wrap_socket(sock, server_hostname=host)
        connection.sock = sock
        _limit(sock, deadline)
        target = url[len(f"{scheme}://{urlsplit(url).netloc}") :]
        connection.request(method, target, headers=dict(headers))
        response = _final_response(_Shared(_DeadlineReader(sock, deadline)), method)
        try:
            body = response.read1(MAX_BODY)
        except TimeoutError:  # the headers arrived, the body is slow: judge the headers
            body = b""
        return response.status, tuple(response.getheaders()), body
    finally:
        connection.close()
        sock.close()
