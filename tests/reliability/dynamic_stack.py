"""Four workers behind one port running docs/dynamic-origins.md's Redis recipe, as shown:
gunicorn (sync workers) with Flask, and ``uvicorn --workers 4`` with FastAPI. Each
answers ``/pid`` with its process id, so a client knows which worker answered.

Used by tests/reliability/test_dynamic_workers.py (changes reach every worker) and
test_dynamic_outage.py (the store killed under load).
"""

from __future__ import annotations

import contextlib
import http.client
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.recipes.blocks import write
from tests.servers import ROOT, free_port, stop, wait_until_up

WORKERS = 4
PRELUDE = "import os\n\nREDIS_URL = os.environ['REDIS_URL']\n"
ROUTES = {
    "flask": '\n\n@app.get("/pid")\ndef pid():\n    return str(os.getpid())\n',
    "fastapi": (
        "\n\nfrom fastapi.responses import PlainTextResponse\n\n\n"
        '@app.get("/pid")\nasync def pid():\n    return PlainTextResponse(str(os.getpid()))\n'
    ),
}
STACKS = ("flask-gunicorn", "fastapi-uvicorn")


@dataclass
class Workers:
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def get(self, origin: str) -> tuple[int, str | None]:
        """GET /pid with ``origin`` on a fresh connection: (worker pid, Allow-Origin)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request("GET", "/pid", headers={"Origin": origin})
            response = connection.getresponse()
            body = response.read()
            assert response.status == 200, (response.status, body)
            return int(body), response.getheader("Access-Control-Allow-Origin")
        finally:
            connection.close()

    def rss_kib(self) -> int:
        """The summed VmRSS of the workers, in KiB (from /proc/PID/status)."""
        total = 0
        for pid in self.pids():
            status = Path(f"/proc/{pid}/status").read_text()
            total += sum(
                int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")
            )
        return total

    def pids(self) -> set[int]:
        """The worker processes now alive: the server's children, but multiprocessing's
        resource tracker (uvicorn starts its workers with multiprocessing)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        pids = set()
        for pid in children.read_text().split():
            with contextlib.suppress(OSError):  # gone meanwhile
                if b"resource_tracker" not in Path(f"/proc/{pid}/cmdline").read_bytes():
                    pids.add(int(pid))
        return pids


def _command(stack: str, port: int, directory: Path) -> list[str]:
    if stack == "flask-gunicorn":
        return [
            "gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(WORKERS),
            "--chdir",
            str(directory),
            "--log-level",
            "warning",
            "app:app",
        ]
    return [
        "uvicorn",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(WORKERS),
        "--app-dir",
        str(directory),
        "--log-level",
        "warning",
        "--no-access-log",
        "app:app",
    ]


@contextlib.contextmanager
def serve(stack: str, redis_url: str, directory: Path) -> Iterator[Workers]:
    """The recipe's app under ``stack`` with four workers; stopped (bounded) on exit."""
    framework = stack.split("-")[0]
    write("redis-store", directory / "redis_origins.py")
    write(f"redis-{framework}", directory / "app.py", PRELUDE)
    with (directory / "app.py").open("a") as app:
        app.write(ROUTES[framework])
    port = free_port()
    log = directory / "server.log"
    environment = {
        **os.environ,
        "REDIS_URL": redis_url,
        "PYTHONPATH": os.pathsep.join([str(directory), str(ROOT)]),
    }
    environment.pop("GUNICORN_CMD_ARGS", None)
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", *_command(stack, port, directory)],
            cwd=directory,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    workers = Workers(port, process, log)
    try:

        def every_worker_up() -> bool:
            try:
                return len(workers.pids()) == WORKERS and workers.get("")[0] > 0
            except (OSError, AssertionError):
                return False

        wait_until_up(process, stack, every_worker_up, output=lambda: log.read_text()[-3000:])
        time.sleep(0.5)  # the listener threads subscribe right after the import
        yield workers
    finally:
        stop(process)
