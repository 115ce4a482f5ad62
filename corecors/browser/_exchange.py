"""Sending what a browser would send, and judging the answers with :mod:`corecors.browser`.

Used by ``corecors check``. Standard library only (the network is :mod:`corecors.wire`):
every header line is kept as received, and no redirect is followed silently: each one is
a step, checked as a browser checks it (Fetch §4.4 HTTP-redirect fetch) and resolved as
a browser resolves it (:mod:`corecors.url`) before the next request. This module is the
one place that applies Fetch's rules between requests.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal

from ._check import BrowserRequest, ServerResponse, check, check_actual
from ._engines import BROWSERS, Profile, profile
from ._safelist import HeaderList, serialize_origin
from ._url import parse_url
from ._verdict import Verdict
from ._wire import NetworkError as NetworkError
from ._wire import send

MAX_REDIRECTS = 20  # Fetch §4.4 HTTP-redirect fetch: a 21st redirect is a network error
SAFE_METHODS = frozenset({"GET", "HEAD"})
_BODY_HEADERS = frozenset(
    {"content-type", "content-language", "content-encoding", "content-location"}
)
# Removed from the request on a redirect to another origin (Fetch §4.4 step 13, "CORS
# non-wildcard request-header name"; whatwg/fetch#1544).
_CROSS_ORIGIN_REMOVED = frozenset({"authorization"})


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
    """A :data:`Transport` over the network (:mod:`corecors.wire`): ``timeout`` seconds
    for each request as a whole; raises :class:`NetworkError` with a clear message."""

    def transmit(method: str, url: str, headers: HeaderList) -> tuple[ServerResponse, bytes]:
        status, lines, body = send(method, url, headers, timeout)
        return ServerResponse(status, lines), body

    return transmit


def browser_url(url: str) -> str:
    """``url`` as a browser's URL parser serialises it (WHATWG URL, see
    :mod:`corecors.url`): path and query percent-encoded, the host lower-cased (in
    Punycode), the default port and the fragment dropped: what the browser requests.
    Raises ``ValueError`` (:class:`corecors.url.URLError`) for what a browser refuses."""
    return parse_url(url)


def _redirected(request: BrowserRequest, status: int, location: str) -> BrowserRequest:
    """The request after a redirect (Fetch §4.4 HTTP-redirect fetch): ``location``
    resolved as a browser resolves it (WHATWG URL: ``http:\\\\host`` is
    ``http://host``); 303 (and 301/302 after POST) become GET without body headers; a
    redirect to another origin removes ``Authorization`` (whatwg/fetch#1544; ``Cookie``
    and ``Proxy-Authorization`` a page cannot set, so they are never sent) and, for a
    cross-origin request, taints the origin to null. Raises :class:`NetworkError`."""
    try:
        target = parse_url(_as_utf8(location), request.url)
    except ValueError as exc:
        raise NetworkError(
            f"the redirect's Location {location!r} is not a valid URL ({exc}): a browser "
            "fails the fetch (net::ERR_INVALID_REDIRECT); send a valid absolute or relative URL"
        ) from exc
    if not target.startswith(("http://", "https://")):
        raise NetworkError(
            f"the redirect's Location {location!r} is not an http:// or https:// URL: "
            "a browser fails the fetch"
        )
    origin, method, headers = request.origin, request.method, request.header_list
    if serialize_origin(target) != serialize_origin(request.url):
        headers = tuple((n, v) for n, v in headers if n.lower() not in _CROSS_ORIGIN_REMOVED)
        origin = "null" if request.cross_origin else origin
    to_get = status == 303 and method not in SAFE_METHODS
    if to_get or (status in (301, 302) and method == "POST"):
        method = "GET"
        headers = tuple((n, v) for n, v in headers if n.lower() not in _BODY_HEADERS)
    # A Location with a user name or password never gets here: the CORS check of the
    # redirect refused it (RedirectContainsCredentials).
    return BrowserRequest(origin, target, method, headers, request.credentials)


def _as_utf8(location: str) -> str:
    """A header value arrives as ISO-8859-1 text (one character per byte); a browser
    reads a Location's bytes as UTF-8 and percent-encodes the bytes that are not."""
    text = location.encode("latin-1", "replace").decode("utf-8", "surrogateescape")
    return re.sub("[\udc80-\udcff]", lambda m: f"%{ord(m.group()) - 0xDC00:02X}", text)


def run(
    request: BrowserRequest,
    *,
    send: bool = False,
    timeout: float = 10.0,
    transport: Transport | None = None,
    browser: str | Profile = "fetch",
) -> Report:
    """Send the preflight when a browser would, then the actual request when it is
    GET or HEAD or ``send`` is True, following at most ``MAX_REDIRECTS`` redirects as
    steps. ``timeout`` is in seconds, a deadline for each request as a whole;
    ``transport`` replaces the network (a test client); ``browser`` is the engine
    profile judging the answers (``"fetch"``, the standard, by default; see
    :func:`corecors.browser.check`). Raises :class:`NetworkError`, ``ValueError`` for
    an unknown ``browser``."""
    profile(browser)  # an unknown name fails before anything is sent
    transmit = transport or http_transport(timeout)
    steps: list[Step] = []
    relied: tuple[str, ...] = ()  # the engine's deviations the preflights passed by
    for _ in range(MAX_REDIRECTS + 1):
        preflight: ServerResponse | None = None
        if request.needs_preflight:
            headers = request.preflight_headers()
            preflight, body = transmit("OPTIONS", request.url, headers)
            steps.append(Step("preflight", "OPTIONS", request.url, headers, preflight, body))
            verdict = check(request, preflight, browser=browser)
            if not verdict.allowed:
                return Report(verdict, tuple(steps))
            relied = tuple(dict.fromkeys((*relied, *verdict.deviations)))
        if request.method not in SAFE_METHODS and not send:
            return Report(check(request, preflight, browser=browser), tuple(steps), request.method)
        headers = request.actual_headers()
        actual, body = transmit(request.method, request.url, headers)
        steps.append(Step("actual", request.method, request.url, headers, actual, body))
        verdict = check_actual(request, actual)
        if verdict.redirect is None:
            kinds = tuple(step.kind for step in steps[-2:] if step.url == request.url)
            final = replace(verdict, checked=kinds, deviations=relied if verdict.allowed else ())
            return Report(final, tuple(steps))
        request = _redirected(request, actual.status, verdict.redirect)
    raise NetworkError(
        f"more than {MAX_REDIRECTS} redirects (the last to {request.url}): a browser gives up "
        "too (net::ERR_TOO_MANY_REDIRECTS)"
    )


class _Once:
    """Runs that share their requests: the n-th request of a run, when an earlier run
    sent the same one n-th, gets that answer again instead of going out a second time
    (a redirect loop still sends each of its hops)."""

    def __init__(self, transmit: Transport) -> None:
        self.transmit = transmit
        self.answers: dict[tuple[int, str, str, HeaderList], tuple[ServerResponse, bytes]] = {}

    def transport(self) -> Transport:
        """A transport for one run."""
        sent = 0

        def replay(method: str, url: str, headers: HeaderList) -> tuple[ServerResponse, bytes]:
            nonlocal sent
            key = (sent, method, url, tuple(headers))
            sent += 1
            if key not in self.answers:
                self.answers[key] = self.transmit(method, url, headers)
            return self.answers[key]

        return replay


def run_engines(
    request: BrowserRequest,
    *,
    browsers: tuple[str, ...] = BROWSERS,
    send: bool = False,
    timeout: float = 10.0,
    transport: Transport | None = None,
) -> dict[str, Report]:
    """:func:`run` under several profiles, as {name: Report}; each distinct request goes
    out once, whatever the number of profiles (an engine that passes a preflight Fetch
    fails sends the actual request the others never reach). ``browsers``
    (``tuple[str, ...]``, default ``BROWSERS``): the profiles' names. Other arguments
    as :func:`run`, and its errors."""
    shared = _Once(transport or http_transport(timeout))
    return {
        name: run(request, send=send, transport=shared.transport(), browser=name)
        for name in browsers
    }
