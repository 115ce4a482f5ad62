"""The Django app behind real servers on 127.0.0.1: gunicorn (WSGI) and uvicorn (ASGI).

Each server runs in a subprocess with ``tests.django.server_settings`` (a migrated
django-cors-headers configuration: CORS_* settings only), started and stopped by
the module-scoped ``server`` fixture. Requests go over real sockets with
``http.client``, so every header the client sees is what a browser would see.
"""

from __future__ import annotations

import http.client
import os
import queue
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.conformance import APP, EVIL
from tests.django.policies import ROOT

STARTUP_TIMEOUT = 30.0


@dataclass
class Server:
    name: str
    port: int

    def request(
        self, method: str, path: str, headers: dict[str, str] | None = None
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request(method, path, headers=headers or {})
            response = conn.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            conn.close()


def one(headers: list[tuple[str, str]], name: str) -> str | None:
    found = [v for k, v in headers if k.lower() == name.lower()]
    assert len(found) <= 1, f"{name} sent {len(found)} times: {found}"
    return found[0] if found else None


def _env() -> dict[str, str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "tests.django.server_settings",
    }
    env.pop("GUNICORN_CMD_ARGS", None)
    return env


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def _wait_until_answering(server: Server, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while True:
        assert process.poll() is None, f"{server.name} exited with {process.returncode}"
        try:
            if server.request("GET", "/items")[0] == 200:
                return
        except OSError:
            pass
        assert time.monotonic() < deadline, f"{server.name} did not answer in time"
        time.sleep(0.1)


def _gunicorn() -> Iterator[Server]:
    # The test binds the socket and hands it over (fd://): no free-port race.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    listener.set_inheritable(True)
    fd = listener.fileno()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"fd://{fd}",
        "--workers",
        "1",
        "--graceful-timeout",
        "2",
        "--log-level",
        "warning",
        "tests.django.wsgi_app:application",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=_env(), pass_fds=[fd])
    server = Server("gunicorn", listener.getsockname()[1])
    try:
        _wait_until_answering(server, process)
        yield server
    finally:
        _stop(process)
        listener.close()


def _uvicorn() -> Iterator[Server]:
    # Port 0: the kernel picks a free port, which uvicorn logs once it listens.
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--log-level",
        "info",
        "--no-access-log",
        "--lifespan",
        "off",
        "tests.django.asgi_app:application",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=_env(), stderr=subprocess.PIPE)
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert process.stderr is not None
        for line in iter(process.stderr.readline, b""):
            lines.put(line.decode(errors="replace"))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        port = None
        while port is None:
            assert process.poll() is None, f"uvicorn exited with {process.returncode}"
            remaining = deadline - time.monotonic()
            assert remaining > 0, "uvicorn did not start in time"
            try:
                found = re.search(
                    r"running on http://127\.0\.0\.1:(\d+)", lines.get(timeout=remaining)
                )
            except queue.Empty:
                continue
            port = int(found.group(1)) if found else None
        server = Server("uvicorn", port)
        _wait_until_answering(server, process)
        yield server
    finally:
        _stop(process)
        reader.join(timeout=5)


@pytest.fixture(scope="module", params=["gunicorn", "uvicorn"])
def server(request: pytest.FixtureRequest) -> Iterator[Server]:
    yield from (_gunicorn() if request.param == "gunicorn" else _uvicorn())


def test_preflight(server: Server) -> None:
    status, headers, body = server.request(
        "OPTIONS",
        "/items",
        {
            "Origin": APP,
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "content-type,x-token",
        },
    )
    assert status == 200
    assert body == b"OK"
    assert one(headers, "X-App") is None  # the view never saw it
    assert one(headers, "Access-Control-Allow-Origin") == APP
    assert one(headers, "Access-Control-Allow-Credentials") == "true"
    assert "PUT" in (one(headers, "Access-Control-Allow-Methods") or "")
    assert {"content-type", "x-token"} <= {
        h.strip() for h in (one(headers, "Access-Control-Allow-Headers") or "").split(",")
    }
    assert one(headers, "Access-Control-Max-Age") == "86400"  # django-cors-headers' default
    assert (
        one(headers, "Vary")
        == "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
    )


def test_credentialed_request(server: Server) -> None:
    status, headers, body = server.request(
        "GET", "/items", {"Origin": APP, "Cookie": "sessionid=abc"}
    )
    assert status == 200
    assert body == b"app"
    assert one(headers, "X-Cookies") == "sessionid"  # the cookie reached the view
    assert one(headers, "Access-Control-Allow-Origin") == APP
    assert one(headers, "Access-Control-Allow-Credentials") == "true"
    assert one(headers, "Access-Control-Expose-Headers") == "X-Total"
    assert one(headers, "Vary") == "Origin"


def test_refused_origin(server: Server) -> None:
    status, headers, body = server.request("GET", "/items", {"Origin": EVIL})
    assert status == 200  # the request is served; the browser keeps the answer from EVIL
    assert body == b"app"
    assert not [k for k, _ in headers if k.lower().startswith("access-control-")]
    assert one(headers, "Vary") == "Origin"
    status, headers, body = server.request(
        "OPTIONS", "/items", {"Origin": EVIL, "Access-Control-Request-Method": "PUT"}
    )
    assert status == 400
    assert body.startswith(b"CORS preflight refused: origin")
    assert not [k for k, _ in headers if k.lower().startswith("access-control-")]


def test_server_error_keeps_cors_headers(server: Server) -> None:
    status, headers, _ = server.request("GET", "/raise", {"Origin": APP})
    assert status == 500
    assert one(headers, "Access-Control-Allow-Origin") == APP
    assert one(headers, "Access-Control-Allow-Credentials") == "true"
