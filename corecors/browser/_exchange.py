"""Sending what a browser would send, and judging the answers with :mod:`corecors.browser`.

Used by ``corecors check``. Standard library only (``http.client``): every header line
is kept as received, and no redirect is followed silently: each one is a step, checked
as a browser checks it (Fetch §4.4 HTTP-redirect fetch) before the next request.
"""

from __future__ import annotations

import http.client
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

from ._check import BrowserRequest, ServerResponse, check, check_actual
from ._safelist import HeaderList, serialize_origin
from ._verdict import Verdict

MAX_REDIRECTS = 20  # Fetch §4.4 HTTP-redirect fetch: a 21st redirect is a network error
MAX_BODY = 65536  # bytes read from a response; the excerpt shown is shorter
SAFE_METHODS = frozenset({"GET", "HEAD"})
_BODY_HEADERS = frozenset(
    {"content-type", "content-language", "content-encoding", "content-location"}
)
# What the URL parser percent-encodes (WHATWG URL: the path and the special-query
# percent-encode sets), beyond controls, space and non-ASCII: a browser sends the rest.
_PATH_SAFE = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in '"#<>?`{}')
_QUERY_SAFE = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in "\"#<>'")


class NetworkError(Exception):
    """The server could not be reached or did not answer HTTP; the message says why."""


@dataclass(frozen=True)
class Step:
    """One request sent and the response received."""

    kind: Literal["preflight", "actual"]
    method: str
    url: str
    request_headers: HeaderList
    response: ServerResponse
    body: bytes = b""


@dataclass(frozen=True)
class Report:
    """The steps taken and the verdict. ``not_sent`` names the actual request when it
    was not sent (an unsafe method without ``send=True``); the verdict then covers the
    preflight only."""

    verdict: Verdict
    steps: tuple[Step, ...]
    not_sent: str | None = None


#: Sends one request: (method, absolute URL, header lines) -> (response, body).
Transport = Callable[[str, str, HeaderList], tuple[ServerResponse, bytes]]


def http_transport(timeout: float = 10.0) -> Transport:
    """A :data:`Transport` over the network (``http.client``), ``timeout`` seconds per
    request; raises :class:`NetworkError` with a clear message."""
    return lambda method, url, headers: _send(method, url, headers, timeout)


def _request_target(path: str, query: str) -> str:
    """The request-target a browser sends: path and query percent-encoded as its URL
    parser encodes them (UTF-8), so that ``/café?q=a b`` goes out as ASCII."""
    target = quote(path or "/", safe=_PATH_SAFE)
    return target + (f"?{quote(query, safe=_QUERY_SAFE)}" if query else "")


def browser_url(url: str) -> str:
    """``url`` with its path and query percent-encoded as a browser's URL parser
    encodes them (WHATWG URL), the fragment dropped: what the browser requests."""
    parts = urlsplit(url)
    target = _request_target(parts.path, parts.query)
    return urlunsplit((parts.scheme, parts.netloc, *target.partition("?")[::2], ""))


_PLAIN_HTTP = " (is the server speaking plain HTTP? then use http://)"
_TLS_HINTS = {"WRONG_VERSION_NUMBER": _PLAIN_HTTP, "RECORD_LAYER_FAILURE": _PLAIN_HTTP}


def _send(
    method: str, url: str, headers: HeaderList, timeout: float
) -> tuple[ServerResponse, bytes]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise NetworkError(f"{url!r} is not an http:// or https:// URL")
    host = parts.hostname
    try:
        port = parts.port
    except ValueError as exc:
        raise NetworkError(f"{url!r} has an invalid port") from exc
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        context = ssl.create_default_context()
        connection = http.client.HTTPSConnection(host, port, timeout=timeout, context=context)
    else:
        connection = http.client.HTTPConnection(host, port, timeout=timeout)
    shown = f"[{host}]" if ":" in host else host
    where = f"{shown}:{port if port is not None else (443 if parts.scheme == 'https' else 80)}"
    try:
        connection.request(method, _request_target(parts.path, parts.query), headers=dict(headers))
        response = connection.getresponse()
        return ServerResponse(response.status, response.getheaders()), _body(response)
    except ConnectionRefusedError as exc:
        raise NetworkError(f"connection refused by {where}: is the server running?") from exc
    except socket.gaierror as exc:
        raise NetworkError(f"cannot resolve the host {host!r}: {exc.strerror}") from exc
    except ssl.SSLError as exc:
        reason = str(exc.reason or exc)
        raise NetworkError(f"TLS error with {where}: {reason}{_TLS_HINTS.get(reason, '')}") from exc
    except TimeoutError as exc:
        raise NetworkError(f"no answer from {where} within {timeout:g} s (timeout)") from exc
    except http.client.RemoteDisconnected as exc:
        raise NetworkError(f"{where} closed the connection without answering") from exc
    except http.client.HTTPException as exc:
        raise NetworkError(f"{where} did not answer valid HTTP: {exc!r}") from exc
    except OSError as exc:
        raise NetworkError(f"cannot talk to {where}: {exc.strerror or exc}") from exc
    finally:
        connection.close()


def _body(response: http.client.HTTPResponse) -> bytes:
    """Up to MAX_BODY bytes of the body; what arrived when the rest is slow to come (a
    stream such as server-sent events never ends; the verdict needs only the headers)."""
    try:
        return response.read1(MAX_BODY)
    except TimeoutError:
        return b""


def _redirected(request: BrowserRequest, status: int, location: str) -> BrowserRequest:
    """The request after a redirect (Fetch §4.4): 303 (and 301/302 after POST) become
    GET without body headers; a redirect to another origin taints the origin to null."""
    try:
        target = urljoin(request.url, location)
        scheme = urlsplit(target).scheme
    except ValueError as exc:
        raise NetworkError(
            f"the redirect's Location {location!r} is not a valid URL: a browser fails "
            "the fetch (net::ERR_INVALID_REDIRECT); send a valid absolute or relative URL"
        ) from exc
    if scheme not in ("http", "https"):
        raise NetworkError(
            f"the redirect's Location {location!r} is not an http:// or https:// URL: "
            "a browser fails the fetch"
        )
    origin = request.origin
    if serialize_origin(target) != serialize_origin(request.url) and request.cross_origin:
        origin = "null"
    method, headers = request.method, request.header_list
    to_get = status == 303 and method not in SAFE_METHODS
    if to_get or (status in (301, 302) and method == "POST"):
        method = "GET"
        headers = tuple((n, v) for n, v in headers if n.lower() not in _BODY_HEADERS)
    return BrowserRequest(origin, target, method, headers, request.credentials)


def run(
    request: BrowserRequest,
    *,
    send: bool = False,
    timeout: float = 10.0,
    transport: Transport | None = None,
) -> Report:
    """Send the preflight when a browser would, then the actual request when it is
    GET or HEAD or ``send`` is True, following at most ``MAX_REDIRECTS`` redirects as
    steps. ``timeout`` is in seconds, per request; ``transport`` replaces the network
    (a test client). Raises :class:`NetworkError`."""
    transmit = transport or http_transport(timeout)
    steps: list[Step] = []
    for _ in range(MAX_REDIRECTS + 1):
        preflight: ServerResponse | None = None
        if request.needs_preflight:
            headers = request.preflight_headers()
            preflight, body = transmit("OPTIONS", request.url, headers)
            steps.append(Step("preflight", "OPTIONS", request.url, headers, preflight, body))
            verdict = check(request, preflight)
            if not verdict.allowed:
                return Report(verdict, tuple(steps))
        if request.method not in SAFE_METHODS and not send:
            return Report(check(request, preflight), tuple(steps), request.method)
        headers = request.actual_headers()
        actual, body = transmit(request.method, request.url, headers)
        steps.append(Step("actual", request.method, request.url, headers, actual, body))
        verdict = check_actual(request, actual)
        if verdict.redirect is None:
            kinds = tuple(step.kind for step in steps[-2:] if step.url == request.url)
            return Report(replace(verdict, checked=kinds), tuple(steps))
        request = _redirected(request, actual.status, verdict.redirect)
    raise NetworkError(
        f"more than {MAX_REDIRECTS} redirects (the last to {request.url}): a browser gives up "
        "too (net::ERR_TOO_MANY_REDIRECTS)"
    )
