"""What each browser engine does with cookies across sites, measured: the rows of
``corecors.engine.COOKIE_ENGINES`` (DESIGN §7.2) held to the real browser.

A page on one origin fetches, with credentials, ``/set`` on the API's origin, which
answers with CORS grants and seven cookies (no SameSite, Lax, Strict, None without
Secure, None with Secure, Partitioned, Secure alone); then it fetches ``/echo``, which
answers with the ``Cookie`` header it received. The cookies that came back must be
exactly those ``cookie_reports`` says the engine sends back (``sent`` or
``partitioned``), for each relation of page and API: cross-site over https and http,
same-site over https and http, ``localhost`` to ``127.0.0.1``, the same origin, and an
http page calling an https API on its own domain (another site for Chromium only).
A partitioned cookie must not come back from a page on a third site.

Host names are IANA's example domains (``example.com``, ``.org``, ``.net``), mapped
to 127.0.0.1 by the browser; https uses a test certificate (trustme) that the
browser is told to accept. An engine is measured by a driver in :data:`DRIVERS`: a
context manager (given the fixture request) giving an object with ``fresh()`` (an empty cookie jar),
``open(url)`` and ``fetch(url)`` (the JSON a credentialed ``fetch`` returns).
Chromium's is here; Firefox and WebKit were measured by hand (docs/cookies.md says
how) and join this test with their drivers (the browsers issue).
"""

from __future__ import annotations

import contextlib
import json
import ssl
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple, Protocol

import pytest
import trustme
from playwright.sync_api import Browser

from corecors.engine import COOKIE_ENGINES, CookieRequest, cookie_reports
from tests.engines import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.browser

HOSTS = ("*.example.com", "*.example.org", "*.example.net")
COOKIES = {
    "nosamesite": "nosamesite=1; Path=/",
    "lax": "lax=1; Path=/; SameSite=Lax",
    "strict": "strict=1; Path=/; SameSite=Strict",
    "noneinsecure": "noneinsecure=1; Path=/; SameSite=None",
    "nonesecure": "nonesecure=1; Path=/; SameSite=None; Secure",
    "partitioned": "partitioned=1; Path=/; SameSite=None; Secure; Partitioned",
    "secure": "secure=1; Path=/; Secure",
}
_SET = "/set?" + "&".join(f"c={urllib.parse.quote(line)}" for line in COOKIES.values())


class _Handler(BaseHTTPRequestHandler):
    """``/page``: an empty page; ``/set?c=...``: those cookies; ``/echo``: the request's
    Cookie and Sec-Fetch-Site, as JSON. Every answer to an Origin grants it credentials."""

    def do_GET(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/page":
            self._answer(b"<!doctype html><title>page</title>", "text/html", [])
            return
        headers = [("Set-Cookie", c) for c in urllib.parse.parse_qs(url.query).get("c", [])]
        origin = self.headers.get("Origin")
        if origin:
            headers += [
                ("Access-Control-Allow-Origin", origin),
                ("Access-Control-Allow-Credentials", "true"),
                ("Vary", "Origin"),
            ]
        seen = {"cookie": self.headers.get("Cookie", ""), "site": self.headers["Sec-Fetch-Site"]}
        self._answer(json.dumps(seen).encode(), "application/json", headers)

    def _answer(self, body: bytes, kind: str, headers: list[tuple[str, str]]) -> None:
        self.send_response(200)
        for name, value in [("Content-Type", kind), ("Content-Length", str(len(body))), *headers]:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return None


class Servers(NamedTuple):
    http: int
    https: int

    def origin(self, scheme: str, host: str) -> str:
        return f"{scheme}://{host}:{self.https if scheme == 'https' else self.http}"


@pytest.fixture(scope="module")
def servers() -> Iterator[Servers]:
    """One server on http and one on https (any host name), on 127.0.0.1."""
    certificate = trustme.CA().issue_cert("localhost", "127.0.0.1", *HOSTS)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    certificate.configure_cert(context)
    started = []
    for tls in (False, True):
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        if tls:
            server.socket = context.wrap_socket(server.socket, server_side=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        started.append(server)
    try:
        yield Servers(started[0].server_address[1], started[1].server_address[1])
    finally:
        for server in started:
            server.shutdown()
            server.server_close()


class Driver(Protocol):
    def fresh(self) -> None: ...
    def open(self, url: str) -> None: ...
    def fetch(self, url: str) -> dict[str, Any]: ...


class _Chromium:
    def __init__(self, browser: Any) -> None:
        self.browser = browser
        self.context: Any = None
        self.page: Any = None

    def fresh(self) -> None:
        if self.context is not None:
            self.context.close()
        self.context = self.browser.new_context(ignore_https_errors=True)
        self.page = self.context.new_page()

    def open(self, url: str) -> None:
        self.page.goto(url)

    def fetch(self, url: str) -> dict[str, Any]:
        script = "url => fetch(url, {credentials: 'include'}).then(r => r.json())"
        answer: dict[str, Any] = self.page.evaluate(script, url)
        return answer


@contextlib.contextmanager
def chromium(request: pytest.FixtureRequest) -> Iterator[Driver]:
    """Chromium with the example domains mapped to 127.0.0.1, launched through the
    package's Playwright (one ``sync_playwright`` per thread: tests/e2e/conftest.py)."""
    rules = ", ".join(f"MAP {host} 127.0.0.1" for host in HOSTS)
    args = [a for a in CHROMIUM_ARGS if not a.startswith("--host-resolver-rules")]
    shared: Browser = request.getfixturevalue("browser")
    browser = shared.browser_type.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[*args, f"--host-resolver-rules={rules}", "--ignore-certificate-errors"],
    )
    try:
        yield _Chromium(browser)
    finally:
        browser.close()


#: The engines measured in CI, by their COOKIE_ENGINES name: each driver is given the
#: test's fixture request, to use the fixtures it needs.
DRIVERS: dict[str, Callable[[pytest.FixtureRequest], AbstractContextManager[Driver]]] = {
    "chromium": chromium
}

# (name, the page's scheme and host, the API's scheme and host)
SCENARIOS = [
    ("cross-site https", ("https", "app.example.org"), ("https", "api.example.com")),
    ("cross-site http", ("http", "app.example.org"), ("http", "api.example.com")),
    ("same-site https", ("https", "app.example.com"), ("https", "api.example.com")),
    ("same-site http", ("http", "app.example.com"), ("http", "api.example.com")),
    ("localhost to 127.0.0.1", ("http", "localhost"), ("http", "127.0.0.1")),
    ("same origin localhost", ("http", "localhost"), ("http", "localhost")),
    ("http page, https API", ("http", "app.example.com"), ("https", "api.example.com")),
]


@pytest.fixture(scope="module", params=list(DRIVERS))
def engine(request: pytest.FixtureRequest) -> Iterator[tuple[str, Driver]]:
    with DRIVERS[request.param](request) as driver:
        yield request.param, driver


def sent(answer: dict[str, Any]) -> set[str]:
    return {pair.split("=", 1)[0] for pair in answer["cookie"].split("; ") if pair}


def expected(engine: str, api: tuple[str, str], page: str, site: str | None) -> set[str]:
    """The cookies the rules say come back: every one not reported, or reported sent
    or partitioned for this engine."""
    request = CookieRequest(page, api[0], api[1], site)
    reports = {r.name: r for r in cookie_reports(COOKIES.values(), request)}
    kept = ("sent", "partitioned")
    return {n for n in COOKIES if n not in reports or reports[n].fates[engine].outcome in kept}


@pytest.mark.parametrize(("name", "page", "api"), SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_the_cookies_that_come_back_are_those_the_rules_predict(
    engine: tuple[str, Driver],
    servers: Servers,
    name: str,
    page: tuple[str, str],
    api: tuple[str, str],
) -> None:
    engine_name, driver = engine
    page_origin, api_origin = servers.origin(*page), servers.origin(*api)
    driver.fresh()
    driver.open(f"{page_origin}/page")
    site = driver.fetch(api_origin + _SET)["site"]
    came_back = sent(driver.fetch(f"{api_origin}/echo"))
    assert came_back == expected(engine_name, api, page_origin, site), (engine_name, name)
    assert engine_name in COOKIE_ENGINES


def test_a_partitioned_cookie_does_not_come_back_from_a_third_site(
    engine: tuple[str, Driver], servers: Servers
) -> None:
    engine_name, driver = engine
    api = ("https", "api.example.com")
    page, third = (
        servers.origin("https", "app.example.org"),
        servers.origin("https", "www.example.net"),
    )
    driver.fresh()
    driver.open(f"{page}/page")
    site = driver.fetch(servers.origin(*api) + _SET)["site"]
    assert site == "cross-site"
    from_page = sent(driver.fetch(f"{servers.origin(*api)}/echo"))
    driver.open(f"{third}/page")
    from_third = sent(driver.fetch(f"{servers.origin(*api)}/echo"))
    request = CookieRequest(page, *api, site)
    fates = {
        r.name: r.fates[engine_name].outcome for r in cookie_reports(COOKIES.values(), request)
    }
    partitioned = {name for name, outcome in fates.items() if outcome == "partitioned"}
    assert partitioned
    assert partitioned <= from_page  # came back to the page that set them...
    assert from_third.isdisjoint(partitioned)  # ...and not to another site's page
