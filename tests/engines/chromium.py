"""Debian's Chromium through playwright (its CDP driver), one process-wide driver."""

from __future__ import annotations

import atexit
from typing import Any

from playwright.sync_api import Browser, ConsoleMessage, Playwright, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from . import base
from .base import CHROMIUM_ARGS, TIMEOUT, Engine, EngineError

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
    base.require("chromium", base.CHROMIUM)
    return playwright().chromium.launch(
        executable_path=base.CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )


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
