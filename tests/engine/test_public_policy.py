"""Public policies ("*" without credentials) cache as one copy.

Fetch: ``Access-Control-Allow-Origin: *`` serves every origin when the request
is made without credentials, so the answer does not depend on the ``Origin``
and a response that carries it needs no ``Vary: Origin``. Every non-preflight
response, with or without an ``Origin``, gets the same ``*``, so a shared cache
keeps one copy. Preflights keep their Vary (the answer depends on the requested
method and headers); credentialed and listed-origin policies keep Vary: Origin.
"""

from __future__ import annotations

import contextlib

import pytest

from corecors import CORSConfigWarning, CORSPolicy, apply_decision

from .support import actual, header, preflight

APP = "https://app.example.com"
PUBLIC = CORSPolicy(allow_origins=["*"], expose_headers=["X-Total"])
GRANT = (("Access-Control-Allow-Origin", "*"), ("Access-Control-Expose-Headers", "X-Total"))
PREFLIGHT_VARY = ("Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers")


@pytest.mark.parametrize(
    "origin",
    [None, APP, "null", f"{APP}, https://evil.example.org", "HTTPS://APP.EXAMPLE.COM", "x" * 5000],
    ids=["none", "origin", "null", "two-origins", "upper-case", "huge"],
)
@pytest.mark.parametrize("method", ["GET", "POST", "OPTIONS"])
def test_every_non_preflight_request_gets_the_same_star_and_no_vary(
    origin: str | None, method: str
) -> None:
    decision = PUBLIC.decide(method, origin)
    assert decision.kind == ("none" if origin is None else "actual")
    assert decision.allowed
    assert decision.reason is None
    assert decision.headers == GRANT
    assert decision.vary == ()
    assert (decision.status, decision.body, decision.refusal) == (None, b"", None)


def test_public_preflights_keep_their_vary_and_answer_null() -> None:
    for origin in (APP, "null"):
        decision = preflight(PUBLIC, origin)
        assert decision.allowed
        assert header(decision, "Access-Control-Allow-Origin") == "*"
        assert decision.vary == PREFLIGHT_VARY
    refused = preflight(PUBLIC, APP, "PUT")  # allow_methods is GET only
    assert not refused.allowed
    assert refused.vary == PREFLIGHT_VARY


def test_listed_origins_with_star_are_public_too() -> None:
    policy = CORSPolicy(allow_origins=["*", APP], allow_origin_regex=r"https://.*\.example\.net")
    for origin in (APP, "https://a.example.net", None):
        assert policy.decide("GET", origin).vary == ()
        assert header(policy.decide("GET", origin), "Access-Control-Allow-Origin") == "*"


@pytest.mark.parametrize(
    ("options", "warns"),
    [
        ({"allow_origins": [APP]}, False),
        ({"allow_origins": [APP], "allow_credentials": True}, False),
        ({"allow_origins": ["*"], "allow_credentials": True}, True),
        ({"allow_origins": ["*", APP], "allow_credentials": True}, True),
        ({"allow_origin_regex": r".*"}, False),
    ],
    ids=[
        "listed",
        "listed-credentials",
        "star-credentials",
        "star-and-listed-credentials",
        "regex",
    ],
)
def test_other_policies_keep_vary_origin(options: dict[str, object], warns: bool) -> None:
    with pytest.warns(CORSConfigWarning) if warns else contextlib.nullcontext():
        policy = CORSPolicy(**options)  # type: ignore[arg-type]
    for origin in (None, APP, "https://evil.example.org"):
        assert policy.decide("GET", origin).vary == ("Origin",)
    assert actual(policy, None).headers == ()


def test_apply_decision_leaves_the_apps_vary_alone_and_adds_none() -> None:
    app = [("Vary", "Accept-Encoding"), ("X-App", "1"), ("Access-Control-Allow-Origin", "*")]
    for origin in (None, APP):
        result = apply_decision(app, PUBLIC.decide("GET", origin))
        assert result == [("Vary", "Accept-Encoding"), ("X-App", "1"), *GRANT]
    assert apply_decision([("X-App", "1")], PUBLIC.decide("GET", None)) == [("X-App", "1"), *GRANT]
