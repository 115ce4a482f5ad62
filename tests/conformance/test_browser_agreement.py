"""Decision.allowed and the browser's verdict agree, over random policies and requests.

The core's answer (its headers, on a 200 or its refusal status) is handed to
corecors.browser, which applies Fetch's rules as a browser does: a granted request
must pass them, a refused one must fail them. Without credentials always; with
credentials whenever the policy grants them (with "*" it answers without them).
"""

from __future__ import annotations

import warnings

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corecors import CORSConfigWarning, CORSPolicy, Decision
from corecors.browser import BrowserRequest, ServerResponse, check_actual, check_preflight

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ORIGINS = ["https://app.example.com", "http://localhost:3000", "https://a.example.org"]
CONFIG_ORIGINS = [*ORIGINS[:2], "*", "https://*.example.org", "null"]
METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "patch", "QUERY"]
HEADERS = ["Authorization", "X-Token", "X-Other", "Content-Type", "Accept"]
VALUES = {"Content-Type": ["text/plain", "application/json"], "Accept": ["*/*", "a(b)"]}

policies = st.builds(
    dict,
    allow_origins=st.lists(st.sampled_from(CONFIG_ORIGINS), max_size=3, unique=True),
    allow_methods=st.lists(st.sampled_from([*METHODS, "*"]), max_size=4, unique=True),
    allow_headers=st.lists(st.sampled_from([*HEADERS[:3], "*"]), max_size=3, unique=True),
    allow_credentials=st.booleans(),
    expose_headers=st.lists(st.sampled_from(["X-Total", "X-Other"]), max_size=2, unique=True),
)


@st.composite
def requests(draw: st.DrawFn) -> tuple[str, str, dict[str, str]]:
    origin = draw(st.sampled_from([*ORIGINS, "null", "https://evil.example"]))
    method = draw(st.sampled_from(METHODS))
    names = draw(st.lists(st.sampled_from(HEADERS), max_size=3, unique=True))
    headers = {name: draw(st.sampled_from(VALUES.get(name, ["1"]))) for name in names}
    return origin, method, headers


def _policy(options: dict[str, object]) -> CORSPolicy:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CORSConfigWarning)
        return CORSPolicy(**options)  # type: ignore[arg-type]


def _response(decision: Decision) -> ServerResponse:
    """What an adapter sends: the preflight's status, or the application's 200."""
    return ServerResponse(decision.status or 200, decision.headers)


@st.composite
def cases(draw: st.DrawFn) -> tuple[dict[str, object], tuple[str, str, dict[str, str]]]:
    """A policy and a request; half the time the policy lists what the request uses, so
    that granted preflights are as common as refused ones."""
    options, request = draw(policies), draw(requests())
    if draw(st.booleans()):
        origin, method, headers = request
        lists = options["allow_origins"], options["allow_methods"], options["allow_headers"]
        for listed, wanted in zip(lists, ([origin], [method], list(headers)), strict=True):
            assert isinstance(listed, list)
            listed.extend(w for w in wanted if w not in listed and w != "null")
    return options, request


@FAST
@given(cases())
def test_decision_allowed_is_the_browsers_verdict(
    case: tuple[dict[str, object], tuple[str, str, dict[str, str]]],
) -> None:
    options, (origin, method, headers) = case
    policy = _policy(options)
    url = "https://api.example.net/items/1"
    granted_credentials = policy.allow_credentials and "*" not in policy.allow_origins
    for credentials in {False, granted_credentials}:
        browser = BrowserRequest(origin, url, method, headers, credentials)
        if browser.needs_preflight:
            names = ",".join(browser.unsafe_header_names) or None
            decision = policy.decide("OPTIONS", origin, browser.method, names)
            verdict = check_preflight(browser, _response(decision))
            assert decision.kind == "preflight"
            assert verdict.allowed == decision.allowed, (decision, verdict.explanation)
        decision = policy.decide(browser.method, origin)
        verdict = check_actual(browser, _response(decision))
        assert verdict.allowed == decision.allowed, (decision, verdict.explanation)
        if verdict.allowed and "X-Total" in policy.options["expose_headers"]:
            exposed = ServerResponse(200, (*decision.headers, ("X-Total", "1")))
            assert "x-total" in (check_actual(browser, exposed).readable_headers or ())
