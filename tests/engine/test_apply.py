"""merge_vary(), apply_decision(), and the immutability of policies and decisions."""

from __future__ import annotations

import re

import pytest

from corecors import CORSPolicy, Decision, apply_decision, merge_vary

APP = "https://app.example.com"
POLICY = CORSPolicy(allow_origins=[APP], allow_credentials=True, expose_headers=["X-Total"])


# --- merge_vary ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("existing", "tokens", "merged"),
    [
        ([], ["Origin"], "Origin"),
        (["Accept-Encoding"], ["Origin"], "Accept-Encoding, Origin"),
        (["Accept-Encoding, Cookie"], ["Origin"], "Accept-Encoding, Cookie, Origin"),
        (["Accept-Encoding", "Cookie"], ["Origin"], "Accept-Encoding, Cookie, Origin"),
        (["origin"], ["Origin"], "origin"),  # never duplicated, case-insensitively
        (
            ["Origin, Accept"],
            ["Origin", "Access-Control-Request-Method"],
            "Origin, Accept, Access-Control-Request-Method",
        ),
        ([" Accept ,, Cookie ,"], ["Origin"], "Accept, Cookie, Origin"),
        (["*"], ["Origin"], "*"),  # varies on everything already
        (["Accept, *"], ["Origin"], "*"),
        ([""], ["Origin"], "Origin"),
        ([], [], ""),
    ],
)
def test_merge_vary(existing: list[str], tokens: list[str], merged: str) -> None:
    assert merge_vary(existing, tokens) == merged


# --- apply_decision ------------------------------------------------------------------------


def test_granted_decision_replaces_the_apps_own_grants() -> None:
    app_headers = [
        ("Content-Type", "text/plain"),
        ("access-control-allow-origin", "*"),
        ("Access-Control-Allow-Credentials", "false"),
        ("ACCESS-CONTROL-EXPOSE-HEADERS", "X-Secret"),
        ("Access-Control-Max-Age", "5"),  # not a grant of an actual request: kept
        ("X-App", "1"),
    ]
    result = apply_decision(app_headers, POLICY.decide("GET", APP))
    assert result == [
        ("Content-Type", "text/plain"),
        ("Access-Control-Max-Age", "5"),
        ("X-App", "1"),
        ("Access-Control-Allow-Origin", APP),
        ("Access-Control-Allow-Credentials", "true"),
        ("Access-Control-Expose-Headers", "X-Total"),
        ("Vary", "Origin"),
    ]
    lowered = [name.lower() for name, _ in result]
    assert lowered.count("access-control-allow-origin") == 1


def test_refused_decision_keeps_the_apps_headers_and_adds_vary() -> None:
    app_headers = [("Access-Control-Allow-Origin", "*"), ("X-App", "1")]
    result = apply_decision(app_headers, POLICY.decide("GET", "https://evil.example"))
    assert result == [*app_headers, ("Vary", "Origin")]
    no_origin = apply_decision([("X-App", "1")], POLICY.decide("GET", None))
    assert no_origin == [("X-App", "1"), ("Vary", "Origin")]


def test_vary_is_merged_into_one_header() -> None:
    app_headers = [("Vary", "Accept-Encoding"), ("X-App", "1"), ("vary", "Cookie, origin")]
    result = apply_decision(app_headers, POLICY.decide("GET", APP))
    assert [v for k, v in result if k.lower() == "vary"] == ["Accept-Encoding, Cookie, origin"]


def test_apply_decision_does_not_touch_its_input() -> None:
    app_headers = [("Access-Control-Allow-Origin", "*"), ("Vary", "Cookie")]
    before = list(app_headers)
    apply_decision(app_headers, POLICY.decide("GET", APP))
    assert app_headers == before


# --- Immutability --------------------------------------------------------------------------


def test_policy_attributes_cannot_be_set_or_deleted() -> None:
    policy = CORSPolicy(allow_origins=[APP])
    for name in ("_exact", "_credentials", "allow_credentials", "config_warnings", "new"):
        with pytest.raises(AttributeError, match="immutable"):
            setattr(policy, name, True)
        with pytest.raises(AttributeError, match="immutable"):
            delattr(policy, name)
    assert policy.decide("GET", APP).allowed
    assert not policy.allow_credentials


def test_policy_read_only_views_do_not_leak_state() -> None:
    policy = CORSPolicy(allow_origins=[APP], allow_headers=["X-Token", "Content-Type"])
    options = policy.options
    options["allow_origins"] = ("*",)
    assert policy.options["allow_origins"] == (APP,)
    assert policy.allow_origins == (APP,)
    assert not policy.decide("GET", "https://evil.example").allowed
    # The always-allowed headers are not reported as options...
    assert policy.options["allow_headers"] == ("x-token",)
    # ...so the options rebuild an equivalent policy.
    rebuilt = CORSPolicy(**policy.options)
    assert rebuilt.options == policy.options
    for decision in (rebuilt.decide("OPTIONS", APP, "GET", "x-token"), rebuilt.decide("GET", APP)):
        assert decision.allowed
    assert not rebuilt.decide("OPTIONS", APP, "GET", "x-other").allowed


def test_policy_repr_shows_normalised_options() -> None:
    policy = CORSPolicy(
        allow_origins=["HTTPS://App.Example.com:443", "null"],
        allow_origin_regex=r"https://r\.example",
        allow_methods=["get", "*"],
        max_age=None,
    )
    text = repr(policy)
    assert text.startswith("CORSPolicy(allow_origins=('https://app.example.com', 'null'), ")
    assert "allow_origin_regex=(re.compile('https://r\\\\.example'),)" in text
    assert "allow_methods=('*', 'GET')" in text
    assert "max_age=None" in text


def test_decisions_are_immutable_and_shared() -> None:
    decision = POLICY.decide("GET", APP)
    with pytest.raises(AttributeError):
        decision.allowed = False  # type: ignore[misc]
    assert isinstance(decision.headers, tuple)
    # A listed origin's decision is precomputed once: no object is built per request.
    assert POLICY.decide("GET", APP) is decision
    assert POLICY.decide("GET", None) is POLICY.decide("POST", None)


def test_regex_option_is_the_compiled_tuple() -> None:
    policy = CORSPolicy(allow_origin_regex=[r"https://a\.example", re.compile("https://b")])
    assert all(isinstance(r, re.Pattern) for r in policy.options["allow_origin_regex"])
    assert isinstance(policy.options["allow_origin_regex"], tuple)


def test_decision_fields() -> None:
    # The contract (docs/architecture.md, "The decision"): these fields, in this order.
    assert Decision._fields == (
        "kind",
        "allowed",
        "status",
        "headers",
        "vary",
        "reason",
        "body",
        "refusal",
    )
