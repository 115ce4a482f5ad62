"""Every row of docs/debugging.md's Troubleshooting table, produced in headless Chromium.

For each row the test creates the situation (tests/e2e/troubleshooting_app.py, one
uvicorn server; ``flask run --debug`` for the debugger row), makes the page's fetch,
and checks what the row quotes: the console message (its first column) and every
log line it quotes (``CORS ... refused: ...``, the start-up lines), read from the
server's stderr; a row that says nothing is logged gets no refusal line. The quotes
are read from the page itself, so the table and the behaviour cannot drift apart.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage

from tests.docs import section
from tests.servers import (
    ROOT,
    Server,
    bound_socket,
    free_port,
    stop,
    uvicorn_command,
    wait_until_answering,
)

pytestmark = pytest.mark.browser

WAIT = 10.0  # seconds: the longest a console message or a log line may take to arrive


def rows() -> dict[str, tuple[str, str]]:
    """row id -> (the console message the row quotes, the row's explanation)."""
    found = {}
    for line in section("troubleshooting").splitlines():
        match = re.match(r'\| <!-- row: ([\w-]+) --> "([^"]+)"[^|]*\| (.*) \|$', line)
        if match:
            found[match.group(1)] = (match.group(2), match.group(3))
    return found


def log_quotes(explanation: str) -> list[str]:
    """The log lines a row quotes (code spans), as regexes: ``...`` stands for anything."""
    spans = re.findall(r"`([^`]+)`", explanation)
    lines = [
        span
        for span in spans
        if span.startswith(("CORS request refused", "CORS preflight refused", "CORSMiddleware is"))
        or span.endswith("[W001]")
    ]
    return [".*?".join(re.escape(part) for part in line.split("...")) for line in lines]


@dataclass
class Fetch:
    situation: str  # the mounted API (troubleshooting_app.SITUATIONS), or a full URL
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    credentials: bool = False


#: What each row's situation is: the page's fetches.
SITUATIONS = {
    "origin": [Fetch("strict")],
    "preflight": [
        Fetch("strict", "PUT"),
        Fetch("methods", "PUT"),
        Fetch("headers", "PUT", {"X-Token": "1"}),
    ],
    "authentication": [Fetch("authentication", "PUT", {"Authorization": "Bearer s3cret"})],
    "wildcard": [Fetch("wildcard", credentials=True)],
    "status": [Fetch("nopolicy", "PUT")],
    "redirect": [Fetch("redirect", "PUT")],
    "credentials": [Fetch("credentials", credentials=True)],
}

FETCH = """
async ([url, init]) => {
  try { const r = await fetch(url, init); return "status " + r.status; }
  catch (error) { return "failed: " + error.message; }
}
"""


@dataclass
class Running:
    server: Server
    log: Path
    process: subprocess.Popen[bytes]

    def text(self) -> str:
        return self.log.read_text(errors="replace")


@contextlib.contextmanager
def serve(
    arguments: list[str],
    log: Path,
    env: dict[str, str],
    ready: tuple[str, int],
    port: int,
    pass_fds: tuple[int, ...] = (),
) -> Iterator[Running]:
    """The server ``python -m arguments``, its output in ``log``, up once ``GET
    ready[0]`` answers ``ready[1]``; stopped (bounded) on exit."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", *arguments],
            cwd=ROOT,
            env=environment,
            pass_fds=pass_fds,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
        running = Running(Server(arguments[0], port), log, process)
        try:
            wait_until_answering(running.server, process, *ready)
            yield running
        finally:
            stop(process)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    listener = bound_socket(inheritable=True)
    port = listener.getsockname()[1]
    log = tmp_path_factory.mktemp("troubleshooting") / "uvicorn.log"
    arguments = uvicorn_command("tests.e2e.troubleshooting_app:app")(listener.fileno())
    env = {"CORECORS_PAGE_ORIGIN": f"http://localhost:{port}"}
    try:
        with serve(arguments, log, env, ("/page", 200), port, (listener.fileno(),)) as running:
            yield running
    finally:
        listener.close()


@pytest.fixture(scope="module")
def flask_debug(api: Running, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    port = free_port()
    log = tmp_path_factory.mktemp("troubleshooting") / "flask.log"
    arguments = [
        "flask",
        "--app",
        "tests.e2e.troubleshooting_flask",
        "run",
        "--debug",
        "--no-reload",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    env = {"CORECORS_PAGE_ORIGIN": f"http://localhost:{api.server.port}"}
    with serve(arguments, log, env, ("/boom", 500), port) as running:  # the debugger's page
        yield running


class Page:
    def __init__(self, browser: Browser, port: int) -> None:
        self.context = browser.new_context()
        self.page = self.context.new_page()
        self.console: list[str] = []
        self.page.on("console", self._record)
        self.page.goto(f"http://localhost:{port}/page")

    def _record(self, message: ConsoleMessage) -> None:
        self.console.append(message.text)

    def fetch(self, url: str, one: Fetch) -> str:
        init = {"method": one.method, "headers": one.headers}
        if one.credentials:
            init["credentials"] = "include"
        result: str = self.page.evaluate(FETCH, [url, init])
        return result


@pytest.fixture(scope="module")
def page(browser: Browser, api: Running) -> Iterator[Page]:
    opened = Page(browser, api.server.port)
    yield opened
    opened.context.close()


def until(condition: Callable[[], bool], what: str) -> None:
    """Wait (bounded) for ``condition()``: console messages and log lines arrive later."""
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def check_row(row: str, page: Page, server: Running, urls: list[tuple[str, Fetch]]) -> None:
    console_quote, explanation = rows()[row]
    before_console, before_log = len(page.console), len(server.text())
    for url, one in urls:
        outcome = page.fetch(url, one)
        assert outcome.startswith("failed"), f"{row}: {url} {outcome}"
        until(
            lambda url=url: any(url in m and console_quote in m for m in page.console),
            f"{row}: no console message {console_quote!r} for {url}: {page.console}",
        )
    messages = page.console[before_console:]
    quotes = log_quotes(explanation)
    for quote in quotes:
        until(
            lambda quote=quote: re.search(quote, server.text()) is not None,
            f"{row}: the log has no line {quote!r}:\n{server.text()}",
        )
    new_lines = server.text()[before_log:]
    refusals = re.findall(r"CORS (?:request|preflight) refused: .*", new_lines)
    if not any(q.startswith(("CORS\\ request", "CORS\\ preflight")) for q in quotes):
        assert refusals == [], f"{row} says nothing is logged for the request: {refusals}"
    if row == "preflight":  # "never causes MethodDisallowed... or HeaderDisallowed..."
        assert not [m for m in messages if "is not allowed by Access-Control-Allow" in m]


def test_the_table_has_a_test_for_every_row() -> None:
    assert sorted(rows()) == sorted([*SITUATIONS, "flask-debugger"])


@pytest.mark.parametrize("row", list(SITUATIONS))
def test_row(row: str, page: Page, api: Running) -> None:
    base = f"http://127.0.0.1:{api.server.port}"
    urls = [(f"{base}/{one.situation}/items", one) for one in SITUATIONS[row]]
    check_row(row, page, api, urls)


def test_flask_debugger_row(page: Page, flask_debug: Running) -> None:
    url = f"http://127.0.0.1:{flask_debug.server.port}/boom"
    check_row("flask-debugger", page, flask_debug, [(url, Fetch(url))])
    assert "ZeroDivisionError" in flask_debug.text()  # the traceback, on the terminal
