"""CORSPolicy.decide(): request kinds, grants, credentials, methods, headers, Vary, reasons."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest

from corecors import CORSConfigWarning, CORSPolicy, Decision
from corecors.engine import _tokens as tokens_module
from corecors.engine._memo import RefusalLog

from .support import actual, header, preflight

APP = "https://app.example.com"
EVIL = "https://evil.example.org"
PREFLIGHT_VARY = ("Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers")
PNA_VARY = (*PREFLIGHT_VARY, "Access-Control-Request-Private-Network")


def names(decision: Decision) -> list[str]:
    return [name for name, _ in decision.headers]


def tokens(value: str | None) -> list[str]:
    assert value is not None
    return [t.strip() for t in value.split(",")]


# --- Request kinds (Fetch) -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "origin", "request_method", "kind"),
    [
        ("GET", None, None, "none"),
        ("OPTIONS", None, "PUT", "none"),  # no Origin: not a CORS request at all
        ("OPTIONS", APP, "PUT", "preflight"),
        ("OPTIONS", APP, None, "actual"),  # OPTIONS without ACRM is an actual request
        ("OPTIONS", APP, "", "actual"),  # ... and so is an empty ACRM
        ("GET", APP, "PUT", "actual"),  # ACRM on another method means nothing
        ("POST", APP, None, "actual"),
        ("options", APP, "PUT", "actual"),  # methods are case-sensitive; browsers send OPTIONS
    ],
)
def test_request_kinds(
    method: str, origin: str | None, request_method: str | None, kind: str
) -> None:
    policy = CORSPolicy(allow_origins=[APP], allow_methods=["PUT"])
    decision = policy.decide(method, origin, request_method)
    assert decision.kind == kind
    assert (decision.status is not None) is (kind == "preflight")


def test_no_origin() -> None:
    decision = CORSPolicy(allow_origins=[APP]).decide("GET", None)
    assert decision == Decision(
        kind="none",
        allowed=False,
        status=None,
        headers=(),
        vary=("Origin",),
        reason="no Origin header",
        body=b"",
        refusal=None,
    )


def test_allowed_actual_request() -> None:
    decision = actual(CORSPolicy(allow_origins=[APP]), APP)
    assert decision.kind == "actual"
    assert decision.allowed
    assert decision.status is None
    assert decision.headers == (("Access-Control-Allow-Origin", APP),)
    assert decision.vary == ("Origin",)
    assert decision.reason is None
    assert decision.body == b""


def test_refused_actual_request_gets_no_grant_but_varies() -> None:
    decision = actual(CORSPolicy(allow_origins=[APP]), EVIL)
    assert decision.kind == "actual"
    assert not decision.allowed
    assert decision.status is None  # it still reaches the application
    assert decision.headers == ()
    assert decision.vary == ("Origin",)
    assert decision.reason == f"origin {EVIL!r} is not allowed"


def test_allowed_preflight() -> None:
    policy = CORSPolicy(
        allow_origins=[APP],
        allow_methods=["GET", "PUT"],
        allow_headers=["X-Token"],
        allow_credentials=True,
        expose_headers=["X-Total"],
        max_age=900,
    )
    decision = preflight(policy, APP, "PUT", "x-token")
    assert decision.kind == "preflight"
    assert decision.allowed
    assert decision.status == 200
    assert decision.body == b"OK"
    assert decision.reason is None
    assert decision.headers == (
        ("Access-Control-Allow-Origin", APP),
        ("Access-Control-Allow-Credentials", "true"),
        ("Access-Control-Allow-Methods", "GET, PUT"),
        (
            "Access-Control-Allow-Headers",
            "x-token, accept, accept-language, content-language, content-type",
        ),
        ("Access-Control-Max-Age", "900"),
    )
    assert decision.vary == PREFLIGHT_VARY


def test_preflight_without_requested_headers_has_no_allow_headers() -> None:
    policy = CORSPolicy(allow_origins=[APP], allow_headers=["X-Token"])
    for requested in (None, "", ",", " , ,"):
        decision = preflight(policy, APP, "GET", requested)
        assert decision.allowed
        assert "Access-Control-Allow-Headers" not in names(decision)


# --- Refusals: status, body, headers, reasons, logging -------------------------------------

REFUSALS: list[tuple[str, dict[str, Any], dict[str, Any], str, str]] = [
    # (id, policy options, preflight arguments, body word, reason fragment)
    ("origin", {}, {"origin": EVIL}, "origin", f"origin {EVIL!r} is not allowed; add it"),
    ("method", {}, {"request_method": "PUT"}, "method", "method 'PUT' is not allowed; add it"),
    (
        "header",
        {},
        {"request_headers": "x-token"},
        "headers",
        "header 'x-token' is not allowed; add it to allow_headers",
    ),
    (
        "headers-too-long",
        {"allow_headers": ["*"]},
        {"request_headers": "a" * 4097},
        "headers",
        "Access-Control-Request-Headers is longer than 4096 bytes",
    ),
    (
        "headers-too-many",
        {"allow_headers": ["*"]},
        {"request_headers": ",".join(f"x-{i}" for i in range(65))},
        "headers",
        "Access-Control-Request-Headers names over 64 headers",
    ),
    (
        "headers-malformed",
        {"allow_headers": ["*"]},
        {"request_headers": "x-a, x b"},
        "headers",
        "Access-Control-Request-Headers has a malformed name 'x b'",
    ),
    (
        "private-network",
        {},
        {"private_network": True},
        "private-network",
        "private network access was requested; set allow_private_network=True",
    ),
]


@pytest.mark.parametrize(
    ("options", "arguments", "word", "reason"),
    [r[1:] for r in REFUSALS],
    ids=[r[0] for r in REFUSALS],
)
def test_refused_preflight(
    options: dict[str, Any],
    arguments: dict[str, Any],
    word: str,
    reason: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    policy = CORSPolicy(**{"allow_origins": [APP], **options})
    arguments = {"origin": APP, "request_method": "GET", **arguments}
    with caplog.at_level(logging.DEBUG, logger="corecors"):
        decision = preflight(policy, **arguments)
    assert decision.kind == "preflight"
    assert not decision.allowed
    assert decision.status == 400
    assert decision.headers == ()  # no Access-Control-* header at all
    assert decision.vary == PREFLIGHT_VARY
    assert decision.body.startswith(f"CORS preflight refused: {word} not allowed".encode())
    assert decision.reason is not None
    assert reason in decision.reason
    assert decision.refusal is not None
    assert decision.refusal.text == decision.reason
    # The core decides and logs nothing: each adapter logs its refusals
    # (corecors.engine.RefusalLog), at the level its framework's debug mode asks for.
    assert not caplog.records


@pytest.mark.parametrize("level", [logging.DEBUG, logging.WARNING])
def test_a_refusal_line_says_what_was_refused_at_the_level_asked(
    level: int, caplog: pytest.LogCaptureFixture
) -> None:
    decision = actual(CORSPolicy(allow_origins=[APP]), EVIL)
    assert decision.refusal is not None
    with caplog.at_level(level, logger="corecors"):
        RefusalLog().log(level, decision.kind, decision.refusal)
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (level, f"CORS request refused: origin {EVIL!r} is not allowed")
    ]


@pytest.mark.parametrize(
    "hostile",
    ["https://x.io\r\nX-Injected: 1", "https://x.io\n[ERROR] fake line", "\x1b[31mred", "é\u2028"],
)
def test_request_values_are_escaped_in_reasons_and_logs(
    hostile: str, caplog: pytest.LogCaptureFixture
) -> None:
    policy = CORSPolicy(allow_origins=[APP], allow_headers=["*"])
    decisions = [
        actual(policy, hostile),
        preflight(policy, hostile),
        preflight(policy, APP, hostile),
        preflight(policy, APP, "GET", "x-a," + hostile),
    ]
    refusals = RefusalLog()
    with caplog.at_level(logging.DEBUG, logger="corecors"):
        for decision in decisions:
            assert not decision.allowed
            assert decision.reason is not None
            assert decision.refusal is not None
            assert repr(hostile)[1:-1] in decision.reason or "..." in decision.reason
            assert hostile not in decision.reason
            refusals.log(logging.DEBUG, decision.kind, decision.refusal)
    assert len(caplog.records) == len(decisions)
    for record in caplog.records:
        message = record.getMessage()
        assert "\n" not in message
        assert "\r" not in message
        assert "\x1b" not in message


def test_long_request_values_are_cut_short_in_reasons() -> None:
    policy = CORSPolicy(allow_origins=[APP], allow_methods=["*"])
    decision = actual(policy, "https://" + "a" * 5000)
    assert decision.reason is not None
    assert len(decision.reason) < 200
    assert "(5008 chars)" in decision.reason
    method = preflight(policy, APP, "X" * 1000)
    assert method.reason is not None
    assert len(method.reason) < 200


# --- Credentials and wildcards -------------------------------------------------------------


def test_credentials_with_a_listed_origin() -> None:
    policy = CORSPolicy(allow_origins=[APP], allow_credentials=True, expose_headers=["X-Total"])
    decision = actual(policy, APP)
    assert decision.headers == (
        ("Access-Control-Allow-Origin", APP),
        ("Access-Control-Allow-Credentials", "true"),
        ("Access-Control-Expose-Headers", "X-Total"),
    )


def test_star_without_credentials_answers_star() -> None:
    policy = CORSPolicy(allow_origins=["*"], expose_headers=["X-Total", "X-Page"])
    for origin in (APP, EVIL, "http://localhost:3000"):
        decision = actual(policy, origin)
        assert decision.headers == (
            ("Access-Control-Allow-Origin", "*"),
            ("Access-Control-Expose-Headers", "X-Total, X-Page"),
        )
        assert header(preflight(policy, origin), "Access-Control-Allow-Origin") == "*"


def test_star_with_credentials_never_reflects_the_origin() -> None:
    with pytest.warns(CORSConfigWarning, match=r"\[W001\]"):
        policy = CORSPolicy(
            allow_origins=["*"], allow_credentials=True, allow_methods=["*"], allow_headers=["*"]
        )
    for decision in (actual(policy, EVIL), preflight(policy, EVIL, "PATCH", "x-a,authorization")):
        assert decision.allowed
        assert header(decision, "Access-Control-Allow-Origin") == "*"
        assert header(decision, "Access-Control-Allow-Credentials") is None
    pre = preflight(policy, EVIL, "PATCH", "x-a")
    # Without credentials in the answer, "*" is a real wildcard again.
    assert header(pre, "Access-Control-Allow-Methods") == "*"
    assert header(pre, "Access-Control-Allow-Headers") == "*"


def test_star_with_credentials_still_grants_listed_origins_with_credentials() -> None:
    with pytest.warns(CORSConfigWarning):
        policy = CORSPolicy(
            allow_origins=["*", APP, "https://*.example.net"], allow_credentials=True
        )
    for origin in (APP, "https://a.example.net"):
        for decision in (actual(policy, origin), preflight(policy, origin)):
            assert header(decision, "Access-Control-Allow-Origin") == origin
            assert header(decision, "Access-Control-Allow-Credentials") == "true"
    assert header(actual(policy, EVIL), "Access-Control-Allow-Origin") == "*"


def test_wildcard_methods_and_headers_without_credentials() -> None:
    policy = CORSPolicy(allow_origins=[APP], allow_methods=["*"], allow_headers=["*"])
    decision = preflight(policy, APP, "PATCH", "x-a,x-b")
    assert header(decision, "Access-Control-Allow-Methods") == "*"
    assert header(decision, "Access-Control-Allow-Headers") == "*"
    # "*" never covers Authorization (Fetch): it is named when requested.
    with_auth = preflight(policy, APP, "PATCH", "authorization,x-a")
    assert header(with_auth, "Access-Control-Allow-Headers") == "*, authorization"
    assert header(preflight(policy, APP, "PATCH", "Authorization"), "Access-Control-Allow-Headers")


def test_wildcard_methods_and_headers_with_credentials_echo_validated_values() -> None:
    policy = CORSPolicy(
        allow_origins=[APP], allow_methods=["*"], allow_headers=["*"], allow_credentials=True
    )
    decision = preflight(policy, APP, "PATCH", "X-A, authorization,x-b")
    assert header(decision, "Access-Control-Allow-Methods") == "PATCH"
    assert header(decision, "Access-Control-Allow-Headers") == "x-a, authorization, x-b"
    assert header(decision, "Access-Control-Allow-Credentials") == "true"
    assert header(preflight(policy, APP, "custom-verb"), "Access-Control-Allow-Methods") == (
        "custom-verb"
    )


def test_listed_method_answers_the_configured_list_even_with_wildcard() -> None:
    policy = CORSPolicy(allow_origins=[APP], allow_methods=["*", "GET", "POST"])
    assert header(preflight(policy, APP, "POST"), "Access-Control-Allow-Methods") == "GET, POST"
    assert header(preflight(policy, APP, "PATCH"), "Access-Control-Allow-Methods") == "*"


def test_expose_star_without_credentials() -> None:
    decision = actual(CORSPolicy(allow_origins=[APP], expose_headers=["*"]), APP)
    assert header(decision, "Access-Control-Expose-Headers") == "*"


def test_preflight_never_carries_expose_headers() -> None:
    policy = CORSPolicy(allow_origins=[APP], expose_headers=["X-Total"])
    assert header(preflight(policy, APP), "Access-Control-Expose-Headers") is None


# --- Methods -------------------------------------------------------------------------------


def test_the_six_methods_are_normalised_in_the_configuration() -> None:
    policy = CORSPolicy(
        allow_origins=[APP], allow_methods=["get", "Post", "pUt", "delete", "head", "options"]
    )
    assert policy.options["allow_methods"] == ("GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS")
    for method in ("GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS"):
        assert preflight(policy, APP, method).allowed
    assert not preflight(policy, APP, "put").allowed  # browsers send "PUT"


@pytest.mark.parametrize(
    ("configured", "requested", "allowed"),
    [
        ("PATCH", "PATCH", True),
        ("PATCH", "patch", False),
        ("patch", "PATCH", False),
        ("patch", "patch", True),
        ("Purge", "PURGE", False),
        ("PROPFIND", "PROPFIND", True),
    ],
)
def test_other_methods_are_case_sensitive(configured: str, requested: str, allowed: bool) -> None:
    policy = CORSPolicy(allow_origins=[APP], allow_methods=[configured])
    decision = preflight(policy, APP, requested)
    assert decision.allowed is allowed
    if allowed:
        assert header(decision, "Access-Control-Allow-Methods") == configured


def test_default_methods_are_get_and_the_safelisted_methods() -> None:
    # Fetch, CORS-preflight fetch: GET, HEAD and POST always pass the method
    # check (a browser never checks them against Access-Control-Allow-Methods).
    policy = CORSPolicy(allow_origins=[APP])
    for method in ("GET", "HEAD", "POST"):
        decision = preflight(policy, APP, method)
        assert decision.allowed, method
        assert header(decision, "Access-Control-Allow-Methods") == "GET"
    assert not preflight(policy, APP, "PUT").allowed
    assert not preflight(policy, APP, "DELETE").allowed


@pytest.mark.parametrize(
    "requested",
    ["TRACE", "trace", "CONNECT", "Track", "GE T", "GET\r\n", "GET,PUT", "(GET)", "ÄÖ", "X" * 65],
)
def test_wildcard_methods_refuse_forbidden_and_malformed(requested: str) -> None:
    for credentials in (False, True):
        policy = CORSPolicy(allow_origins=[APP], allow_methods=["*"], allow_credentials=credentials)
        decision = preflight(policy, APP, requested)
        assert not decision.allowed
        assert decision.status == 400
        assert decision.body.startswith(b"CORS preflight refused: method")


def test_long_listed_method_is_refused_without_lookup() -> None:
    long_method = "X" * 64
    policy = CORSPolicy(allow_origins=[APP], allow_methods=[long_method, long_method + "Y"])
    assert preflight(policy, APP, long_method).allowed
    assert not preflight(policy, APP, long_method + "Y").allowed  # over 64 characters


# --- Request headers -----------------------------------------------------------------------


def test_headers_are_case_insensitive() -> None:
    policy = CORSPolicy(allow_origins=[APP], allow_headers=["X-Token", "authorization"])
    for requested in ("x-token", "X-TOKEN", "X-Token,Authorization", "AUTHORIZATION"):
        assert preflight(policy, APP, "GET", requested).allowed
    assert policy.options["allow_headers"] == ("x-token", "authorization")


def test_the_four_safelisted_headers_are_always_allowed() -> None:
    policy = CORSPolicy(allow_origins=[APP])
    decision = preflight(policy, APP, "GET", "accept,accept-language,content-language,content-type")
    assert decision.allowed
    assert sorted(tokens(header(decision, "Access-Control-Allow-Headers"))) == [
        "accept",
        "accept-language",
        "content-language",
        "content-type",
    ]
    for other in ("authorization", "range", "x-requested-with", "cookie"):
        assert not preflight(policy, APP, "GET", other).allowed


def test_explicit_headers_do_not_cover_authorization() -> None:
    policy = CORSPolicy(allow_origins=[APP], allow_headers=["X-Token"])
    decision = preflight(policy, APP, "GET", "x-token,authorization")
    assert not decision.allowed
    assert decision.reason == "header 'authorization' is not allowed; add it to allow_headers"


# --- Bounded parsing of Access-Control-Request-Headers ------------------------------------


@pytest.mark.parametrize(
    ("value", "parsed"),
    [
        ("x-a,x-b", ("x-a", "x-b")),
        ("X-A, X-B", ("x-a", "x-b")),
        (" x-a ,\tx-b\t", ("x-a", "x-b")),
        ("x-a, x-b,x-c", ("x-a", "x-b", "x-c")),  # several lines joined with ","
        ("x-a,,x-b,", ("x-a", "x-b")),  # empty items are ignored
        (",", ()),
        ("", ()),
        ("x-a,x-a", ("x-a", "x-a")),
        ("*", ("*",)),
        ("!#$%&'*+.^_`|~09az-AZ", ("!#$%&'*+.^_`|~09az-az",)),
    ],
)
def test_parse_request_headers(value: str, parsed: tuple[str, ...]) -> None:
    assert tokens_module.parse_request_headers(value) == parsed


@pytest.mark.parametrize(
    "name",
    ["x a", "x:a", "x-a\r\nx-b", "x/y", "(x)", '"x"', "x;a", "é", "x\x00", "x=1", "[x]", "{x}"],
)
def test_malformed_names_refuse(name: str) -> None:
    reason = tokens_module.parse_request_headers("x-a," + name)
    assert isinstance(reason, str)
    assert reason.startswith("Access-Control-Request-Headers has a malformed name ")
    assert repr(name.strip(" \t")) in reason


def test_length_bound() -> None:
    at_limit = ",".join(["a" * 63] * 64) + ","  # 4096 characters, 64 names
    assert len(at_limit) == 4096
    assert tokens_module.parse_request_headers(at_limit) == ("a" * 63,) * 64
    over = at_limit + "b"
    assert tokens_module.parse_request_headers(over) == (
        "Access-Control-Request-Headers is longer than 4096 bytes"
    )


def test_count_bound() -> None:
    sixty_four = ",".join(f"x-{i}" for i in range(64))
    assert len(tokens_module.parse_request_headers(sixty_four)) == 64
    assert isinstance(tokens_module.parse_request_headers(sixty_four + ",x-64"), str)
    # Empty items do not count.
    assert len(tokens_module.parse_request_headers(sixty_four + ",,, ,")) == 64


class _SpyStr(str):
    splits = 0

    def split(self, *args: Any, **kwargs: Any) -> list[str]:  # type: ignore[override]
        type(self).splits += 1
        return super().split(*args, **kwargs)


class _CountingToken:
    def __init__(self, token: re.Pattern[str]) -> None:
        self.token = token
        self.calls = 0

    def fullmatch(self, value: str) -> re.Match[str] | None:
        self.calls += 1
        return self.token.fullmatch(value)


def test_oversized_value_is_refused_before_any_parsing() -> None:
    policy = CORSPolicy(allow_origins=[APP], allow_headers=["*"])
    hostile = _SpyStr("," * 100_000)
    decision = preflight(policy, APP, "GET", hostile)
    assert not decision.allowed
    assert _SpyStr.splits == 0


def test_too_many_names_stop_the_parse_early(monkeypatch: pytest.MonkeyPatch) -> None:
    counting = _CountingToken(tokens_module.TOKEN)
    monkeypatch.setattr(tokens_module, "TOKEN", counting)
    policy = CORSPolicy(allow_origins=[APP], allow_headers=["*"])
    decision = preflight(policy, APP, "GET", ",".join(["a"] * 2000))  # 3999 bytes
    assert not decision.allowed
    assert counting.calls == 64  # validated up to the bound, then refused


# --- max_age -------------------------------------------------------------------------------


@pytest.mark.parametrize(("max_age", "value"), [(0, "0"), (600, "600"), (7200, "7200")])
def test_max_age(max_age: int, value: str) -> None:
    policy = CORSPolicy(allow_origins=[APP], max_age=max_age)
    assert header(preflight(policy, APP), "Access-Control-Max-Age") == value
    assert header(actual(policy, APP), "Access-Control-Max-Age") is None


def test_max_age_default_and_none() -> None:
    assert header(preflight(CORSPolicy(allow_origins=[APP]), APP), "Access-Control-Max-Age") == (
        "600"
    )
    omitted = preflight(CORSPolicy(allow_origins=[APP], max_age=None), APP)
    assert omitted.allowed
    assert "Access-Control-Max-Age" not in names(omitted)


def test_max_age_up_to_firefox_cap_warns_about_chromium() -> None:
    with pytest.warns(CORSConfigWarning, match=r"\[W004\]"):
        policy = CORSPolicy(allow_origins=[APP], max_age=86400)
    assert header(preflight(policy, APP), "Access-Control-Max-Age") == "86400"


# --- Private network access (legacy, opt-in) ----------------------------------------------


def test_private_network() -> None:
    policy = CORSPolicy(allow_origins=[APP], allow_private_network=True)
    asked = preflight(policy, APP, private_network=True)
    assert header(asked, "Access-Control-Allow-Private-Network") == "true"
    assert asked.vary == PNA_VARY
    not_asked = preflight(policy, APP)
    assert header(not_asked, "Access-Control-Allow-Private-Network") is None
    assert not_asked.vary == PNA_VARY
    refused = preflight(policy, EVIL, private_network=True)
    assert refused.vary == PNA_VARY
    assert actual(policy, APP).vary == ("Origin",)


# --- Vary ----------------------------------------------------------------------------------


def test_vary_tokens_for_each_kind() -> None:
    policy = CORSPolicy(allow_origins=[APP])
    assert policy.decide("GET", None).vary == ("Origin",)
    assert actual(policy, APP).vary == ("Origin",)
    assert actual(policy, EVIL).vary == ("Origin",)
    assert preflight(policy, APP).vary == PREFLIGHT_VARY
    assert preflight(policy, EVIL).vary == PREFLIGHT_VARY
    # A public policy's answer does not depend on the origin: no Vary on the
    # responses it decorates (one cached copy), but its preflights still vary.
    star = CORSPolicy(allow_origins=["*"])
    assert actual(star, APP).vary == ()
    assert star.decide("GET", None).vary == ()
    assert preflight(star, APP).vary == PREFLIGHT_VARY
    for decision in (actual(policy, APP), preflight(policy, APP)):
        assert "vary" not in [n.lower() for n in names(decision)]
