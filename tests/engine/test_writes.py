"""protect_writes in the core: corecors.engine._writes (DESIGN.md §7.1, Go 1.25's algorithm)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corecors import CORSConfigError, CORSConfigWarning, CORSPolicy
from corecors.engine._writes import same_host
from tests.writes import HOST, OPTIONS, ROWS, Row, ids


@pytest.mark.parametrize("row", ROWS, ids=ids)
def test_the_table(row: Row) -> None:
    refusal = CORSPolicy(**OPTIONS).writes.refusal(row.method, row.origin, row.site, HOST)  # type: ignore[union-attr]
    assert (refusal is None) is row.passes
    if refusal is not None:
        assert refusal.what == "write"
        assert "allow_origins" in refusal.render()
        assert "protect_writes=False" in refusal.text


def test_off_by_default() -> None:
    assert CORSPolicy(allow_origins=["https://a.example"], allow_credentials=True).writes is None
    assert CORSPolicy(protect_writes=True).options["protect_writes"] is True


def test_not_a_bool_is_a_config_error() -> None:
    with pytest.raises(CORSConfigError, match=r"protect_writes='yes': must be True or False"):
        CORSPolicy(protect_writes="yes")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "options",
    [
        # A listing without credentials trusts reads, not cookie-bearing writes.
        {"allow_origins": ["https://app.example.com"]},
        # "*" never trusts, with or without credentials; "null" never.
        {"allow_origins": ["*"]},
        {"allow_origins": ["*", "null"], "allow_credentials": False},
    ],
)
def test_only_an_explicit_credentialed_rule_trusts(
    options: dict[str, object], recwarn: pytest.WarningsRecorder
) -> None:
    guard = CORSPolicy(**options, protect_writes=True).writes  # type: ignore[arg-type]
    assert guard is not None
    for origin in ("https://app.example.com", "https://evil.example", "null"):
        assert guard.refusal("POST", origin, "cross-site", HOST) is not None


def test_star_and_null_with_credentials_never_trust() -> None:
    with pytest.warns(CORSConfigWarning, match="W00"):
        policy = CORSPolicy(
            allow_origins=["*", "null"], allow_credentials=True, protect_writes=True
        )
    guard = policy.writes
    assert guard is not None
    assert guard.refusal("POST", "https://evil.example", "cross-site", HOST) is not None
    assert guard.refusal("POST", "null", "cross-site", HOST) is not None


def test_regex_and_function_trust_with_credentials() -> None:
    policy = CORSPolicy(
        allow_origin_regex=r"https://[a-z]+\.regex\.example",
        allow_origin_func=lambda origin: origin == "https://func.example",
        allow_credentials=True,
        protect_writes=True,
    )
    guard = policy.writes
    assert guard is not None
    for origin in ("https://a.regex.example", "https://func.example"):
        assert guard.refusal("POST", origin, "cross-site", HOST) is None
    assert guard.refusal("POST", "https://a.regex.example.evil", "cross-site", HOST) is not None
    assert guard.refusal("POST", "x" * 5000, "cross-site", HOST) is not None


@pytest.mark.parametrize(
    ("origin", "host", "same"),
    [
        ("http://api.example.com", "api.example.com", True),
        ("http://api.example.com", "API.Example.com:80", True),
        ("https://api.example.com", "api.example.com:443", True),
        ("http://api.example.com:8000", "api.example.com:8000", True),
        ("http://api.example.com", "api.example.com:8000", False),
        ("https://api.example.com", "api.example.com:80", False),
        ("http://api.example.com", None, False),
        ("api.example.com", "api.example.com", False),
        ("http://api.example.com", "api.example.com" + "a" * 2000, False),
        ("foo://api.example.com", "api.example.com:80", False),
    ],
)
def test_same_host(origin: str, host: str | None, same: bool) -> None:
    assert same_host(origin, host) is same


def test_the_refusal_is_worded_in_the_policy_vocabulary() -> None:
    names = {"allow_origins": "CORS_ALLOWED_ORIGINS", "protect_writes": "CORECORS_PROTECT_WRITES"}
    policy = CORSPolicy(protect_writes=True, vocabulary=lambda option: names.get(option, option))
    refusal = policy.writes.refusal("POST", None, "cross-site", None)  # type: ignore[union-attr]
    assert refusal is not None
    assert "without Origin" in refusal.text
    assert "CORS_ALLOWED_ORIGINS" in refusal.text
    assert refusal.render(str.upper) == refusal.text  # already worded; braces kept literal
    hostile = policy.writes.refusal("PO{x}ST\n", "https://{a}\r\n", None, "h{}")  # type: ignore[union-attr]
    assert hostile is not None
    assert "\n" not in hostile.render(str.upper)


@given(
    method=st.text(max_size=20),
    origin=st.none() | st.text(max_size=40),
    site=st.none() | st.text(max_size=20),
    host=st.none() | st.text(max_size=40),
)
def test_any_value_gives_an_answer_and_safe_methods_always_pass(
    method: str, origin: str | None, site: str | None, host: str | None
) -> None:
    guard = CORSPolicy(**OPTIONS).writes  # type: ignore[arg-type]
    assert guard is not None
    refusal = guard.refusal(method, origin, site, host)
    if method in ("GET", "HEAD", "OPTIONS"):
        assert refusal is None
