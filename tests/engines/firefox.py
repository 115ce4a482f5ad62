"""Debian's Firefox ESR, headless, in WebDriver BiDi over one WebSocket (``websockets``)."""

from __future__ import annotations

import base64
import contextlib
import json
import queue
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from tests.servers import free_port, stop, wait_until_up

from . import base
from .base import FIREFOX_PREFS, TIMEOUT, WRAPPED, Engine, EngineError


class Firefox(Engine):
    """Debian's Firefox ESR, headless, spoken to in WebDriver BiDi over one WebSocket."""

    name = "firefox"

    def __init__(self, *, insecure_certs: bool = False) -> None:
        base.require("firefox", base.FIREFOX)
        self._profile = tempfile.mkdtemp(prefix="corecors-firefox-")
        prefs = "".join(f"user_pref({k!r}, {v!r});\n" for k, v in FIREFOX_PREFS.items())
        Path(self._profile, "user.js").write_text(prefs.replace("'", '"'))
        port = free_port()
        self._log = Path(self._profile, "firefox.log")
        with self._log.open("wb") as log:
            self.process = subprocess.Popen(
                [base.FIREFOX, "--headless", "--no-remote", "--profile", self._profile,
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
            capabilities = {"alwaysMatch": {"acceptInsecureCerts": True}} if insecure_certs else {}
            session = self.command("session.new", {"capabilities": capabilities})
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
                "functionDeclaration": WRAPPED.replace("{js}", js),
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
