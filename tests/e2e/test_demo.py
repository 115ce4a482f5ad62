"""``make demo`` (``python -m examples.demo``): serves the page against the API, stops on Ctrl-C."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.servers import ROOT, START_TIMEOUT, STOP_TIMEOUT, free_port, listening, stop


def demo_command(framework: str, api_port: int, frontend_port: int) -> list[str]:
    # The Makefile's demo target, word for word.
    return [
        sys.executable,
        "-m",
        "examples.demo",
        "--framework",
        framework,
        "--api-port",
        str(api_port),
        "--frontend-port",
        str(frontend_port),
    ]


class Demo:
    def __init__(self, framework: str, log: Path) -> None:
        self.api_port = free_port()
        self.frontend_port = free_port()
        self.log_path = log
        self._log = log.open("wb")
        self.process = subprocess.Popen(
            demo_command(framework, self.api_port, self.frontend_port),
            cwd=ROOT,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for(self, text: str, timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"{text!r} not in the demo's output:\n{self.output()}")
            time.sleep(0.05)

    def close(self) -> None:
        stop(self.process, signal.SIGKILL)  # the test itself checks Ctrl-C; this only cleans up
        self._log.close()


@pytest.fixture(params=["fastapi", "flask", "django"])
def demo(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Demo]:
    running = Demo(request.param, tmp_path / "demo.log")
    yield running
    running.close()


def test_demo_serves_the_page_against_the_api_and_stops_on_ctrl_c(
    demo: Demo, browser: Browser
) -> None:
    demo.wait_for("Ctrl-C to stop.")
    front, api = f"http://localhost:{demo.frontend_port}", f"http://localhost:{demo.api_port}"
    assert f"front end  {front}" in demo.output()
    assert f"API        {api}" in demo.output()

    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(front + "/")  # no ?api=: the demo's config.js names the API
        assert page.locator("#api-origin").inner_text() == api
        page.fill("#create-form [name=id]", "7")
        page.click("#create-form button[type=submit]")
        page.wait_for_selector("#results li[data-status='201']", timeout=10_000)

        # From an origin the API does not allow: blocked, and the terminal says why.
        other = context.new_page()
        other.goto(f"http://127.0.0.1:{demo.frontend_port}/")
        other.click("#read-form button[type=submit]")
        other.wait_for_selector("#results li[data-status='blocked']", timeout=10_000)
        demo.wait_for(f"origin 'http://127.0.0.1:{demo.frontend_port}' is not allowed", 5)
    finally:
        context.close()

    demo.process.send_signal(signal.SIGINT)
    assert demo.process.wait(STOP_TIMEOUT + 5) == 0
    assert "stopping the demo" in demo.output()
    assert not listening(demo.api_port), "the API outlived the demo"
    assert not listening(demo.frontend_port), "the front end outlived the demo"


@pytest.mark.parametrize(
    ("which", "variable"), [("api", "API_PORT"), ("frontend", "FRONTEND_PORT")]
)
def test_demo_refuses_a_port_in_use_with_a_clear_message(which: str, variable: str) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        other = free_port()
        ports = (taken, other) if which == "api" else (other, taken)
        result = subprocess.run(
            demo_command("fastapi", *ports),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT,
            check=False,
        )
    assert result.returncode == 1
    assert f"port {taken} is already in use" in result.stderr
    assert f"make demo {variable}={taken + 1}" in result.stderr
    assert not listening(other), "nothing may be left running"
