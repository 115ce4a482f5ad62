"""Fixtures: the browser engines, one front-end server, one API server per framework.

Everything is started by the fixtures on 127.0.0.1 and stopped by them. A missing
browser is a failure, never a skip: CI installs Debian's ``chromium``, ``firefox-esr``
and ``webkit2gtk-driver`` (tests/engines/ drives them).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser

from examples.frontend_server import FrontendServer
from tests.engines import ENGINES, Chromium, Engine, launched_chromium, open_engine

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
    with launched_chromium() as browser:  # tests/engines/: EngineMissing (a failure) if absent
        yield browser


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
    """One example API, allowing the page on localhost and on any subdomain of front.localhost
    (every engine resolves the names under localhost to loopback)."""
    framework, interface = SERVERS[request.param]
    origins = [f"http://localhost:{frontend_port}", f"http://*.front.localhost:{frontend_port}"]
    log = tmp_path_factory.mktemp("api") / f"{request.param}.log"
    server = ApiServer(framework, interface, origins, log)
    try:
        server.wait_until_ready()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="package", params=ENGINES)
def engine(request: pytest.FixtureRequest, browser: Browser) -> Iterator[Engine]:
    """Each engine in turn (tests/engines/); Chromium is the package's browser."""
    opened = Chromium(browser) if request.param == "chromium" else open_engine(request.param)
    yield opened
    opened.close()


class Pages:
    """The demo page at an origin, in the engine's one tab.

    ``open(host)`` navigates afresh; ``reset()`` (before every test) clears the cookies
    and the recorded console messages.
    """

    def __init__(self, engine: Engine, frontend_port: int, api: ApiServer) -> None:
        self.engine = engine
        self.frontend_port = frontend_port
        self.api = api

    def open(self, host: str = "localhost") -> Engine:
        self.engine.goto(f"http://{host}:{self.frontend_port}/?api={self.api.origin}")
        return self.engine

    def reset(self) -> None:
        self.engine.clear_cookies()


@pytest.fixture
def pages(engine: Engine, frontend_port: int, api: ApiServer) -> Pages:
    opened = Pages(engine, frontend_port, api)
    opened.reset()
    return opened


@pytest.fixture
def page(pages: Pages) -> Engine:
    """The demo page on its allowed origin, http://localhost:PORT, freshly loaded."""
    return pages.open()


@pytest.fixture
def new_id() -> Callable[[], int]:
    """Item ids unique within the run: every test of a framework shares its server."""
    return _ids.__next__


_ids = itertools.count(1000)
