"""MiniBrowser (WebKitGTK) through WebKitWebDriver (W3C WebDriver, spoken with httpx),
on a private Xvfb display."""

from __future__ import annotations

import base64
import json
import os
import subprocess
from typing import Any

import httpx

from tests.servers import free_port, stop, wait_until_up

from . import base
from .base import TIMEOUT, WRAPPED, Engine, EngineError

SCREEN = ("-screen", "0", "1280x800x24")
NO_PROXY = ["localhost", "*.localhost", "127.0.0.1"]  # the names the system resolves
# Page scripts over WebDriver's execute/async: the last argument is the callback.
_WEBDRIVER_ASYNC = """
const done = arguments[arguments.length - 1];
({wrapped})(arguments[0]).then(done, (error) => done(JSON.stringify({thrown: String(error)})));
"""


class WebKit(Engine):
    """MiniBrowser (WebKitGTK) through WebKitWebDriver, on a private Xvfb display."""

    name = "webkit"

    def __init__(self, *, insecure_certs: bool = False, proxy: str | None = None) -> None:
        """``insecure_certs``: accept any https certificate. ``proxy``: ``host:port`` of an
        HTTP proxy for every host but ``localhost``, its subdomains and ``127.0.0.1``
        (tests/engines/proxy.py: how WebKit, which resolves names through the system
        alone, reaches other names on loopback); None: none."""
        base.require("webkit", base.WEBKIT_DRIVER, base.MINIBROWSER, base.XVFB)
        try:
            self._start(insecure_certs, proxy)
        except httpx.TimeoutException:
            # Measured on a shared 2-core machine: about one start in 25 hangs there
            # (WebKitWebDriver never answers POST /session); a new driver and MiniBrowser
            # always answered. The failed start has stopped its own processes.
            self._start(insecure_certs, proxy)

    def _start(self, insecure_certs: bool, proxy: str | None) -> None:
        """Xvfb, WebKitWebDriver and a session (MiniBrowser); all stopped on a failure."""
        self._processes: list[subprocess.Popen[bytes]] = []
        self._session = ""
        try:
            display = self._start_xvfb()
            port = free_port()
            driver = subprocess.Popen(
                [base.WEBKIT_DRIVER, f"--port={port}", "--host=127.0.0.1"],
                env={**os.environ, "DISPLAY": f":{display}"},
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            self._processes.append(driver)
            self._http = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=TIMEOUT)
            wait_until_up(driver, "WebKitWebDriver", self._status)
            options = {"binary": base.MINIBROWSER, "args": ["--automation"]}
            always: dict[str, Any] = {
                "webkitgtk:browserOptions": options,
                "acceptInsecureCerts": insecure_certs,
            }
            if proxy is not None:
                always["proxy"] = {"proxyType": "manual", "httpProxy": proxy, "noProxy": NO_PROXY}
            capabilities = {"alwaysMatch": always}
            session = self._call("POST", "/session", {"capabilities": capabilities})
            self._session = f"/session/{session['sessionId']}"
            self.version = session["capabilities"]["browserVersion"]
        except BaseException:
            self.close()
            raise

    def _start_xvfb(self) -> int:
        """A new X display; Xvfb picks a free number and writes it to a pipe (-displayfd)."""
        read, write = os.pipe()
        xvfb = subprocess.Popen(
            [base.XVFB, "-displayfd", str(write), "-nolisten", "tcp", *SCREEN],
            pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self._processes.append(xvfb)
        os.close(write)
        with os.fdopen(read) as numbers:
            number = numbers.readline().strip()
        if not number.isdigit():
            raise EngineError(f"Xvfb did not start (exit status {xvfb.poll()})")
        return int(number)

    def _status(self) -> bool:
        try:
            return self._http.get("/status").status_code == 200
        except httpx.TransportError:
            return False

    def _call(self, method: str, path: str, body: object = None) -> Any:
        response = self._http.request(method, path, json=body)
        value = response.json()["value"]
        if response.status_code != 200:
            raise EngineError(
                f"webkit: {method} {path}: {value.get('error')}: {value.get('message')}"
            )
        return value

    def goto(self, url: str) -> None:
        self._call("POST", f"{self._session}/url", {"url": url})

    def evaluate_async(self, js: str, arg: object = None) -> Any:
        script = _WEBDRIVER_ASYNC.replace("{wrapped}", WRAPPED.replace("{js}", js))
        raw = self._call(
            "POST", f"{self._session}/execute/async", {"script": script, "args": [json.dumps(arg)]}
        )
        result = json.loads(raw)
        if "thrown" in result:
            raise EngineError(f"webkit: the script threw: {result['thrown']}")
        return result.get("value")

    def cookies(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self._call("GET", f"{self._session}/cookie")
        return found

    def clear_cookies(self) -> None:
        self._call("DELETE", f"{self._session}/cookie")

    def screenshot(self) -> bytes:
        return base64.b64decode(self._call("GET", f"{self._session}/screenshot"))

    def close(self) -> None:
        try:
            if self._session:
                self._call("DELETE", self._session)
                self._session = ""
        finally:
            for process in reversed(self._processes):
                stop(process)
            if hasattr(self, "_http"):
                self._http.close()
