"""corecors.browser against Chromium, Firefox ESR and WebKitGTK, on every case of the fault server.

A page on http://127.0.0.1:PORT fetches each ``/case/<id>`` from http://localhost:PORT
(another origin) in each engine (tests/engines/). What the engine reports is read
where its driver shows it: Chromium's ``Network.CorsError`` name through the DevTools
protocol (``Network.loadingFailed`` -> ``corsErrorStatus.corsError``), Firefox's reason
from its console message (WebDriver BiDi ``log.entryAdded``); WebKit's driver reports
none. The same exchange goes to ``corecors.browser`` under the engine's profile: outcome,
error name (Chromium's) and the headers the script could read agree on every case, and
under the ``fetch`` profile the verdict is the case's own (the Fetch standard).

Each engine's outcome per case is recorded in tests/e2e/engine_verdicts.json (docs/engines.md
is generated from it); a change in an engine fails here. ``CORECORS_UPDATE_ENGINES=1``
rewrites the record from this run (then regenerate the page: tools/engines_doc.py).
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest

from corecors.browser import BrowserRequest, Report
from corecors.browser import reported as corecors_reported
from corecors.browser._exchange import NetworkError, browser_url, run
from tests.browser.fault_server import CASES, CORRECT, FAULTS, Case, FaultServer, fault_server
from tests.engines import ENGINES, Chromium, Engine, open_engine
from tests.servers import ROOT

pytestmark = pytest.mark.browser

DEBUGGING = " ".join((ROOT / "docs" / "debugging.md").read_text().split())
RECORD = ROOT / "tests" / "e2e" / "engine_verdicts.json"
UPDATE = os.environ.get("CORECORS_UPDATE_ENGINES") == "1"

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
CONSOLE_TIMEOUT = 3.0  # seconds, for Firefox's console message after fetch() rejected
_REASON = re.compile(r"\(Reason: (.*?)\)(?:\. Status code: ([^.]*))?\.?$")


class Observer:
    """One engine's tab on the fault server's page, and what the engine says of a failure."""

    def __init__(self, engine: Engine, port: int) -> None:
        self.engine = engine
        self.port = port
        self.urls: dict[str, tuple[str, str]] = {}  # requestId -> (method, url)
        self.failures: dict[str, dict[str, Any]] = {}  # requestId -> loadingFailed params
        if isinstance(engine, Chromium):
            cdp = engine.context.new_cdp_session(engine.page)
            cdp.on("Network.requestWillBeSent", self._sent)
            cdp.on("Network.loadingFailed", self._failed)
            cdp.send("Network.enable")

    def _sent(self, params: dict[str, Any]) -> None:
        request = params["request"]
        self.urls[params["requestId"]] = (request["method"], request["url"])

    def _failed(self, params: dict[str, Any]) -> None:
        self.failures[params["requestId"]] = params

    def reported(self, url: str) -> str | None:
        """What the engine reports for the failed fetch of ``url``: Chromium's corsError
        name, Firefox's console reason (ports written as PORT), None from WebKit."""
        if isinstance(self.engine, Chromium):
            return self._cors_error(url)
        if self.engine.name == "firefox":
            return self._console_reason(url)
        return None

    def _cors_error(self, url: str) -> str | None:
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
            self.engine.console()  # lets playwright deliver the events

    def _console_reason(self, url: str) -> str | None:
        deadline = time.monotonic() + CONSOLE_TIMEOUT
        this_url = re.compile(re.escape(url) + r"(?![\w/-])")  # not a longer case's URL
        while time.monotonic() < deadline:
            for message in self.engine.console() or ():
                found = _REASON.search(message)
                if this_url.search(message) and found:
                    return found.group(1).replace(str(self.port), "PORT")
            time.sleep(0.05)
        return None

    def fetch(self, url: str, case: Case) -> dict[str, Any]:
        init = {
            "method": case.method,
            "headers": case.headers,
            "credentials": "include" if case.credentials else "omit",
            "cache": "no-store",
        }
        if case.method == "POST":
            init["body"] = "{}"
        result: dict[str, Any] = self.engine.evaluate_async(FETCH, [url, init])
        return result


@pytest.fixture(scope="module")
def faults() -> Iterator[FaultServer]:
    with fault_server() as server:
        yield server


@pytest.fixture(scope="module")
def recorded() -> Iterator[dict[str, Any]]:
    """Every engine's outcomes as recorded; CORECORS_UPDATE_ENGINES=1 rewrites them."""
    record: dict[str, Any] = json.loads(RECORD.read_text())
    yield record
    if UPDATE:  # in the fault server's order, dropped cases gone
        record["cases"] = {case_id: record["cases"][case_id] for case_id in CASES}
        RECORD.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n")


@pytest.fixture(scope="module", params=ENGINES)
def observer(request: pytest.FixtureRequest, faults: FaultServer) -> Iterator[Observer]:
    with open_engine(request.param) as engine:
        engine.goto(f"http://127.0.0.1:{faults.port}/page")
        yield Observer(engine, faults.port)


def _report(case: Case, faults: FaultServer, browser: str) -> tuple[BrowserRequest, Report]:
    """corecors' report on the same exchange: the same request, sent to the same server."""
    request = BrowserRequest(
        f"http://127.0.0.1:{faults.port}",
        faults.url(case.id),
        case.method,
        case.headers,
        case.credentials,
    )
    return request, run(request, send=True, browser=browser)


def test_the_fault_server_covers_enough_cases() -> None:
    assert len(FAULTS) >= 20
    assert len(CORRECT) >= 10
    assert len({case.error for case in FAULTS}) >= 15  # distinct Network.CorsError names
    kinds = {(case.credentials, case.preflight is not None) for case in CORRECT + FAULTS}
    assert kinds == {(False, False), (False, True), (True, False), (True, True)}
    summary = f"on {len(CASES)} server answers, {len(CORRECT)} right and {len(FAULTS)} deliberately"
    assert summary in DEBUGGING


@pytest.mark.parametrize("case_id", list(CASES))
def test_each_engine_and_corecors_agree(
    case_id: str, observer: Observer, faults: FaultServer, recorded: dict[str, Any]
) -> None:
    case, engine = CASES[case_id], observer.engine.name
    url = faults.url(case.id)
    request, report = _report(case, faults, "fetch")
    standard = report.verdict
    assert request.needs_preflight == (case.preflight is not None)
    # The table's expectation comes from the Fetch standard; corecors must meet it.
    assert (standard.allowed, standard.error) == (case.allowed, case.error), standard.explanation

    result = observer.fetch(url, case)
    allowed = "error" not in result
    reported = None if allowed else observer.reported(url)
    _, report = _report(case, faults, engine)  # under the engine's profile
    verdict = report.verdict
    assert allowed == verdict.allowed, (engine, result, verdict.explanation)
    # What the engine's developer tools say: Chromium's error name, Firefox's reason.
    modelled = corecors_reported(report, engine)
    assert reported == (modelled and modelled.replace(str(faults.port), "PORT")), verdict.detail
    if verdict.allowed:
        assert result["status"] == case.actual[0]
        assert tuple(sorted(result["headers"])) == verdict.readable_headers
    if case.deviation:  # where the engines depart from the standard, the profile says so
        assert verdict.deviations == ("authorization_under_star",)

    observed = {"allowed": allowed, "reported": reported}
    cases = recorded.setdefault("cases", {})
    if UPDATE:
        recorded.setdefault("engines", {})[engine] = observer.engine.version
        cases.setdefault(case_id, {})["fetch"] = {"allowed": case.allowed, "reported": case.error}
        cases[case_id][engine] = observed
    assert cases[case_id][engine] == observed, f"{engine} changed: CORECORS_UPDATE_ENGINES=1"


def test_redirect_limit_and_url_encoding_as_in_each_engine(
    observer: Observer, faults: FaultServer
) -> None:
    # Fetch follows 20 redirects and fails the 21st: every engine and corecors alike.
    page, engine = f"http://127.0.0.1:{faults.port}", observer.engine
    for hops, allowed in ((20, True), (21, False)):
        url = f"http://localhost:{faults.port}/hops/{hops}"
        result = engine.evaluate_async(FETCH, [url, {"cache": "no-store"}])
        assert ("error" not in result) == allowed, (engine.name, result)
        if allowed:
            assert run(BrowserRequest(page, url)).verdict.allowed
        else:
            with pytest.raises(NetworkError, match="more than 20 redirects"):
                run(BrowserRequest(page, url))
    # The URL goes out percent-encoded exactly as the engine encodes it.
    raw = f"http://localhost:{faults.port}/café menu/{engine.name}?q=ü x&r=\"'<>"
    engine.evaluate_async(FETCH, [raw, {"cache": "no-store"}])
    deadline = time.monotonic() + EVENT_TIMEOUT
    mine = f"/{engine.name}?"
    while not (sent := [r.path for r in faults.received if mine in r.path]):
        assert time.monotonic() < deadline, f"{engine.name}'s request never arrived"
        time.sleep(0.02)
    assert browser_url(raw) == f"http://localhost:{faults.port}{sent[0]}"
