"""One table of CORS scenarios, run through the core and through every adapter.

An adapter's test builds the *reference application* described by
:func:`app_response` behind its ``CORSMiddleware`` (with :func:`middleware_kwargs`),
sends each scenario's request with the framework's real test client, and hands
the result to :func:`check`. The expectations come from the Fetch standard and
docs/architecture.md ("The decision"), not from the implementation: header
lists are checked by the tokens they must contain, and invariants are checked
on every response.

Per-route policies (which of the app's, a group's and a view's applies) have
their own table in ``tests/routes.py``; mount points and proxy prefixes theirs
in ``tests/mounts.py``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from corecors import CORSConfigWarning, CORSPolicy, PathPolicies
from corecors.browser import BrowserRequest, ServerResponse, check_actual, check_preflight

APP = "https://app.example.com"
EVIL = "https://evil.example.org"

# The reference application: 200, body b"app", header X-App: 1, plus these per path.
APP_HEADERS: dict[str, list[tuple[str, str]]] = {
    "/vary": [("Vary", "Accept-Encoding")],
    "/own-acao": [("Access-Control-Allow-Origin", "*")],
    "/api/vary": [("Vary", "Accept-Encoding")],
}
APP_BODY = b"app"


def app_response(path: str) -> tuple[int, list[tuple[str, str]], bytes]:
    """What the reference application answers for ``path`` (any method)."""
    return (
        200,
        [("Content-Type", "text/plain"), ("X-App", "1"), *APP_HEADERS.get(path, [])],
        APP_BODY,
    )


ONE = {"allow_origins": [APP]}
CRED = {
    "allow_origins": [APP],
    "allow_credentials": True,
    "allow_methods": ["GET", "POST", "PUT", "DELETE"],
    "allow_headers": ["X-Token", "Authorization"],
    "expose_headers": ["X-Total"],
    "max_age": 600,
}
STAR = {"allow_origins": ["*"]}
STAR_CRED = {"allow_origins": ["*"], "allow_credentials": True}
PUBLIC_EXPOSE = {"allow_origins": ["*"], "expose_headers": ["X-Total"]}
PATTERNS = {"allow_origins": ["https://*.example.com", "http://localhost:*"]}
WILD = {"allow_origins": [APP], "allow_methods": ["*"], "allow_headers": ["*"]}
WILD_CRED = {**WILD, "allow_credentials": True}
NULL = {"allow_origins": ["null"]}
REGEX = {"allow_origin_regex": r"https://[a-z]+\.example\.net"}
PNA = {"allow_origins": [APP], "allow_private_network": True}

ACTUAL_VARY = ["Origin"]
PREFLIGHT_VARY = ["Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers"]
PNA_VARY = [*PREFLIGHT_VARY, "Access-Control-Request-Private-Network"]


def _paths() -> PathPolicies:
    return PathPolicies(
        [
            ("/api/*", CORSPolicy(allow_origins=[APP])),
            ("/public/*", CORSPolicy(allow_origins=["*"])),
        ]
    )


@dataclass(frozen=True)
class Scenario:
    id: str
    options: Mapping[str, Any]
    method: str = "GET"
    headers: Mapping[str, str] = field(default_factory=dict)
    path: str = "/items"
    # Expectations.
    reaches_app: bool = True
    status: int = 200
    equal: Mapping[str, str] = field(default_factory=dict)  # header -> exact value
    contains: Mapping[str, set[str]] = field(default_factory=dict)  # header -> tokens
    absent: tuple[str, ...] = ()
    vary: list[str] | None = None  # the exact Vary tokens, in any order; None or []: no Vary
    body: bytes | None = None
    warns: bool = False
    policy: Callable[[], CORSPolicy | PathPolicies] | None = None


def _pre(origin: str, method: str, headers: str | None = None, **extra: str) -> dict[str, str]:
    request = {"Origin": origin, "Access-Control-Request-Method": method, **extra}
    if headers is not None:
        request["Access-Control-Request-Headers"] = headers
    return request


REFUSED_PREFLIGHT = {"reaches_app": False, "status": 400, "vary": PREFLIGHT_VARY}
NO_CORS = (
    "Access-Control-Allow-Origin",
    "Access-Control-Allow-Credentials",
    "Access-Control-Expose-Headers",
)

SCENARIOS: list[Scenario] = [
    # Requests without Origin still vary on it (a cache must not reuse them for a CORS request).
    Scenario("no-origin", ONE, absent=NO_CORS, vary=ACTUAL_VARY),
    Scenario(
        "allowed-get",
        ONE,
        headers={"Origin": APP},
        equal={"Access-Control-Allow-Origin": APP},
        absent=("Access-Control-Allow-Credentials",),
        vary=ACTUAL_VARY,
    ),
    Scenario(
        "allowed-post",
        ONE,
        method="POST",
        headers={"Origin": APP},
        equal={"Access-Control-Allow-Origin": APP},
        vary=ACTUAL_VARY,
    ),
    Scenario(
        "allowed-head",
        ONE,
        method="HEAD",
        headers={"Origin": APP},
        body=b"",
        equal={"Access-Control-Allow-Origin": APP},
        vary=ACTUAL_VARY,
    ),
    # A refused origin still reaches the app (the browser enforces CORS), without grants.
    Scenario("refused-get", ONE, headers={"Origin": EVIL}, absent=NO_CORS, vary=ACTUAL_VARY),
    Scenario(
        "lookalike-suffix",
        ONE,
        headers={"Origin": APP + ".evil.io"},
        absent=NO_CORS,
        vary=ACTUAL_VARY,
    ),
    Scenario(
        "uppercase-origin", ONE, headers={"Origin": APP.upper()}, absent=NO_CORS, vary=ACTUAL_VARY
    ),
    Scenario(
        "default-port-written",
        ONE,
        headers={"Origin": APP + ":443"},
        absent=NO_CORS,
        vary=ACTUAL_VARY,
    ),
    Scenario(
        "two-origins", ONE, headers={"Origin": f"{APP}, {EVIL}"}, absent=NO_CORS, vary=ACTUAL_VARY
    ),
    Scenario(
        "credentialed-get",
        CRED,
        headers={"Origin": APP},
        equal={
            "Access-Control-Allow-Origin": APP,
            "Access-Control-Allow-Credentials": "true",
            "Access-Control-Expose-Headers": "X-Total",
        },
        vary=ACTUAL_VARY,
    ),
    Scenario(
        "options-without-acrm-is-actual",
        CRED,
        method="OPTIONS",
        headers={"Origin": APP},
        equal={"Access-Control-Allow-Origin": APP},
        vary=ACTUAL_VARY,
    ),
    Scenario(
        "preflight-allowed",
        CRED,
        method="OPTIONS",
        headers=_pre(APP, "PUT", "content-type,x-token"),
        reaches_app=False,
        body=b"OK",
        equal={
            "Access-Control-Allow-Origin": APP,
            "Access-Control-Allow-Credentials": "true",
            "Access-Control-Max-Age": "600",
        },
        contains={
            "Access-Control-Allow-Methods": {"PUT"},
            "Access-Control-Allow-Headers": {"content-type", "x-token"},
        },
        absent=("Access-Control-Expose-Headers",),
        vary=PREFLIGHT_VARY,
    ),
    Scenario(
        "preflight-headers-spaced-mixed-case",
        CRED,
        method="OPTIONS",
        headers=_pre(APP, "DELETE", " X-Token ,  Authorization"),
        reaches_app=False,
        contains={
            "Access-Control-Allow-Headers": {"x-token", "authorization"},
            "Access-Control-Allow-Methods": {"DELETE"},
        },
        vary=PREFLIGHT_VARY,
    ),
    Scenario(
        "preflight-refused-origin",
        CRED,
        method="OPTIONS",
        headers=_pre(EVIL, "PUT"),
        absent=(*NO_CORS, "Access-Control-Allow-Methods"),
        **REFUSED_PREFLIGHT,
    ),
    Scenario(
        "preflight-refused-method",
        CRED,
        method="OPTIONS",
        headers=_pre(APP, "PATCH"),
        absent=(*NO_CORS, "Access-Control-Allow-Methods"),
        **REFUSED_PREFLIGHT,
    ),
    # Fetch: a CORS-safelisted method (GET, HEAD, POST) always passes the method
    # check, as browsers never check it against Access-Control-Allow-Methods.
    Scenario(
        "preflight-safelisted-method-unlisted",
        {"allow_origins": [APP], "allow_methods": ["PUT"], "allow_headers": ["X-Token"]},
        method="OPTIONS",
        headers=_pre(APP, "POST", "x-token,content-type"),
        reaches_app=False,
        equal={"Access-Control-Allow-Origin": APP, "Access-Control-Allow-Methods": "PUT"},
        vary=PREFLIGHT_VARY,
    ),
    Scenario(
        "preflight-lowercase-method-is-other-method",
        {**CRED, "allow_methods": ["PATCH"]},
        method="OPTIONS",
        headers=_pre(APP, "patch"),
        absent=NO_CORS,
        **REFUSED_PREFLIGHT,
    ),
    Scenario(
        "preflight-refused-header",
        CRED,
        method="OPTIONS",
        headers=_pre(APP, "PUT", "x-other"),
        absent=(*NO_CORS, "Access-Control-Allow-Headers"),
        **REFUSED_PREFLIGHT,
    ),
    Scenario(
        "preflight-hostile-headers",
        CRED,
        method="OPTIONS",
        headers=_pre(APP, "PUT", ",".join(["x-token"] * 1000)),
        absent=NO_CORS,
        **REFUSED_PREFLIGHT,
    ),
    Scenario(
        "preflight-hostile-origin",
        CRED,
        method="OPTIONS",
        headers=_pre("https://" + "a" * 5000 + ".example.com", "PUT"),
        absent=NO_CORS,
        **REFUSED_PREFLIGHT,
    ),
    # A public policy ("*" without credentials) gives every non-preflight response the
    # same answer, so it adds no Vary: Origin and a shared cache keeps one copy.
    Scenario(
        "public-any-origin",
        STAR,
        headers={"Origin": EVIL},
        equal={"Access-Control-Allow-Origin": "*"},
        absent=("Access-Control-Allow-Credentials",),
        vary=[],
    ),
    Scenario(
        "public-no-origin",
        STAR,
        equal={"Access-Control-Allow-Origin": "*"},
        absent=("Access-Control-Allow-Credentials",),
        vary=[],
    ),
    Scenario(
        "public-expose-headers-without-origin",
        PUBLIC_EXPOSE,
        equal={"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": "X-Total"},
        vary=[],
    ),
    Scenario(
        "public-null",
        STAR,
        headers={"Origin": "null"},
        equal={"Access-Control-Allow-Origin": "*"},
        vary=[],
    ),
    Scenario(
        "public-two-origins",
        STAR,
        headers={"Origin": f"{APP}, {EVIL}"},
        equal={"Access-Control-Allow-Origin": "*"},
        vary=[],
    ),
    Scenario(
        "public-post",
        STAR,
        method="POST",
        headers={"Origin": APP},
        equal={"Access-Control-Allow-Origin": "*"},
        vary=[],
    ),
    # The application's own Vary stays as it is, with nothing added.
    Scenario(
        "public-app-vary",
        STAR,
        path="/vary",
        equal={"Access-Control-Allow-Origin": "*"},
        vary=["Accept-Encoding"],
    ),
    Scenario(
        "public-app-vary-with-origin",
        STAR,
        path="/vary",
        headers={"Origin": APP},
        equal={"Access-Control-Allow-Origin": "*"},
        vary=["Accept-Encoding"],
    ),
    Scenario(
        "public-own-allow-origin-not-doubled",
        STAR,
        path="/own-acao",
        equal={"Access-Control-Allow-Origin": "*"},
        vary=[],
    ),
    # Preflights keep their Vary: the answer depends on the requested method and headers.
    Scenario(
        "public-preflight",
        STAR,
        method="OPTIONS",
        headers=_pre(EVIL, "GET"),
        reaches_app=False,
        equal={"Access-Control-Allow-Origin": "*"},
        vary=PREFLIGHT_VARY,
    ),
    Scenario(
        "public-preflight-refused-method",
        STAR,
        method="OPTIONS",
        headers=_pre(APP, "PUT"),
        absent=NO_CORS,
        **REFUSED_PREFLIGHT,
    ),
    # "*" with credentials answers "*" without credentials, never the request's origin.
    Scenario(
        "star-with-credentials-get",
        STAR_CRED,
        headers={"Origin": EVIL},
        warns=True,
        equal={"Access-Control-Allow-Origin": "*"},
        absent=("Access-Control-Allow-Credentials",),
        vary=ACTUAL_VARY,
    ),
    Scenario(
        "star-with-credentials-no-origin",
        STAR_CRED,
        warns=True,
        absent=NO_CORS,
        vary=ACTUAL_VARY,
    ),
    Scenario(
        "star-with-credentials-preflight",
        STAR_CRED,
        method="OPTIONS",
        warns=True,
        headers=_pre(EVIL, "GET"),
        reaches_app=False,
        equal={"Access-Control-Allow-Origin": "*"},
        absent=("Access-Control-Allow-Credentials",),
        vary=PREFLIGHT_VARY,
    ),
    Scenario(
        "subdomain-pattern",
        PATTERNS,
        headers={"Origin": "https://a.b.example.com"},
        equal={"Access-Control-Allow-Origin": "https://a.b.example.com"},
        vary=ACTUAL_VARY,
    ),
    Scenario(
        "subdomain-pattern-not-base",
        PATTERNS,
        headers={"Origin": "https://example.com"},
        absent=NO_CORS,
        vary=ACTUAL_VARY,
    ),
    Scenario(
        "subdomain-pattern-lookalike",
        PATTERNS,
        headers={"Origin": "https://evilexample.com"},
        absent=NO_CORS,
        vary=ACTUAL_VARY,
    ),
    Scenario(
        "port-pattern",
        PATTERNS,
        headers={"Origin": "http://localhost:5173"},
        equal={"Access-Control-Allow-Origin": "http://localhost:5173"},
        vary=ACTUAL_VARY,
    ),
    Scenario(
        "wildcards-without-credentials",
        WILD,
        method="OPTIONS",
        headers=_pre(APP, "PATCH", "x-foo,authorization"),
        reaches_app=False,
        equal={"Access-Control-Allow-Methods": "*"},
        contains={"Access-Control-Allow-Headers": {"*", "authorization"}},
        vary=PREFLIGHT_VARY,
    ),
    Scenario(
        "wildcards-with-credentials-echo",
        WILD_CRED,
        method="OPTIONS",
        headers=_pre(APP, "PATCH", "x-foo"),
        reaches_app=False,
        equal={
            "Access-Control-Allow-Methods": "PATCH",
            "Access-Control-Allow-Headers": "x-foo",
            "Access-Control-Allow-Credentials": "true",
        },
        vary=PREFLIGHT_VARY,
    ),
    Scenario(
        "wildcard-methods-refuse-forbidden",
        WILD,
        method="OPTIONS",
        headers=_pre(APP, "TRACE"),
        absent=NO_CORS,
        **REFUSED_PREFLIGHT,
    ),
    Scenario(
        "null-when-listed",
        NULL,
        headers={"Origin": "null"},
        equal={"Access-Control-Allow-Origin": "null"},
        vary=ACTUAL_VARY,
    ),
    Scenario(
        "regex-full-match",
        REGEX,
        headers={"Origin": "https://abc.example.net"},
        equal={"Access-Control-Allow-Origin": "https://abc.example.net"},
        vary=ACTUAL_VARY,
    ),
    Scenario(
        "regex-is-anchored",
        REGEX,
        headers={"Origin": "https://abc.example.net.evil.com"},
        absent=NO_CORS,
        vary=ACTUAL_VARY,
    ),
    Scenario(
        "private-network-allowed",
        PNA,
        method="OPTIONS",
        headers=_pre(APP, "GET", **{"Access-Control-Request-Private-Network": "true"}),
        reaches_app=False,
        equal={"Access-Control-Allow-Private-Network": "true"},
        vary=PNA_VARY,
    ),
    Scenario(
        "private-network-not-enabled",
        ONE,
        method="OPTIONS",
        headers=_pre(APP, "GET", **{"Access-Control-Request-Private-Network": "true"}),
        absent=(*NO_CORS, "Access-Control-Allow-Private-Network"),
        **REFUSED_PREFLIGHT,
    ),
    # The application's own Vary is merged, never replaced; its own Allow-Origin never doubles.
    Scenario(
        "vary-merged",
        ONE,
        path="/vary",
        headers={"Origin": APP},
        equal={"Access-Control-Allow-Origin": APP},
        vary=["Accept-Encoding", "Origin"],
    ),
    Scenario("vary-merged-no-origin", ONE, path="/vary", vary=["Accept-Encoding", "Origin"]),
    Scenario(
        "app-allow-origin-not-doubled",
        ONE,
        path="/own-acao",
        headers={"Origin": APP},
        equal={"Access-Control-Allow-Origin": APP},
        vary=ACTUAL_VARY,
    ),
    # Per-path policies; a path with no policy gets no CORS processing at all.
    Scenario(
        "path-policy-api",
        {},
        policy=_paths,
        path="/api/items",
        headers={"Origin": APP},
        equal={"Access-Control-Allow-Origin": APP},
        vary=ACTUAL_VARY,
    ),
    Scenario(
        "path-policy-api-vary-merged",
        {},
        policy=_paths,
        path="/api/vary",
        headers={"Origin": EVIL},
        absent=NO_CORS,
        vary=["Accept-Encoding", "Origin"],
    ),
    Scenario(
        "path-policy-public",
        {},
        policy=_paths,
        path="/public/logo",
        headers={"Origin": EVIL},
        equal={"Access-Control-Allow-Origin": "*"},
        vary=[],
    ),
    Scenario(
        "path-policy-public-no-origin",
        {},
        policy=_paths,
        path="/public/logo",
        equal={"Access-Control-Allow-Origin": "*"},
        vary=[],
    ),
    Scenario(
        "path-policy-unmatched",
        {},
        policy=_paths,
        path="/items",
        headers={"Origin": APP},
        absent=NO_CORS,
        vary=None,
    ),
    Scenario(
        "path-policy-unmatched-vary-untouched",
        {},
        policy=_paths,
        path="/vary",
        headers={"Origin": APP},
        absent=NO_CORS,
        vary=["Accept-Encoding"],
    ),
    Scenario(
        "path-policy-unmatched-preflight-reaches-app",
        {},
        policy=_paths,
        method="OPTIONS",
        path="/items",
        headers=_pre(APP, "PUT"),
        absent=NO_CORS,
        vary=None,
    ),
    Scenario(
        "path-policy-case-sensitive",
        {},
        policy=_paths,
        path="/API/items",
        headers={"Origin": APP},
        absent=NO_CORS,
        vary=None,
    ),
]

IDS = [s.id for s in SCENARIOS]


def middleware_kwargs(scenario: Scenario) -> dict[str, Any]:
    """Keyword arguments for any adapter's CORSMiddleware, warnings checked."""
    if scenario.policy is not None:
        return {"policy": scenario.policy()}
    if scenario.warns:  # prove the risky configuration warns, then build it quietly
        with pytest.warns(CORSConfigWarning):
            CORSPolicy(**scenario.options)
    return dict(scenario.options)


def build(scenario: Scenario, factory: Callable[..., Any]) -> Any:
    """Call an adapter factory with the scenario's options, expecting its warnings."""
    kwargs = middleware_kwargs(scenario)
    if scenario.warns and scenario.policy is None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CORSConfigWarning)
            return factory(**kwargs)
    return factory(**kwargs)


def _tokens(value: str) -> list[str]:
    return [t.strip() for t in value.split(",") if t.strip()]


def check(
    scenario: Scenario, status: int, headers: list[tuple[str, str]], body: bytes | None
) -> None:
    """Assert that one adapter's response matches the scenario and the invariants."""
    lower: dict[str, list[str]] = {}
    for name, value in headers:
        lower.setdefault(name.lower(), []).append(value)

    def one(name: str) -> str | None:
        values = lower.get(name.lower(), [])
        assert len(values) <= 1, f"{name} sent {len(values)} times: {values}"
        return values[0] if values else None

    assert status == scenario.status, f"status {status}, expected {scenario.status}"
    reached = one("X-App") == "1"
    assert reached == scenario.reaches_app, f"reached the app: {reached}"
    for name, value in scenario.equal.items():
        assert one(name) == value, f"{name}: {one(name)!r}, expected {value!r}"
    for name, tokens in scenario.contains.items():
        got = one(name)
        assert got is not None, f"{name} missing"
        assert tokens <= set(_tokens(got)), f"{name}: {got!r} lacks {tokens - set(_tokens(got))}"
    for name in scenario.absent:
        assert one(name) is None, f"{name} present: {one(name)!r}"
    vary = [t for value in lower.get("vary", []) for t in _tokens(value)]
    if scenario.vary is None:
        assert not vary, f"Vary {vary} on a response that gets no CORS processing"
    else:
        assert sorted(t.lower() for t in vary) == sorted(t.lower() for t in scenario.vary), vary
    if scenario.body is not None and body is not None:
        assert body == scenario.body, body
    if not scenario.reaches_app and scenario.status == 400:
        assert not any(n.startswith("access-control-") for n in lower), lower
        assert body is None or body.startswith(b"CORS preflight refused"), body
    # Invariants (Fetch): Allow-Origin is "*" or the request's exact origin, and "*"
    # never comes with credentials.
    allow_origin = one("Access-Control-Allow-Origin")
    if allow_origin is not None and scenario.path not in APP_HEADERS:
        assert allow_origin in ("*", scenario.headers.get("Origin")), allow_origin
    if allow_origin == "*":
        assert one("Access-Control-Allow-Credentials") is None
    browser_agrees(scenario, status, headers)


def browser_agrees(scenario: Scenario, status: int, headers: list[tuple[str, str]]) -> None:
    """A browser (corecors.browser, Fetch) allows the response iff the core's decision did.

    Credentials are those the policy grants: with "*" it answers without them.
    """
    request_headers = {k.lower(): v for k, v in scenario.headers.items()}
    origin = request_headers.get("origin")
    if origin is None:
        return  # not a CORS request: the browser checks nothing
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CORSConfigWarning)
        policy = scenario.policy() if scenario.policy else CORSPolicy(**scenario.options)
    if isinstance(policy, PathPolicies):
        policy = policy.for_path(scenario.path)
    acrm = request_headers.get("access-control-request-method")
    acrh = request_headers.get("access-control-request-headers")
    decision = None
    if policy is not None:
        pna = request_headers.get("access-control-request-private-network") == "true"
        decision = policy.decide(scenario.method, origin, acrm, acrh, pna)
    preflight = scenario.method == "OPTIONS" and bool(acrm)
    credentials = policy is not None and policy.allow_credentials
    credentials = credentials and policy is not None and "*" not in policy.allow_origins
    url = "http://testserver" + scenario.path
    names = [n.strip() for n in (acrh or "").split(",") if n.strip()]
    try:
        method = acrm if preflight else scenario.method
        request = BrowserRequest(origin, url, method, {n: "1" for n in names}, credentials)
    except ValueError:  # fetch() never sends this method (TRACE): the policy refused it
        assert decision is not None
        assert not decision.allowed
        return
    response = ServerResponse(status, headers)
    verdict = (check_preflight if preflight else check_actual)(request, response)
    allowed = decision is not None and decision.allowed
    assert verdict.allowed == allowed, (decision, verdict.explanation)


__all__ = ["IDS", "SCENARIOS", "Scenario", "app_response", "build", "check", "middleware_kwargs"]
