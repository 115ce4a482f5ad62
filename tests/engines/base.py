"""What every engine shares: where Debian installs it, the interface, the errors.

The paths are read when an engine starts (``base.FIREFOX``...), so a test can point
one elsewhere to see the failure of a missing engine.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

ENGINES = ("chromium", "firefox", "webkit")
CHROMIUM = os.environ.get("CORECORS_CHROMIUM", "/usr/bin/chromium")
FIREFOX = os.environ.get("CORECORS_FIREFOX", "/usr/bin/firefox-esr")
WEBKIT_DRIVER = os.environ.get("CORECORS_WEBKIT_DRIVER", "/usr/bin/WebKitWebDriver")
MINIBROWSER = os.environ.get(
    "CORECORS_MINIBROWSER", "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser"
)
XVFB = os.environ.get("CORECORS_XVFB", "/usr/bin/Xvfb")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # app.example.test and example.test are two more origins on this machine (the port is kept).
    "--host-resolver-rules=MAP *.example.test 127.0.0.1, MAP example.test 127.0.0.1",
]
# Firefox's remote agent sets its recommended automation prefs itself (no updates, no
# telemetry, no first-run pages); this maps every host name to loopback.
FIREFOX_PREFS = {"network.dns.forceResolve": "127.0.0.1"}
TIMEOUT = 30.0  # seconds, for one page load or one script
# Calls js with its one argument, JSON in and out: the same in every protocol.
WRAPPED = "async (arg) => JSON.stringify({value: await ({js})(JSON.parse(arg))})"
PACKAGES = {"chromium": "chromium", "firefox": "firefox-esr", "webkit": "webkit2gtk-driver xvfb"}


class EngineMissing(AssertionError):
    """The engine is not installed: a failure, never a skip (``.ci/run`` installs it)."""


class EngineError(AssertionError):
    """The engine answered a command with an error (a script that threw, a failed load)."""


class Engine:
    """A headless browser with one tab. ``name``: chromium, firefox or webkit;
    ``version``: the engine's own version string."""

    name = ""
    version = ""

    def goto(self, url: str) -> None:
        """Load ``url`` in the tab and wait for its load event."""
        raise NotImplementedError

    def evaluate_async(self, js: str, arg: object = None) -> Any:
        """Call the JavaScript function ``js`` in the page with ``arg`` (JSON) and return
        what it returns (awaited if a promise), JSON-decoded; raises EngineError if it throws."""
        raise NotImplementedError

    def console(self) -> list[str] | None:
        """The page's console messages so far (the engine's CORS errors among them), or
        None for an engine whose driver does not report them (WebKit)."""
        return None

    def wait_for_console(self, text: str, timeout: float = 5.0) -> str:
        """The first console message containing ``text``, waiting up to ``timeout`` seconds
        (an engine logs a CORS error just after the script sees the failure)."""
        deadline = time.monotonic() + timeout
        while True:
            messages = self.console()
            if messages is None:
                raise EngineError(f"{self.name}: its driver does not report console messages")
            found = [m for m in messages if text in m]
            if found:
                return found[0]
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.name}: no console message has {text!r}: {messages}")
            time.sleep(0.05)

    def cookies(self) -> list[dict[str, Any]]:
        """The cookies the browser holds for the current page's host (each a dict with
        at least ``name``, ``value``, ``domain``)."""
        raise NotImplementedError

    def clear_cookies(self) -> None:
        raise NotImplementedError

    def screenshot(self) -> bytes:
        """The visible page as PNG bytes."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def require(name: str, *paths: str) -> None:
    for path in paths:
        if not Path(path).exists():
            raise EngineMissing(
                f"{name}: {path} is not installed (apt-get install {PACKAGES[name]}; "
                ".ci/run installs it). Browser tests never skip."
            )
