"""Engine profiles (DESIGN §7.4): each engine's measured departures from Fetch, in the
model, ``corecors check --browser`` and its per-engine default, and ``corecors.testing``.

What each engine really does is measured in tests/e2e/test_differential.py (every
fault-server case in Chromium, Firefox ESR and WebKitGTK); here the profiles' rules.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest
from werkzeug.test import Client

from corecors.browser import (
    BROWSERS,
    DEVIATIONS,
    ENGINES,
    PROFILES,
    BrowserRequest,
    Profile,
    ServerResponse,
    check,
    check_preflight,
    profile,
    reported,
    run,
    run_engines,
)
from corecors.cli import main
from corecors.testing import assert_cors_allowed, assert_cors_blocked, cors_verdict
from tests.browser.fault_server import CASES, FaultServer, fault_server
from tests.servers import ROOT

PAGE = "https://app.example.com"
API = "https://api.example.com/items/1"
ACAO = ("Access-Control-Allow-Origin", PAGE)
STAR = ServerResponse(204, (ACAO, ("Access-Control-Allow-Headers", "*")))
AUTHORIZATION = {"Authorization": "Bearer t"}


def test_profiles_name_the_three_engines_and_the_standard() -> None:
    assert ENGINES == ("chromium", "firefox", "webkit")
    assert (*ENGINES, "fetch") == BROWSERS
    assert set(PROFILES) == set(BROWSERS)
    assert PROFILES["fetch"].deviations == frozenset()
    for name in ENGINES:
        assert PROFILES[name].deviations <= set(DEVIATIONS)
        assert profile(name) is PROFILES[name]
    assert profile(PROFILES["webkit"]) is PROFILES["webkit"]
    with pytest.raises(ValueError, match="'safari' is not one of chromium, firefox, webkit, fetch"):
        profile("safari")


@pytest.mark.parametrize("browser", BROWSERS)
def test_authorization_under_star_is_allowed_by_each_engine_and_blocked_by_fetch(
    browser: str,
) -> None:
    request = BrowserRequest(PAGE, API, headers={**AUTHORIZATION, "X-Other": "1"})
    verdict = check(request, STAR, browser=browser)
    engine = browser != "fetch"
    assert verdict.allowed is engine
    if engine:
        assert verdict.deviations == ("authorization_under_star",)
        assert verdict.explanation == (
            "allowed only because this engine departs from Fetch: it lets Authorization "
            "through under Access-Control-Allow-Headers: *, which Fetch forbids"
        )
    else:
        assert verdict.error == "HeaderDisallowedByPreflightResponse"
        assert "never covers Authorization" in verdict.explanation
    # With credentials '*' is no wildcard at all: every engine blocks, as Fetch does.
    credentialed = BrowserRequest(PAGE, API, headers=AUTHORIZATION, credentials=True)
    star = ServerResponse(204, (*STAR.header_list, ("Access-Control-Allow-Credentials", "true")))
    assert not check_preflight(credentialed, star, browser=browser).allowed
    # Named explicitly, Authorization passes everywhere, relying on no deviation.
    named = ServerResponse(204, (ACAO, ("Access-Control-Allow-Headers", "*, Authorization")))
    assert check_preflight(request, named, browser=browser).deviations == ()


def test_an_unknown_browser_is_refused_before_anything_is_judged_or_sent() -> None:
    request = BrowserRequest(PAGE, API, "PUT")
    with pytest.raises(ValueError, match="is not one of"):
        check_preflight(request, ServerResponse(301, (("Location", "/x"),)), browser="edge")
    sent: list[str] = []

    def transport(method: str, url: str, headers: object) -> tuple[ServerResponse, bytes]:
        sent.append(method)  # pragma: no cover - never reached
        raise AssertionError

    with pytest.raises(ValueError, match="is not one of"):
        run(request, transport=transport, browser="edge")
    assert sent == []


@pytest.fixture(scope="module")
def faults() -> Iterator[FaultServer]:
    with fault_server() as server:
        yield server


def test_run_engines_sends_each_request_once_and_keeps_each_engines_deviations(
    faults: FaultServer,
) -> None:
    url = faults.url("authorization-under-star")
    request = BrowserRequest(PAGE, url, headers=AUTHORIZATION)
    reports = run_engines(request)
    assert list(reports) == list(BROWSERS)
    assert not reports["fetch"].verdict.allowed
    assert [s.kind for s in reports["fetch"].steps] == ["preflight"]
    for name in ENGINES:
        verdict = reports[name].verdict
        assert (verdict.allowed, verdict.deviations) == (True, ("authorization_under_star",))
        assert verdict.checked == ("preflight", "actual")
    # One preflight and one GET went out, for four verdicts.
    assert [r.method for r in faults.requests_to("/case/authorization-under-star")] == [
        "OPTIONS",
        "GET",
    ]
    # A deviation that let a preflight through is not claimed by a blocked actual response.
    request = BrowserRequest(PAGE, faults.url("no-allow-origin"), headers=AUTHORIZATION)
    assert run(request, browser="chromium").verdict.deviations == ()


Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def corecors(capsys: pytest.CaptureFixture[str]) -> Run:
    def run_cli(*args: str) -> tuple[int, str, str]:
        try:
            status = main(list(args))
        except SystemExit as exc:
            status = int(exc.code or 0)
        out, err = capsys.readouterr()
        return status, out, err

    return run_cli


def test_check_shows_the_engines_side_by_side_when_they_differ(
    corecors: Run, faults: FaultServer
) -> None:
    url = faults.url("authorization-under-star")
    status, out, _ = corecors("check", url, "--origin", PAGE, "--header", "Authorization: t")
    assert status == 1  # blocked by one of them
    lines = out.splitlines()
    start = lines.index("The engines differ:")
    deviation = "ALLOWED (it lets Authorization through under Access-Control-Allow-Headers: *"
    assert lines[start + 1].startswith("  Chromium 156 ")
    assert lines[start + 1].endswith(deviation + ", which Fetch forbids)")
    assert lines[start + 2].startswith("  Firefox 153 ESR ")
    assert lines[start + 3].startswith("  WebKitGTK 2.50 ")
    assert lines[start + 4] == (
        "  the Fetch standard  BLOCKED: HeaderDisallowedByPreflightResponse (preflight response)"
    )
    assert "never covers Authorization" in lines[start + 5]
    assert lines[start + 6] == (
        "  Fix, so that every engine allows it: Add authorization to "
        "Access-Control-Allow-Headers on the preflight response."
    )
    assert not any(line.startswith("BLOCKED") for line in lines)  # no single verdict
    assert f"> GET {url}   (actual)" in out  # the engines that pass send the GET

    status, out, _ = corecors("check", faults.url("ok-get"), "--origin", PAGE)
    assert status == 0
    assert "ALLOWED: the browser lets the page read the response (status 200)." in out
    assert (
        "The same verdict in Chromium 156, Firefox 153 ESR, WebKitGTK 2.50 and the Fetch "
        "standard." in out
    )


def test_check_browser_judges_as_one_engine(corecors: Run, faults: FaultServer) -> None:
    url = faults.url("authorization-under-star")
    args = ("check", url, "--origin", PAGE, "--header", "Authorization: t")
    status, out, _ = corecors(*args, "--browser", "webkit")
    assert status == 0
    assert "ALLOWED: the browser lets the page read the response (status 200)." in out
    assert "  Note: allowed only because this engine departs from Fetch" in out
    assert "The same verdict" not in out
    assert "engines differ" not in out

    status, out, _ = corecors(*args, "--browser", "fetch")
    assert status == 1
    assert "BLOCKED: HeaderDisallowedByPreflightResponse (preflight response)" in out

    status, out, _ = corecors(*args, "--json")
    report = json.loads(out)
    assert (status, report["allowed"], report["error"]) == (
        1, False, "HeaderDisallowedByPreflightResponse",
    )  # fmt: skip
    assert list(report["engines"]) == list(BROWSERS)
    assert report["engines"]["firefox"] == {
        "allowed": True, "error": None, "failed_step": None, "detail": None, "fix": None,
        "deviations": ["authorization_under_star"], "reported": None,
    }  # fmt: skip
    assert report["engines"]["fetch"]["failed_step"] == "preflight"
    assert report["engines"]["fetch"]["reported"] == "HeaderDisallowedByPreflightResponse"

    status, out, _ = corecors(*args, "--json", "--browser", "chromium")
    report = json.loads(out)
    assert (status, report["allowed"], list(report["engines"])) == (0, True, ["chromium"])

    status, _, err = corecors(*args, "--browser", "safari")
    assert status == 2
    assert "invalid choice: 'safari'" in err


def _star_api(environ: dict[str, object], start_response: Callable[..., object]) -> list[bytes]:
    """A WSGI app granting any header with '*' (the Authorization trap)."""
    headers = [("Access-Control-Allow-Origin", PAGE), ("Content-Type", "text/plain")]
    if environ["REQUEST_METHOD"] == "OPTIONS":
        headers.append(("Access-Control-Allow-Headers", "*"))
    start_response("200 OK", headers)
    return [b"ok"]


def test_testing_takes_the_same_browser() -> None:
    client = Client(_star_api)
    kwargs = {"origin": PAGE, "headers": AUTHORIZATION}
    assert_cors_blocked(
        client, "/items", error="HeaderDisallowedByPreflightResponse", **kwargs
    )  # the default: the Fetch standard
    for engine in ENGINES:
        verdict = assert_cors_allowed(client, "/items", browser=engine, **kwargs)
        assert verdict.deviations == ("authorization_under_star",)
    assert not cors_verdict(client, "/items", browser="fetch", **kwargs).allowed
    with pytest.raises(AssertionError) as failed:
        assert_cors_allowed(client, "/items", **kwargs)
    assert "never covers Authorization" in str(failed.value)
    with pytest.raises(ValueError, match="is not one of"):
        cors_verdict(client, "/items", browser="ie", **kwargs)


def test_a_profile_is_a_plain_value() -> None:
    custom = Profile("custom", "Custom", "Custom 1", frozenset({"authorization_under_star"}))
    request = BrowserRequest(PAGE, API, headers=AUTHORIZATION)
    assert check(request, STAR, browser=custom).allowed
    assert custom.deviates("authorization_under_star")
    assert not PROFILES["fetch"].deviates("authorization_under_star")


FIREFOX_REDIRECT = "  Firefox's console says: (Reason: CORS request external redirect not allowed)."


def test_check_quotes_firefoxs_console_when_firefox_blocks(
    corecors: Run, faults: FaultServer
) -> None:
    url = faults.url("preflight-307-with-grants")
    status, out, _ = corecors("check", url, "--origin", PAGE, "--method", "PUT")
    assert status == 1
    assert "BLOCKED: PreflightDisallowedRedirect (preflight response)" in out
    assert "The same verdict in Chromium 156, Firefox 153 ESR" in out
    assert FIREFOX_REDIRECT in out.splitlines()
    status, out, _ = corecors(
        "check", url, "--origin", PAGE, "--method", "PUT", "--browser", "firefox"
    )
    assert FIREFOX_REDIRECT in out.splitlines()
    assert "The same verdict" not in out
    status, out, _ = corecors(
        "check", url, "--origin", PAGE, "--method", "PUT", "--browser", "webkit"
    )
    assert "Firefox" not in out
    status, out, _ = corecors("check", url, "--origin", PAGE, "--method", "PUT", "--json")
    assert json.loads(out)["engines"]["webkit"]["reported"] is None
    assert json.loads(out)["engines"]["chromium"]["reported"] == "PreflightDisallowedRedirect"


RECORD = json.loads((ROOT / "tests" / "e2e" / "engine_verdicts.json").read_text())


@pytest.mark.parametrize("case_id", list(CASES))
def test_each_profile_reproduces_what_its_engine_was_recorded_doing(
    case_id: str, faults: FaultServer
) -> None:
    """Without a browser: the model under each profile against tests/e2e's record of the
    engines (the outcome, and what each engine's developer tools reported)."""
    case = CASES[case_id]
    page = f"http://127.0.0.1:{faults.port}"
    request = BrowserRequest(page, faults.url(case_id), case.method, case.headers, case.credentials)
    reports = run_engines(request, send=True)
    for name, report in reports.items():
        said = reported(report, name)
        observed = {
            "allowed": report.verdict.allowed,
            "reported": said and said.replace(str(faults.port), "PORT"),
        }
        assert observed == RECORD["cases"][case_id][name], name
