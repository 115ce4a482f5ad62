"""Real stores for the recipes, started and stopped by the tests: Debian's
``redis-server`` and a throwaway PostgreSQL cluster (``initdb``/``pg_ctl``), each in
a temporary directory on a free loopback port. A missing server fails (never skips)."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.servers import free_port, listening, wait_until_up

STOP_TIMEOUT = 10.0


@dataclass
class Redis:
    port: int
    directory: Path
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def kill(self) -> None:
        """The outage: SIGKILL, as a crash (the data was saved by the caller)."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(STOP_TIMEOUT)

    def start(self) -> None:
        """(Re)start on the same port and directory: the saved data comes back."""
        self.process = subprocess.Popen(
            [
                _binary("redis-server"),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.directory),
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--loglevel",
                "warning",
            ],
            stdout=subprocess.DEVNULL,
        )
        wait_until_up(self.process, "redis-server", lambda: listening(self.port))


@contextlib.contextmanager
def redis_server() -> Iterator[Redis]:
    with tempfile.TemporaryDirectory(prefix="corecors-redis-") as directory:
        server = Redis(free_port(), Path(directory), None)  # type: ignore[arg-type]
        server.start()
        try:
            yield server
        finally:
            if server.process.poll() is None:
                server.process.terminate()
                try:
                    server.process.wait(STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    server.process.kill()


def _binary(name: str) -> str:
    found = shutil.which(name) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None
    )
    if found is None:
        raise AssertionError(f"{name} is not installed: .ci/run installs it (Debian package)")
    return found


def _as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its tools as the postgres user then."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """A throwaway cluster; yields its URL (user postgres, database postgres, trust auth)."""
    directory = tempfile.mkdtemp(prefix="corecors-pg-")
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres", "postgres")
    data = os.path.join(directory, "data")
    port = free_port()
    subprocess.run(
        _as_postgres([_binary("initdb"), "-D", data, "-A", "trust", "-U", "postgres"]),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    options = f"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off"
    pg_ctl = [_binary("pg_ctl"), "-D", data, "-w", "-t", "30"]
    subprocess.run(
        _as_postgres([*pg_ctl, "-o", options, "-l", os.path.join(directory, "log"), "start"]),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            _as_postgres([*pg_ctl, "-m", "immediate", "stop"]),
            check=False,
            stdout=subprocess.DEVNULL,
        )
        shutil.rmtree(directory, ignore_errors=True)
