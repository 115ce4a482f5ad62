"""``make demo``: the Items API on one origin, the front end on another, in the foreground.

    python -m examples.demo --framework fastapi --api-port 8000 --frontend-port 3000

The API runs in a subprocess (``examples.serve_api``) and logs every request and
every CORS refusal with its reason; the front end is served from this process.
Ctrl-C stops both.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from .frontend_server import FrontendServer
from .serve_api import FRAMEWORKS

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # listen on loopback only: the demo is not for the network
START_TIMEOUT = 30.0  # seconds; Django's first start on a busy machine is the slowest
STOP_TIMEOUT = 10.0


def port_taken(port: int) -> bool:
    """Whether something already listens on ``port`` where a browser would look for localhost.

    Both loopback addresses count: a dev server bound to ``localhost`` may be on
    ``::1`` only, and the browser would reach it instead of ours.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # Same options as the servers: a port in TIME_WAIT is free to reuse.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError:
            return True
    try:
        with socket.create_connection(("::1", port), timeout=0.2):
            return True
    except OSError:
        return False


def wait_until_listening(port: int, api: subprocess.Popen[bytes], timeout: float) -> str | None:
    """None once ``port`` accepts connections, else why not (the API exited or timed out)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        code = api.poll()
        if code is not None:
            return f"the API exited during start-up (exit code {code}); its output is above"
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return None
        except OSError:
            time.sleep(0.1)
    return f"the API did not listen on port {port} within {timeout:.0f} s"


def stop(api: subprocess.Popen[bytes]) -> None:
    """SIGINT first, as Ctrl-C would (servers shut down cleanly), then force."""
    if api.poll() is None:
        api.send_signal(signal.SIGINT)
        try:
            api.wait(STOP_TIMEOUT)
            return
        except subprocess.TimeoutExpired:
            api.kill()
    api.wait()


def banner(framework: str, frontend: str, api: str) -> str:
    return "\n".join(
        [
            "",
            f"corecors demo: the Items API in {framework}",
            f"  front end  {frontend}   <- open this in your browser",
            f"  API        {api}   allows the origin {frontend}, with credentials",
            "",
            "  Front end and API are on the same host but different ports: different",
            "  origins, so CORS applies; but the same site, so the browser still sends",
            "  the login cookie (across sites it would block it).",
            f"  Open {frontend.replace('localhost', '127.0.0.1')} to see a refused origin:",
            "  the log below says why each cross-origin request was refused.",
            "",
            "Ctrl-C to stop.",
            "",
        ]
    )


def interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    # Ctrl-C and SIGTERM both stop the demo cleanly, even when started from a
    # shell that ignores SIGINT in background jobs.
    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--framework", choices=FRAMEWORKS, default="fastapi")
    parser.add_argument("--api-port", type=int, default=8000)
    parser.add_argument("--frontend-port", type=int, default=3000)
    args = parser.parse_args(argv)

    if args.api_port == args.frontend_port:
        print(
            f"error: the API and the front end need two different ports (both are "
            f"{args.api_port}); e.g. make demo API_PORT=8000 FRONTEND_PORT=3000",
            file=sys.stderr,
        )
        return 2
    for port, what, variable in (
        (args.api_port, "the API", "API_PORT"),
        (args.frontend_port, "the front end", "FRONTEND_PORT"),
    ):
        if port_taken(port):
            print(
                f"error: port {port} is already in use, so {what} cannot listen on "
                f"http://localhost:{port}.\n"
                f"Stop what is using it (another demo still running?) or choose another "
                f"port: make demo {variable}={port + 1}",
                file=sys.stderr,
            )
            return 1

    frontend_origin = f"http://localhost:{args.frontend_port}"
    api_origin = f"http://localhost:{args.api_port}"
    command = [
        sys.executable,
        "-m",
        "examples.serve_api",
        f"--framework={args.framework}",
        f"--host={HOST}",
        f"--port={args.api_port}",
        f"--allow-origin={frontend_origin}",
    ]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    api = subprocess.Popen(command, cwd=ROOT, env=env)
    frontend: FrontendServer | None = None
    try:
        problem = wait_until_listening(args.api_port, api, START_TIMEOUT)
        if problem is not None:
            print(f"error: {problem}", file=sys.stderr)
            return 1
        try:
            frontend = FrontendServer(HOST, args.frontend_port, api_origin)
        except OSError as exc:
            print(
                f"error: the front end cannot listen on port {args.frontend_port} "
                f"({exc.strerror}); choose another: make demo FRONTEND_PORT=...",
                file=sys.stderr,
            )
            return 1
        frontend.start()
        print(banner(args.framework, frontend_origin, api_origin), flush=True)
        while api.poll() is None:
            time.sleep(0.2)
        print(f"error: the API stopped (exit code {api.returncode})", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nstopping the demo...", flush=True)
        return 0
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not abort the clean-up
        if frontend is not None:
            frontend.shutdown()
            frontend.server_close()
        stop(api)


if __name__ == "__main__":
    sys.exit(main())
