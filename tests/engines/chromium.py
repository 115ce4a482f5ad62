"""Debian's Chromium through playwright (its CDP driver), one driver shared while in use.

Playwright's sync API runs an event loop in the calling thread while its driver is up:
a second ``sync_playwright()`` beside it fails, and so does any ``asyncio.run()`` in the
same thread. So the driver is started for the first user and stopped after the last
(:func:`launched_chromium` and :class:`Chromium` hold it), never left running.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from playwright.sync_api import Browser, ConsoleMessage, Playwright, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from . import base
from .base import CHROMIUM_ARGS, TIMEOUT, Engine, EngineError

_DRIVER: list[Playwright] = []  # the running driver, while it has users
_USERS = [0]


@contextlib.contextmanager
def _driver() -> Iterator[Playwright]:
    """The playwright driver, started for the first user and stopped after the last."""
    if not _DRIVER:
        _DRIVER.append(sync_playwright().start())
    _USERS[0] += 1
    try:
        yield _DRIVER[0]
    finally:
        _USERS[0] -= 1
        if _USERS[0] == 0:
            _DRIVER.pop().stop()


@contextlib.contextmanager
def launched_chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless, with the project's switches, closed on exit."""
    base.require("chromium", base.CHROMIUM)
    with _driver() as driver:
        browser = driver.chromium.launch(
            executable_path=base.CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


class Chromium(Engine):
    """Debian's Chromium through playwright; ``browser`` shares an already launched one
    (each Chromium engine has its own context: cookies and cache of its own)."""

    name = "chromium"

    def __init__(self, browser: Browser | None = None, *, insecure_certs: bool = False) -> None:
        self._exits = contextlib.ExitStack()
        try:
            self.browser = browser or self._exits.enter_context(launched_chromium())
            self.version = self.browser.version
            self.context = self.browser.new_context(
                viewport={"width": 1200, "height": 780}, ignore_https_errors=insecure_certs
            )
            self.page = self.context.new_page()
        except BaseException:
            self._exits.close()
            raise
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
        try:
            self.context.close()
        finally:
            self._exits.close()  # the browser and the driver, if this engine started them
