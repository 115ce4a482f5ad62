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
To reach other names, WebKit takes a proxy (``WebKit(proxy=...)``) such as
:func:`loopback_proxy`, which sends every request to 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Callable

from .base import CHROMIUM, CHROMIUM_ARGS, ENGINES, Engine, EngineError, EngineMissing
from .chromium import Chromium, launched_chromium
from .firefox import Firefox
from .proxy import loopback_proxy
from .webkit import WebKit

__all__ = [
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "ENGINES",
    "Chromium",
    "Engine",
    "EngineError",
    "EngineMissing",
    "Firefox",
    "WebKit",
    "launched_chromium",
    "loopback_proxy",
    "open_engine",
]


def open_engine(name: str, *, insecure_certs: bool = False) -> Engine:
    """Start the engine ``name`` (one of :data:`ENGINES`) with one blank tab. Raises
    EngineMissing when it is not installed; the caller closes it (``with`` or ``close()``).
    ``insecure_certs``: accept any https certificate (a test CA's, trustme's)."""
    engines: dict[str, Callable[..., Engine]] = {
        "chromium": Chromium,
        "firefox": Firefox,
        "webkit": WebKit,
    }
    if name not in engines:
        raise ValueError(f"no engine {name!r}: choose one of {', '.join(ENGINES)}")
    return engines[name](insecure_certs=insecure_certs)
