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

Every engine runs every relation, one browser per engine for the module
(:data:`DRIVERS`: Chromium launched here with its host-resolver switch, Firefox and
WebKit through ``tests.engines.open_engine(name, insecure_certs=True)``). Host names
are IANA's example domains (``example.com``, ``.org``, ``.net``), mapped to 127.0.0.1
by Chromium's switch and Firefox's ``network.dns.forceResolve``; https uses a test
certificate (trustme) that the browser is told to accept. WebKit resolves only
through the system, which knows ``localhost``, ``*.localhost`` and ``127.0.0.1``: it
measures each relation between those (:data:`WEBKIT`; same-site is two ports of
``localhost``). ``app.site.localhost`` and ``api.site.localhost`` are a scenario of
their own, in every engine: one site (``Sec-Fetch-Site: same-site``), but two to
WebKit's cookie jar (``unlisted_hosts_apart``: ``.localhost`` is not on the public
suffix list). No pair is left out.

A driver is a context manager (given the fixture request) giving an object with
``fresh()`` (an empty cookie jar, as far as the engine's driver can empty it),
``open(url)`` and ``fetch(url)`` (the JSON a credentialed ``fetch`` returns). Each
scenario names its cookies apart (``lax-3``), so a cookie that outlived ``fresh()``
(WebDriver deletes only the current page's) is never counted.
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
from corecors.engine._cookies import _relation
from tests.engines import CHROMIUM, CHROMIUM_ARGS, Engine, open_engine

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
FETCH = "url => fetch(url, {credentials: 'include'}).then(r => r.json())"


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


class End(NamedTuple):
    """One side of a scenario: scheme, host, and whether it is the second server of that
    scheme (another port: another origin on the same host)."""

    scheme: str
    host: str
    other: bool = False


class Servers(NamedTuple):
    ports: dict[tuple[str, bool], int]

    def origin(self, end: End) -> str:
        return f"{end.scheme}://{end.host}:{self.ports[end.scheme, end.other]}"


@pytest.fixture(scope="module")
def servers() -> Iterator[Servers]:
    """Two servers on http and two on https (any host name), on 127.0.0.1."""
    certificate = trustme.CA().issue_cert(
        "localhost", "*.localhost", "*.site.localhost", "127.0.0.1", *HOSTS
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    certificate.configure_cert(context)
    started = {}
    for key in [(scheme, other) for scheme in ("http", "https") for other in (False, True)]:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        if key[0] == "https":
            server.socket = context.wrap_socket(server.socket, server_side=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        started[key] = server
    try:
        yield Servers({key: server.server_address[1] for key, server in started.items()})
    finally:
        for server in started.values():
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
        answer: dict[str, Any] = self.page.evaluate(FETCH, url)
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


class _Engine:
    """Firefox or WebKit through tests/engines. Their cookie jars outlive ``fresh()``
    (WebDriver clears only the current page's cookies), so each scenario names its
    cookies apart (``tag``) and counts only those."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def fresh(self) -> None:
        self.engine.clear_cookies()

    def open(self, url: str) -> None:
        self.engine.goto(url)

    def fetch(self, url: str) -> dict[str, Any]:
        answer: dict[str, Any] = self.engine.evaluate_async(FETCH, url)
        return answer


def opened(name: str) -> Callable[[pytest.FixtureRequest], AbstractContextManager[Driver]]:
    @contextlib.contextmanager
    def driver(request: pytest.FixtureRequest) -> Iterator[Driver]:
        with open_engine(name, insecure_certs=True) as engine:
            yield _Engine(engine)

    return driver


#: The engines measured in CI, by their COOKIE_ENGINES name: each driver is given the
#: test's fixture request, to use the fixtures it needs.
DRIVERS: dict[str, Callable[[pytest.FixtureRequest], AbstractContextManager[Driver]]] = {
    "chromium": chromium,
    "firefox": opened("firefox"),
    "webkit": opened("webkit"),
}

# name -> (the page, the API), in Chromium and Firefox (which map every name to 127.0.0.1)
SCENARIOS = {
    "cross-site https": (End("https", "app.example.org"), End("https", "api.example.com")),
    "cross-site http": (End("http", "app.example.org"), End("http", "api.example.com")),
    "same-site https": (End("https", "app.example.com"), End("https", "api.example.com")),
    "same-site http": (End("http", "app.example.com"), End("http", "api.example.com")),
    "localhost to 127.0.0.1": (End("http", "localhost"), End("http", "127.0.0.1")),
    "same origin localhost": (End("http", "localhost"), End("http", "localhost")),
    "http page, https API": (End("http", "app.example.com"), End("https", "api.example.com")),
    # one site by the public suffix list's implicit rule, resolved by every engine
    "same-site under .localhost": (
        End("https", "app.site.localhost"),
        End("https", "api.site.localhost"),
    ),
}
# WebKit reaches only loopback names: the same relation of page and API between them.
WEBKIT = {
    "cross-site https": (End("https", "localhost"), End("https", "127.0.0.1")),
    "cross-site http": (End("http", "127.0.0.1"), End("http", "localhost")),
    "same-site https": (End("https", "localhost"), End("https", "localhost", other=True)),
    "same-site http": (End("http", "localhost"), End("http", "localhost", other=True)),
    "http page, https API": (End("http", "localhost"), End("https", "localhost")),
}
# (the page, the API, a third site's page)
THIRD_SITE = {
    "webkit": (End("https", "localhost"), End("https", "127.0.0.1"), End("https", "app.localhost")),
}
THIRD_SITE_DEFAULT = (
    End("https", "app.example.org"),
    End("https", "api.example.com"),
    End("https", "www.example.net"),
)
TAGS = iter(range(1 << 30))  # each scenario's cookies are named apart


@pytest.fixture(scope="module")
def driver(request: pytest.FixtureRequest) -> Iterator[Driver]:
    """The engine named by the test's parameter: one browser per engine for the module."""
    with DRIVERS[request.param](request) as opened_driver:
        yield opened_driver


def set_url(origin: str, tag: int) -> str:
    lines = [f"{name}-{tag}{line[len(name) :]}" for name, line in COOKIES.items()]
    return f"{origin}/set?" + "&".join(f"c={urllib.parse.quote(line)}" for line in lines)


def sent(answer: dict[str, Any], tag: int) -> set[str]:
    """The names of this scenario's cookies that came back."""
    names = [pair.split("=", 1)[0] for pair in answer["cookie"].split("; ") if pair]
    return {name.removesuffix(f"-{tag}") for name in names if name.endswith(f"-{tag}")}


def expected(engine: str, api: End, page: str, site: str | None, kept: tuple[str, ...]) -> set[str]:
    """The cookies the rules say come back: every one not reported, or reported with an
    outcome in ``kept`` for this engine."""
    request = CookieRequest(page, api.scheme, api.host, site)
    reports = {r.name: r for r in cookie_reports(COOKIES.values(), request)}
    return {n for n in COOKIES if n not in reports or reports[n].fates[engine].outcome in kept}


def relation(page: str, api: End, site: str | None) -> tuple[bool, bool]:
    """(the same site, the same scheme) for the rules, as the browser's header says."""
    found = _relation(CookieRequest(page, api.scheme, api.host, site))
    return found.same_site, found.same_scheme


@pytest.mark.parametrize("name", list(SCENARIOS))
@pytest.mark.parametrize("driver", list(DRIVERS), indirect=True)
def test_the_cookies_that_come_back_are_those_the_rules_predict(
    request: pytest.FixtureRequest, driver: Driver, servers: Servers, name: str
) -> None:
    engine_name = request.node.callspec.params["driver"]
    page, api = (WEBKIT if engine_name == "webkit" else SCENARIOS).get(name, SCENARIOS[name])
    page_origin, api_origin, tag = servers.origin(page), servers.origin(api), next(TAGS)
    driver.fresh()
    driver.open(f"{page_origin}/page")
    site = driver.fetch(set_url(api_origin, tag))["site"]
    came_back = sent(driver.fetch(f"{api_origin}/echo"), tag)
    rules = expected(engine_name, api, page_origin, site, ("sent", "partitioned"))
    assert came_back == rules, (engine_name, page_origin, api_origin, site)
    # WebKit's pair is related as the scenario's own pair is (same site? same scheme?).
    named = SCENARIOS[name]
    assert relation(servers.origin(named[0]), named[1], None) == relation(page_origin, api, site)


@pytest.mark.parametrize("driver", list(DRIVERS), indirect=True)
def test_a_partitioned_cookie_does_not_come_back_from_a_third_site(
    request: pytest.FixtureRequest, driver: Driver, servers: Servers
) -> None:
    engine_name = request.node.callspec.params["driver"]
    page, api, third = (
        servers.origin(end) for end in THIRD_SITE.get(engine_name, THIRD_SITE_DEFAULT)
    )
    api_end, tag = THIRD_SITE.get(engine_name, THIRD_SITE_DEFAULT)[1], next(TAGS)
    driver.fresh()
    driver.open(f"{page}/page")
    site = driver.fetch(set_url(api, tag))["site"]
    assert site == "cross-site"
    from_page = sent(driver.fetch(f"{api}/echo"), tag)
    driver.open(f"{third}/page")
    from_third = sent(driver.fetch(f"{api}/echo"), tag)
    partitioned = expected(engine_name, api_end, page, site, ("partitioned",)) - expected(
        engine_name, api_end, page, site, ()
    )
    # Chromium and Firefox keep the Partitioned cookie per site; WebKit keeps none.
    assert ("partitioned" in partitioned) == COOKIE_ENGINES[engine_name].partitioned_attribute
    assert from_page == expected(engine_name, api_end, page, site, ("sent", "partitioned"))
    assert from_third == from_page - partitioned  # ...and not to another site's page
