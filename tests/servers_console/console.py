"""Start a server command in a project directory and read its console (bounded waits).

Servers with a reloader (``flask run --debug``, ``manage.py runserver``) run the
application in a child process: every command starts in its own session, and
stopping it signals the whole process group it leads (its own, by its id).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.servers import START_TIMEOUT, STOP_TIMEOUT, Server

# A developer's own settings must not leak into the servers.
_LEAKY = (
    "GUNICORN_CMD_ARGS",
    "FLASK_DEBUG",
    "FLASK_APP",
    "DJANGO_SETTINGS_MODULE",
    "WEB_CONCURRENCY",
)

#: Written into a request's Origin: never allowed by the projects.
EVIL = "https://evil.example.org"
#: The front end every project allows.
FRONT_END = "http://localhost:3000"


@dataclass
class Console:
    """One server command: its process and what it printed (stdout, stderr)."""

    name: str
    process: subprocess.Popen[bytes]
    out: Path
    err: Path
    port: int | None = None
    started: float = field(default_factory=time.monotonic)

    def stderr(self) -> str:
        return self.err.read_text(errors="replace")

    def text(self) -> str:
        """Everything printed, stdout then stderr."""
        return self.out.read_text(errors="replace") + self.stderr()

    def server(self) -> Server:
        assert self.port is not None
        return Server(self.name, self.port)

    def wait_exit(self, timeout: float = START_TIMEOUT) -> int:
        """The exit status; fails if the command still runs after ``timeout`` seconds."""
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(
                f"{self.name} still runs after {timeout} s:\n{self.text()}"
            ) from None

    def wait_for(self, text: str, timeout: float = START_TIMEOUT) -> None:
        """Wait until ``text`` was printed (stdout or stderr)."""
        self._until(lambda: text in self.text(), f"to print {text!r}", timeout, running=False)

    def wait_answering(self, path: str, timeout: float = START_TIMEOUT) -> None:
        """Wait until ``GET path`` is answered (any status): the server serves."""
        server = self.server()

        def answering() -> bool:
            try:
                server.request("GET", path)
            except OSError:
                return False
            return True

        self._until(answering, f"to answer GET {path}", timeout, running=True)

    def _until(self, done: Callable[[], bool], what: str, timeout: float, *, running: bool) -> None:
        deadline = time.monotonic() + timeout
        while not done():
            if running and self.process.poll() is not None:
                raise AssertionError(
                    f"{self.name} exited with {self.process.returncode}:\n{self.text()}"
                )
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{self.name} failed {what} within {timeout} s:\n{self.text()}"
                )
            time.sleep(0.1)


def start(
    name: str,
    arguments: list[str],
    project: Path,
    env: dict[str, str] | None = None,
    port: int | None = None,
    pass_fds: tuple[int, ...] = (),
) -> Console:
    """``python <arguments>`` in ``project`` (``["-m", "uvicorn", ...]`` or
    ``["manage.py", ...]``), in a new session, printing to files there."""
    environment = {k: v for k, v in os.environ.items() if k not in _LEAKY}
    # Prompt output on the console files; no other change to the servers' defaults.
    environment.update(PYTHONUNBUFFERED="1", PYTHONDONTWRITEBYTECODE="1", **(env or {}))
    if arguments[:2] == ["-m", "gunicorn"]:
        # gunicorn (27 here) opens a control socket at one path per user by default:
        # each test's own, so that gunicorns running side by side never share it.
        arguments = [
            *arguments[:2],
            "--control-socket",
            str(project / f"{name}.ctl"),
            *arguments[2:],
        ]
    out, err = project / f"{name}.out", project / f"{name}.err"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, *arguments],
            cwd=project,
            env=environment,
            stdout=stdout,
            stderr=stderr,
            pass_fds=pass_fds,
            start_new_session=True,
        )
    return Console(name, process, out, err, port)


def stop(console: Console) -> None:
    """SIGTERM to the process group the command leads, then SIGKILL: bounded."""
    process = console.process
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)  # the group of the process we started, by its id
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            continue
        # A reloader's child may outlive its parent for a moment: the group too.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        return


@contextlib.contextmanager
def started(consoles: list[Console]) -> Iterator[list[Console]]:
    """Stop every console on exit, also on failure."""
    try:
        yield consoles
    finally:
        for console in consoles:
            stop(console)
