"""One harness for the tests that talk to real servers on 127.0.0.1.

Used by tests/wsgi/test_servers.py (werkzeug, gunicorn), tests/django/test_servers.py
(gunicorn, uvicorn), tests/asgi (uvicorn in a thread) and tests/e2e (the example
APIs). Every wait is bounded, and a server that does not come up fails the test
that needs it: it is never skipped.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT = 30.0  # seconds; generous: two cores are shared by the whole suite
STOP_TIMEOUT = 10.0

Headers = list[tuple[str, str]]


@dataclass
class Server:
    """A server answering HTTP on 127.0.0.1:``port``, spoken to with ``http.client``.

    ``http.client`` hides nothing: duplicated header lines and chunked bodies reach
    the test as the server sent them.
    """

    name: str
    port: int

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)

    def request(
        self,
        method: str,
        path: str,
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
    ) -> tuple[int, Headers, bytes]:
        """One request on a fresh connection: (status, header lines, body)."""
        conn = self.connection()
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            conn.close()


def values(headers: Headers, name: str) -> list[str]:
    """Every value of header ``name`` (case-insensitive), one per header line."""
    return [v for k, v in headers if k.lower() == name.lower()]


def one(headers: Headers, name: str) -> str | None:
    """The value of header ``name``, or None; fails if the line was sent more than once."""
    found = values(headers, name)
    assert len(found) <= 1, f"{name} sent {len(found)} times: {found}"
    return found[0] if found else None


def free_port() -> int:
    """A port nobody listens on right now (the kernel picks it), for a server that binds itself."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def bound_socket(*, inheritable: bool = False) -> socket.socket:
    """A socket listening on 127.0.0.1 at a port the kernel picked.

    Handed to the server (an fd for a subprocess, a socket object for a thread), so
    the port is free by construction: no race between finding a port and binding it.
    """
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # As uvicorn and gunicorn set it on sockets they bind themselves.
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    listener.set_inheritable(inheritable)
    return listener


def listening(port: int) -> bool:
    """Whether something accepts TCP connections on 127.0.0.1:``port``."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_until_up(
    process: subprocess.Popen[bytes],
    name: str,
    ready: Callable[[], bool],
    timeout: float = START_TIMEOUT,
    output: Callable[[], str] | None = None,
) -> None:
    """Poll ``ready()`` until it holds; fail if ``process`` exits first or time runs out.

    ``output()`` (the server's log, if the caller kept one) is added to the failure.
    """
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            log = f":\n{output()}" if output else ""
            raise AssertionError(f"{name} exited with {process.returncode} during start-up{log}")
        if ready():
            return
        if time.monotonic() > deadline:
            log = f":\n{output()}" if output else ""
            raise AssertionError(f"{name} did not come up within {timeout} s{log}")
        time.sleep(0.05)


def wait_until_answering(
    server: Server,
    process: subprocess.Popen[bytes],
    path: str,
    status: int = 200,
    timeout: float = START_TIMEOUT,
) -> None:
    """Wait until ``GET path`` answers ``status``: the worker is up, not just the socket."""

    def answering() -> bool:
        try:
            return server.request("GET", path)[0] == status
        except OSError:
            return False

    wait_until_up(process, server.name, answering, timeout)


def stop(
    process: subprocess.Popen[bytes],
    sig: signal.Signals = signal.SIGTERM,
    timeout: float = STOP_TIMEOUT,
) -> None:
    """Send ``sig`` (if still running), wait ``timeout``, then kill: never waits forever."""
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)


#: The ``python -m`` arguments of a server, given the fd of the socket it must serve on.
Command = Callable[[int], list[str]]


def gunicorn_command(app: str, *options: str) -> Command:
    """gunicorn with one worker serving ``app`` (``module:callable``); ``options`` add to it."""
    return lambda fd: [
        "gunicorn",
        "--bind",
        f"fd://{fd}",
        "--workers",
        "1",
        "--graceful-timeout",
        "2",
        "--log-level",
        "warning",
        *options,
        app,
    ]


def uvicorn_command(app: str, *options: str) -> Command:
    """uvicorn serving ``app`` (``module:callable``); ``options`` add to it."""
    return lambda fd: [
        "uvicorn",
        "--fd",
        str(fd),
        "--log-level",
        "warning",
        "--no-access-log",
        *options,
        app,
    ]


@contextlib.contextmanager
def subprocess_server(
    command: Command,
    ready_path: str,
    ready_status: int = 200,
    env: dict[str, str] | None = None,
) -> Iterator[Server]:
    """``python -m <command(fd)>`` serving on a socket bound here and handed over as ``fd``.

    Runs from the repository root with it on PYTHONPATH, so app specs like
    ``tests.wsgi.server_apps:application`` import; stopped (bounded) on exit.
    """
    listener = bound_socket(inheritable=True)
    fd = listener.fileno()
    arguments = command(fd)
    environment = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    environment.pop("GUNICORN_CMD_ARGS", None)  # a developer's own settings must not leak in
    process = subprocess.Popen(
        [sys.executable, "-m", *arguments], cwd=ROOT, env=environment, pass_fds=[fd]
    )
    server = Server(arguments[0], listener.getsockname()[1])  # "gunicorn", "uvicorn"
    try:
        # The socket already listens: the first right answer means the worker is up.
        wait_until_answering(server, process, ready_path, ready_status)
        yield server
    finally:
        stop(process)
        listener.close()
