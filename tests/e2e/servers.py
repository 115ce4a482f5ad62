"""Starting and stopping the example APIs as real servers, for the end-to-end tests."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.servers import ROOT, free_port, listening, stop, wait_until_up


class ApiServer:
    """``python -m examples.serve_api`` in a subprocess, its output in ``log_path``."""

    def __init__(self, framework: str, interface: str, origins: list[str], log_path: Path) -> None:
        self.framework = framework
        self.interface = interface
        self.port = free_port()
        # The page and the API share the host name "localhost", so they are the
        # same site and the SameSite=Lax login cookie travels with credentials.
        self.origin = f"http://localhost:{self.port}"
        self.log_path = log_path
        command = [
            sys.executable,
            "-m",
            "examples.serve_api",
            f"--framework={framework}",
            f"--interface={interface}",
            "--host=127.0.0.1",
            f"--port={self.port}",
            *(f"--allow-origin={origin}" for origin in origins),
        ]
        self._log = log_path.open("wb")
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT
        )

    def __repr__(self) -> str:
        return f"<{self.framework} ({self.interface}) on {self.origin}>"

    def wait_until_ready(self) -> None:
        # Listening is enough: an HTTP probe would add lines to the log the tests read.
        wait_until_up(self.process, repr(self), lambda: listening(self.port), output=self.log)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for_log(self, pattern: str, timeout: float = 5.0) -> str:
        """The first log line matching ``pattern`` (the server logs just after it answers)."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            for line in self.log().splitlines():
                if regex.search(line):
                    return line
            if time.monotonic() > deadline:
                raise AssertionError(f"no log line matches {pattern!r} in:\n{self.log()}")
            time.sleep(0.05)

    def stop(self) -> None:
        stop(self.process, signal.SIGINT)  # Ctrl-C: the example servers' own way out
        self._log.close()
