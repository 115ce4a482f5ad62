"""protect_writes in a real Chromium: forged writes get 403 and never run, real ones pass.

Four stacks on real servers (FastAPI on uvicorn, Flask on gunicorn, Django on
gunicorn and on uvicorn), each with ``protect_writes=True`` and a view that
counts its runs (``GET /count``). Attack pages come from a second server on
other host names: ``127.0.0.1`` (another site than ``localhost``), and
``evil.example.test`` / ``evil.plain.test``, subdomains of the API's own site.

Browsers send ``Sec-Fetch-Site`` only to potentially trustworthy URLs, so the
API is reached three ways: ``http://localhost`` (trustworthy: Fetch Metadata),
``http://api.example.test`` (made trustworthy with Chromium's
``--unsafely-treat-insecure-origin-as-secure``: a same-site ``Sec-Fetch-Site``),
and ``http://api.plain.test`` (plain http: no ``Sec-Fetch-Site``, the
``Origin``/``Host`` fallback). One browser per stack, one context.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from typing import NamedTuple

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from tests.engines import CHROMIUM, CHROMIUM_ARGS
from tests.servers import Server, subprocess_server

from .writes_harness import ATTACKS, STACKS, blank_pages

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def pages_port() -> Iterator[int]:
    with blank_pages() as port:
        yield port


class Stack(NamedTuple):
    name: str
    server: Server
    context: BrowserContext
    page: Page
    pages: int  # the attack and front-end pages' port

    def api(self, host: str) -> str:
        return f"http://{host}:{self.server.port}"

    def count(self) -> int:
        return int(self.server.request("GET", "/count")[2])


@pytest.fixture(scope="module", params=list(STACKS))
def stack(request: pytest.FixtureRequest, pages_port: int, browser: Browser) -> Iterator[Stack]:
    frontend = f"http://localhost:{pages_port}"
    with subprocess_server(
        STACKS[request.param], "/count", env={"WRITES_FRONTEND": frontend}
    ) as server:
        secure = f"http://api.example.test:{server.port},http://evil.example.test:{pages_port}"
        own = browser.browser_type.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                *(a for a in CHROMIUM_ARGS if not a.startswith("--host-resolver-rules")),
                "--host-resolver-rules=MAP *.example.test 127.0.0.1, MAP *.plain.test 127.0.0.1",
                f"--unsafely-treat-insecure-origin-as-secure={secure}",
            ],
        )
        try:
            context = own.new_context()
            yield Stack(request.param, server, context, context.new_page(), pages_port)
        finally:
            own.close()


# (name, the attacking page's host, the API's host, what the browser sends)
ROUTES = [
    ("cross-site, Sec-Fetch-Site", "127.0.0.1", "localhost"),
    ("same-site subdomain, Sec-Fetch-Site", "evil.example.test", "api.example.test"),
    ("same-site subdomain, Origin/Host", "evil.plain.test", "api.plain.test"),
    ("cross-site, Origin/Host", "127.0.0.1", "api.plain.test"),
]


@pytest.mark.parametrize("attack", list(ATTACKS))
@pytest.mark.parametrize(("route", "page_host", "api_host"), ROUTES, ids=[r[0] for r in ROUTES])
def test_forged_writes_get_403_and_never_run(
    stack: Stack, route: str, page_host: str, api_host: str, attack: str
) -> None:
    page = stack.page
    page.goto(f"http://{page_host}:{stack.pages}/attack")
    before = stack.count()
    url = f"{stack.api(api_host)}/write"
    with page.context.expect_event("response", lambda r: r.url == url, timeout=10_000) as info:
        page.evaluate(ATTACKS[attack], url)
    response = info.value
    if attack == "form POST":  # a navigation: let it end before the next test's
        page.wait_for_url(url)
    assert response.status == 403, (stack.name, route, attack)
    fetch_site = response.request.all_headers().get("sec-fetch-site")
    if route.endswith("Origin/Host"):
        assert fetch_site is None, fetch_site
    else:  # the relation the route is named after
        assert fetch_site == route.split(",")[0].split()[0], fetch_site
    assert stack.count() == before  # the view never ran


def test_the_front_ends_own_credentialed_put_passes(stack: Stack) -> None:
    page = stack.page
    page.goto(f"http://localhost:{stack.pages}/app")
    before = stack.count()
    status = page.evaluate(
        """url => fetch(url, {method: 'PUT', credentials: 'include',
            headers: {'content-type': 'application/json'}, body: '{}'}).then(r => r.status)""",
        f"{stack.api('localhost')}/write",
    )
    assert status == 200
    assert stack.count() == before + 1


@pytest.mark.parametrize("host", ["localhost", "api.plain.test"])
def test_a_same_origin_form_post_passes(stack: Stack, host: str) -> None:
    page = stack.page
    page.goto(f"{stack.api(host)}/page")
    before = stack.count()
    with page.expect_navigation() as navigation:
        page.click("button")
    assert navigation.value is not None
    assert navigation.value.status == 200
    assert stack.count() == before + 1


def test_a_top_level_navigation_from_another_site_passes(stack: Stack) -> None:
    page = stack.page
    page.goto(f"http://127.0.0.1:{stack.pages}/attack")
    with page.expect_navigation() as navigation:
        page.evaluate("url => { location.href = url }", f"{stack.api('localhost')}/count")
    assert navigation.value is not None
    assert navigation.value.status == 200


def test_a_client_that_is_no_browser_passes(stack: Stack) -> None:
    before = stack.count()
    request = urllib.request.Request(f"{stack.api('127.0.0.1')}/write", data=b"x=1", method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:  # no Origin, no Sec-Fetch-Site
        assert response.status == 200
    assert stack.count() == before + 1
