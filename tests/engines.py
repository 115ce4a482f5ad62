"""The three browser engines, headless on loopback, behind one small interface.

    with open_engine("firefox") as engine:
        engine.goto("http://127.0.0.1:8000/page")
        status = engine.evaluate_async("async (url) => (await fetch(url)).status", url)

``open_engine(name)`` starts the engine and returns an :class:`Engine`: ``goto(url)``
loads a page and waits for it, ``evaluate_async(js, arg)`` calls the JavaScript
function ``js`` (async or not) in the page with one JSON argument and returns its
result, JSON-decoded; ``console()``, ``cookies()``, ``clear_cookies()``,
``screenshot()`` and ``close()``. Every engine is Debian's own build, driven by its own
automation protocol, with no browser download:

- ``chromium``: ``/usr/bin/chromium`` through playwright (its CDP driver), as before.
- ``firefox``: ``/usr/bin/firefox-esr`` speaks WebDriver BiDi itself
  (``--remote-debugging-port``). Playwright's Firefox is a patched build (not Debian's),
  and selenium needs geckodriver, which Debian does not package; so BiDi is spoken
  directly over the ``websockets`` package (already a test dependency): a command is one
  JSON message, its answer carries the same id, events stream in between.
- ``webkit``: ``WebKitWebDriver`` (Debian's webkit2gtk-driver, W3C WebDriver over HTTP,
  spoken with httpx: five endpoints) runs MiniBrowser, which has no headless mode, on a
  private ``Xvfb`` display that this module starts and stops.

A missing engine raises :class:`EngineMissing` (tests fail on it, never skip). Host
names: Chromium maps ``*.example.test`` to 127.0.0.1 and Firefox maps every name there
(``network.dns.forceResolve``); WebKit resolves through the system only, so tests that
must run in all three use ``localhost``, its subdomains (``app.localhost``) and
``127.0.0.1``: three different origins on one machine, resolved alike everywhere.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Browser, ConsoleMessage, Playwright, sync_playwright
from playwright.sync_api import Error as PlaywrightError
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from tests.servers import free_port, stop, wait_until_up

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
_WRAPPED = "async (arg) => JSON.stringify({value: await ({js})(JSON.parse(arg))})"
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


def _require(name: str, *paths: str) -> None:
    for path in paths:
        if not Path(path).exists():
            raise EngineMissing(
                f"{name}: {path} is not installed (apt-get install {PACKAGES[name]}; "
                ".ci/run installs it). Browser tests never skip."
            )


_PLAYWRIGHT: list[Playwright] = []


def playwright() -> Playwright:
    """The process's one playwright driver (a second sync_playwright() in the same thread
    fails), started on first use and stopped when the process exits."""
    if not _PLAYWRIGHT:
        _PLAYWRIGHT.append(sync_playwright().start())
        atexit.register(_PLAYWRIGHT[0].stop)
    return _PLAYWRIGHT[0]


def launch_chromium() -> Browser:
    """Debian's Chromium, headless, with the project's switches; the caller closes it."""
    _require("chromium", CHROMIUM)
    return playwright().chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


class Chromium(Engine):
    """Debian's Chromium through playwright; ``browser`` shares an already launched one
    (each Chromium engine has its own context: cookies and cache of its own)."""

    name = "chromium"

    def __init__(self, browser: Browser | None = None) -> None:
        self._own = browser is None
        self.browser = browser or launch_chromium()
        self.version = self.browser.version
        self.context = self.browser.new_context(viewport={"width": 1200, "height": 780})
        self.page = self.context.new_page()
        self._console: list[str] = []
        self.page.on("console", self._record)

    def _record(self, message: ConsoleMessage) -> None:
        self._console.append(message.text)

    def goto(self, url: str) -> None:
        self.page.goto(url, timeout=TIMEOUT * 1000)

    def evaluate_async(self, js: str, arg: object = None) -> Any:
        try:
            return self.page.evaluate(js, arg)
        except PlaywrightError as exc:
            raise EngineError(f"chromium: the script threw: {exc.message}") from None

    def console(self) -> list[str]:
        self.page.wait_for_timeout(50)  # playwright delivers events while it is called
        return list(self._console)

    def cookies(self) -> list[dict[str, Any]]:
        return [dict(cookie) for cookie in self.context.cookies(self.page.url)]

    def clear_cookies(self) -> None:
        self.context.clear_cookies()
        self._console.clear()

    def screenshot(self) -> bytes:
        return self.page.screenshot(full_page=True)

    def close(self) -> None:
        self.context.close()
        if self._own:
            self.browser.close()


class Firefox(Engine):
    """Debian's Firefox ESR, headless, spoken to in WebDriver BiDi over one WebSocket."""

    name = "firefox"

    def __init__(self) -> None:
        _require("firefox", FIREFOX)
        self._profile = tempfile.mkdtemp(prefix="corecors-firefox-")
        prefs = "".join(f"user_pref({k!r}, {v!r});\n" for k, v in FIREFOX_PREFS.items())
        Path(self._profile, "user.js").write_text(prefs.replace("'", '"'))
        port = free_port()
        self._log = Path(self._profile, "firefox.log")
        with self._log.open("wb") as log:
            self.process = subprocess.Popen(
                [FIREFOX, "--headless", "--no-remote", "--profile", self._profile,
                 f"--remote-debugging-port={port}"],
                stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        self._ids = iter(range(1, 1 << 62))
        self._answers: dict[int, queue.Queue[dict[str, Any]]] = {}
        self._events: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._exits = contextlib.ExitStack()
        try:
            wait_until_up(self.process, "firefox", self._listening, output=self._output)
            self._socket: ClientConnection = self._exits.enter_context(
                connect(f"ws://127.0.0.1:{port}/session", max_size=None, open_timeout=TIMEOUT)
            )
            threading.Thread(target=self._read, name="bidi", daemon=True).start()
            session = self.command("session.new", {"capabilities": {}})
            self.version = session["capabilities"]["browserVersion"]
            tree = self.command("browsingContext.getTree", {"maxDepth": 0})
            self.context = tree["contexts"][0]["context"]
            self.command("session.subscribe", {"events": ["log.entryAdded"]})
        except BaseException:
            self.close()
            raise

    def _output(self) -> str:
        return self._log.read_text(errors="replace")

    def _listening(self) -> bool:
        return "WebDriver BiDi listening on" in self._output()

    def _read(self) -> None:
        """Route each message: answers to the waiting command, events to the list."""
        with contextlib.suppress(ConnectionClosed):
            for raw in self._socket:
                self._route(json.loads(raw))

    def _route(self, message: dict[str, Any]) -> None:
        if message.get("type") == "event":
            with self._lock:
                self._events.append(message)
        elif message.get("id") in self._answers:
            self._answers[message["id"]].put(message)

    def command(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """Send one BiDi command and return its result; raises EngineError on an error."""
        command_id = next(self._ids)
        answer: queue.Queue[dict[str, Any]] = queue.Queue(1)
        self._answers[command_id] = answer
        self._socket.send(json.dumps({"id": command_id, "method": method, "params": params}))
        try:
            message = answer.get(timeout=TIMEOUT)
        except queue.Empty:
            raise EngineError(f"firefox: no answer to {method} within {TIMEOUT} s") from None
        finally:
            del self._answers[command_id]
        if message.get("type") != "success":
            raise EngineError(
                f"firefox: {method}: {message.get('error')}: {message.get('message')}"
            )
        result: dict[str, Any] = message["result"]
        return result

    def events(self, method: str) -> list[dict[str, Any]]:
        """The params of every event named ``method`` received so far."""
        with self._lock:
            return [e["params"] for e in self._events if e["method"] == method]

    def goto(self, url: str) -> None:
        params = {"context": self.context, "url": url, "wait": "complete"}
        self.command("browsingContext.navigate", params)

    def evaluate_async(self, js: str, arg: object = None) -> Any:
        result = self.command(
            "script.callFunction",
            {
                "functionDeclaration": _WRAPPED.replace("{js}", js),
                "arguments": [{"type": "string", "value": json.dumps(arg)}],
                "awaitPromise": True,
                "target": {"context": self.context},
            },
        )
        if result["type"] == "exception":
            raise EngineError(f"firefox: the script threw: {result['exceptionDetails']['text']}")
        return json.loads(result["result"]["value"]).get("value")

    def console(self) -> list[str]:
        return [entry["text"] for entry in self.events("log.entryAdded")]

    def cookies(self) -> list[dict[str, Any]]:
        partition = {"type": "context", "context": self.context}
        found = self.command("storage.getCookies", {"partition": partition})["cookies"]
        host = self.evaluate_async("() => location.hostname")
        mine = [c for c in found if f".{host}".endswith("." + c["domain"].lstrip("."))]
        return [{**c, "value": c["value"]["value"]} for c in mine]

    def clear_cookies(self) -> None:
        self.command("storage.deleteCookies", {})
        with self._lock:
            self._events.clear()

    def screenshot(self) -> bytes:
        shot = self.command("browsingContext.captureScreenshot", {"context": self.context})
        return base64.b64decode(shot["data"])

    def close(self) -> None:
        try:
            if hasattr(self, "_socket"):
                with contextlib.suppress(EngineError):  # it may hang up before it answers
                    self.command("browser.close", {})
                self._exits.close()
        finally:
            stop(self.process)  # SIGTERM, then SIGKILL after the stop timeout
            shutil.rmtree(self._profile, ignore_errors=True)


# Page scripts over WebDriver's execute/async: the last argument is the callback.
_WEBDRIVER_ASYNC = """
const done = arguments[arguments.length - 1];
({wrapped})(arguments[0]).then(done, (error) => done(JSON.stringify({thrown: String(error)})));
"""


class WebKit(Engine):
    """MiniBrowser (WebKitGTK) through WebKitWebDriver, on a private Xvfb display."""

    name = "webkit"

    def __init__(self) -> None:
        _require("webkit", WEBKIT_DRIVER, MINIBROWSER, XVFB)
        self._processes: list[subprocess.Popen[bytes]] = []
        self._session = ""
        try:
            display = self._start_xvfb()
            port = free_port()
            driver = subprocess.Popen(
                [WEBKIT_DRIVER, f"--port={port}", "--host=127.0.0.1"],
                env={**os.environ, "DISPLAY": f":{display}"},
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            self._processes.append(driver)
            self._http = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=TIMEOUT)
            wait_until_up(driver, "WebKitWebDriver", self._status)
            options = {"binary": MINIBROWSER, "args": ["--automation"]}
            capabilities = {"alwaysMatch": {"webkitgtk:browserOptions": options}}
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
            [XVFB, "-displayfd", str(write), "-nolisten", "tcp", "-screen", "0", "1280x800x24"],
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
        script = _WEBDRIVER_ASYNC.replace("{wrapped}", _WRAPPED.replace("{js}", js))
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


def open_engine(name: str) -> Engine:
    """Start the engine ``name`` (one of :data:`ENGINES`) with one blank tab. Raises
    EngineMissing when it is not installed; the caller closes it (``with`` or ``close()``)."""
    engines: dict[str, type[Engine]] = {"chromium": Chromium, "firefox": Firefox, "webkit": WebKit}
    if name not in engines:
        raise ValueError(f"no engine {name!r}: choose one of {', '.join(ENGINES)}")
    return engines[name]()
