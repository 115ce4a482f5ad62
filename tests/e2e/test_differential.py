"""corecors.browser against headless Chromium, on every case of the fault server.

A page on http://127.0.0.1:PORT fetches each ``/case/<id>`` from http://localhost:PORT
(another origin). Chromium's reason for a failure is read through the DevTools
protocol (``Network.loadingFailed`` -> ``corsErrorStatus.corsError``); the same
exchange (the request the page made, the server's answers) goes to
``corecors.browser.check``. Outcome, error name, and the headers the script could
read agree on every case, except where Chromium departs from the Fetch standard: there
corecors follows the standard and the test asserts both behaviours explicitly.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, CDPSession, Page

from corecors.browser import BrowserRequest, Verdict
from corecors.browser._exchange import NetworkError, browser_url, run
from tests.browser.fault_server import CASES, CORRECT, FAULTS, Case, FaultServer, fault_server
from tests.servers import ROOT

DEBUGGING = " ".join((ROOT / "docs" / "debugging.md").read_text().split())

FETCH = """
async ([url, init]) => {
  try {
    const response = await fetch(url, init);
    await response.text();
    return {status: response.status, headers: [...response.headers.keys()]};
  } catch (error) {
    return {error: String(error)};
  }
}
"""
EVENT_TIMEOUT = 10.0  # seconds, for Chromium's loadingFailed event after fetch() rejected


class Chromium:
    """One tab on the fault server's page, with the Network domain's events recorded."""

    def __init__(self, page: Page, cdp: CDPSession) -> None:
        self.page = page
        self.urls: dict[str, tuple[str, str]] = {}  # requestId -> (method, url)
        self.failures: dict[str, dict[str, Any]] = {}  # requestId -> loadingFailed params
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.loadingFailed", self._failed)
        cdp.send("Network.enable")

    def _sent(self, params: dict[str, Any]) -> None:
        request = params["request"]
        self.urls[params["requestId"]] = (request["method"], request["url"])

    def _failed(self, params: dict[str, Any]) -> None:
        self.failures[params["requestId"]] = params

    def cors_error(self, url: str) -> str | None:
        """The corsError of the failed (non-preflight) request to ``url``, waiting for it."""
        deadline = time.monotonic() + EVENT_TIMEOUT
        while True:
            for request_id, failure in self.failures.items():
                _method, failed_url = self.urls.get(request_id, ("", ""))
                if failed_url == url and failure.get("type") != "Preflight":
                    status = failure.get("corsErrorStatus") or {}
                    error: str | None = status.get("corsError")
                    return error
            if time.monotonic() > deadline:
                raise AssertionError(f"no Network.loadingFailed for {url}: {self.failures}")
            self.page.wait_for_timeout(20)

    def fetch(self, url: str, case: Case) -> dict[str, Any]:
        init = {
            "method": case.method,
            "headers": case.headers,
            "credentials": "include" if case.credentials else "omit",
            "cache": "no-store",
        }
        if case.method == "POST":
            init["body"] = "{}"
        result: dict[str, Any] = self.page.evaluate(FETCH, [url, init])
        return result


@pytest.fixture(scope="module")
def faults() -> Iterator[FaultServer]:
    with fault_server() as server:
        yield server


@pytest.fixture(scope="module")
def chromium(browser: Browser, faults: FaultServer) -> Iterator[Chromium]:
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"http://127.0.0.1:{faults.port}/page")
    yield Chromium(page, context.new_cdp_session(page))
    context.close()


def _verdict(case: Case, faults: FaultServer) -> tuple[BrowserRequest, Verdict]:
    """corecors' verdict on the same exchange: the same request, sent to the same server."""
    request = BrowserRequest(
        f"http://127.0.0.1:{faults.port}",
        faults.url(case.id),
        case.method,
        case.headers,
        case.credentials,
    )
    return request, run(request, send=True).verdict


def test_the_fault_server_covers_enough_cases() -> None:
    assert len(FAULTS) >= 20
    assert len(CORRECT) >= 10
    assert len({case.error for case in FAULTS}) >= 15  # distinct Network.CorsError names
    kinds = {(case.credentials, case.preflight is not None) for case in CORRECT + FAULTS}
    assert kinds == {(False, False), (False, True), (True, False), (True, True)}
    summary = f"on {len(CASES)} server answers, {len(CORRECT)} right and {len(FAULTS)} deliberately"
    assert summary in DEBUGGING


@pytest.mark.parametrize("case_id", list(CASES))
def test_chromium_and_corecors_agree(case_id: str, chromium: Chromium, faults: FaultServer) -> None:
    case = CASES[case_id]
    url = faults.url(case.id)
    request, verdict = _verdict(case, faults)
    assert request.needs_preflight == (case.preflight is not None)

    result = chromium.fetch(url, case)
    chromium_error = chromium.cors_error(url) if "error" in result else None
    # The table's expectation comes from the Fetch standard; corecors must meet it.
    assert (verdict.allowed, verdict.error) == (case.allowed, case.error), verdict.explanation
    if case.deviation:
        # Chromium departs from the standard here (see the case's note); corecors
        # follows the standard, and says so in its explanation.
        assert "error" not in result, (result, case.deviation)  # Chromium allows it
        assert case.chromium_error is None
        assert not verdict.allowed  # corecors, as Fetch, blocks it
        assert "never covers Authorization" in verdict.explanation
        return
    assert ("error" not in result) == verdict.allowed, (result, verdict.explanation)
    assert chromium_error == verdict.error, (chromium_error, verdict.explanation)
    if verdict.allowed:
        assert result["status"] == case.actual[0]
        assert tuple(sorted(result["headers"])) == verdict.readable_headers


def test_redirect_limit_and_url_encoding_as_in_chromium(
    chromium: Chromium, faults: FaultServer
) -> None:
    # Fetch follows 20 redirects and fails the 21st: Chromium and corecors alike.
    page = f"http://127.0.0.1:{faults.port}"
    for hops, allowed in ((20, True), (21, False)):
        url = f"http://localhost:{faults.port}/hops/{hops}"
        result = chromium.page.evaluate(FETCH, [url, {"cache": "no-store"}])
        assert ("error" not in result) == allowed, result
        if allowed:
            assert run(BrowserRequest(page, url)).verdict.allowed
        else:
            with pytest.raises(NetworkError, match="more than 20 redirects"):
                run(BrowserRequest(page, url))
    # The URL goes out percent-encoded exactly as Chromium encodes it.
    raw = f"http://localhost:{faults.port}/café menu?q=ü x&r=\"'<>"
    chromium.page.evaluate(FETCH, [raw, {"cache": "no-store"}])
    deadline = time.monotonic() + EVENT_TIMEOUT
    while not (sent := [r.path for r in faults.received if r.path.startswith("/caf")]):
        assert time.monotonic() < deadline, "Chromium's request never arrived"
        time.sleep(0.02)
    assert browser_url(raw) == f"http://localhost:{faults.port}{sent[0]}"
