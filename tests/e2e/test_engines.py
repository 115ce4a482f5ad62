"""tests/engines: each engine starts, loads a page, runs scripts and is stopped.

The fault server's page on http://127.0.0.1:PORT is the page; http://localhost:PORT
is another origin on the same server. Nothing is skipped: an engine that is not
installed fails here first.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser.fault_server import FaultServer, fault_server
from tests.engines import ENGINES, EngineError, EngineMissing, base, open_engine

pytestmark = pytest.mark.browser

FETCH = "async (url) => { try { return (await fetch(url)).status } catch (e) { return 'blocked' } }"
# What each engine logs for a response without Access-Control-Allow-Origin; WebKit's
# driver reports no console messages.
CORS_CONSOLE = {
    "chromium": "has been blocked by CORS policy",
    "firefox": "Cross-Origin Request Blocked",
}


@pytest.fixture(scope="module")
def faults() -> Iterator[FaultServer]:
    with fault_server() as server:
        yield server


@pytest.mark.parametrize("name", ENGINES)
def test_each_engine_runs_page_scripts_and_sees_cors(name: str, faults: FaultServer) -> None:
    with open_engine(name) as engine:
        assert engine.name == name
        assert engine.version[:1].isdigit(), engine.version
        engine.goto(f"http://127.0.0.1:{faults.port}/page")
        assert engine.evaluate_async("() => location.origin") == f"http://127.0.0.1:{faults.port}"
        # One JSON argument in, the awaited result out.
        echoed = engine.evaluate_async("async (x) => [x.a, x.b, null]", {"a": 1, "b": "é"})
        assert echoed == [1, "é", None]
        assert engine.evaluate_async("() => undefined") is None
        with pytest.raises(EngineError, match="no such thing"):
            engine.evaluate_async("async () => { throw new Error('no such thing') }")

        assert engine.evaluate_async(FETCH, faults.url("ok-get")) == 200
        assert engine.evaluate_async(FETCH, faults.url("no-allow-origin")) == "blocked"
        if name in CORS_CONSOLE:
            assert faults.url("no-allow-origin") in engine.wait_for_console(CORS_CONSOLE[name])
        else:
            assert engine.console() is None

        engine.evaluate_async("() => { document.cookie = 'seen=1; SameSite=Lax' }")
        assert [(c["name"], c["value"]) for c in engine.cookies()] == [("seen", "1")]
        engine.clear_cookies()
        assert engine.cookies() == []
        assert engine.screenshot().startswith(b"\x89PNG\r\n\x1a\n")


def test_a_missing_engine_fails_with_the_package_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(base, "FIREFOX", "/nonexistent/firefox-esr")
    with pytest.raises(EngineMissing, match=r"apt-get install firefox-esr"):
        open_engine("firefox")
    monkeypatch.setattr(base, "XVFB", "/nonexistent/Xvfb")
    with pytest.raises(EngineMissing, match=r"apt-get install webkit2gtk-driver xvfb"):
        open_engine("webkit")
    with pytest.raises(ValueError, match="choose one of chromium, firefox, webkit"):
        open_engine("safari")
