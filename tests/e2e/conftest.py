"""Fixtures: one headless Chromium, one front-end server, one API server per framework.

Everything is started by the fixtures on 127.0.0.1 and stopped by them. A
missing browser is a failure, never a skip: CI installs Debian's ``chromium``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page

from examples.frontend_server import FrontendServer
from tests.engines import launch_chromium

from .servers import ApiServer

#: (framework, interface) of each API under test: the ids of the ``api`` fixture.
SERVERS = {
    "fastapi": ("fastapi", "asgi"),
    "flask": ("flask", "wsgi"),
    "django-wsgi": ("django", "wsgi"),
    "django-asgi": ("django", "asgi"),
}


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    browser = launch_chromium()  # tests/engines.py: EngineMissing (a failure) if absent
    yield browser
    browser.close()


@pytest.fixture(scope="package")
def frontend() -> Iterator[FrontendServer]:
    """The demo page on a free port; each test names its API with ``?api=``."""
    server = FrontendServer("127.0.0.1", 0, "http://localhost:1")
    server.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="package")
def frontend_port(frontend: FrontendServer) -> int:
    port: int = frontend.server_address[1]
    return port


@pytest.fixture(scope="package", params=list(SERVERS))
def api(
    request: pytest.FixtureRequest,
    frontend_port: int,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ApiServer]:
    """One example API, allowing the page on localhost and on any subdomain of example.test."""
    framework, interface = SERVERS[request.param]
    origins = [f"http://localhost:{frontend_port}", f"http://*.example.test:{frontend_port}"]
    log = tmp_path_factory.mktemp("api") / f"{request.param}.log"
    server = ApiServer(framework, interface, origins, log)
    try:
        server.wait_until_ready()
        yield server
    finally:
        server.stop()


class Pages:
    """The demo page at an origin, each origin in its own tab of one browser context per API.

    Opening a tab costs a renderer process (about half a second on a busy
    machine), so tabs are reused: ``open()`` navigates afresh, and ``reset()``
    (before every test) clears cookies and the recorded console messages.
    """

    def __init__(self, browser: Browser, frontend_port: int, api: ApiServer) -> None:
        self.context = browser.new_context(viewport={"width": 1200, "height": 780})
        self.frontend_port = frontend_port
        self.api = api
        self.tabs: dict[str, Page] = {}
        self.console: list[str] = []

    def open(self, host: str = "localhost") -> Page:
        page = self.tabs.get(host)
        if page is None:
            page = self.tabs[host] = self.context.new_page()
            page.on("console", self._record)
        page.goto(f"http://{host}:{self.frontend_port}/?api={self.api.origin}")
        return page

    def reset(self) -> None:
        self.context.clear_cookies()
        self.console.clear()

    def _record(self, message: ConsoleMessage) -> None:
        self.console.append(message.text)


@pytest.fixture(scope="package")
def browser_pages(browser: Browser, frontend_port: int, api: ApiServer) -> Iterator[Pages]:
    opened = Pages(browser, frontend_port, api)
    yield opened
    opened.context.close()


@pytest.fixture
def pages(browser_pages: Pages) -> Pages:
    browser_pages.reset()
    return browser_pages


@pytest.fixture
def page(pages: Pages) -> Page:
    """The demo page on its allowed origin, http://localhost:PORT, freshly loaded."""
    return pages.open()


@pytest.fixture
def new_id() -> Callable[[], int]:
    """Item ids unique within the run: every test of a framework shares its server."""
    return _ids.__next__


_ids = itertools.count(1000)
