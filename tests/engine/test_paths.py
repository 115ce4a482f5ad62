"""PathPolicies: a policy per URL path; the first match wins."""

from __future__ import annotations

import re

import pytest

from corecors import CORSConfigError, CORSPolicy, PathPolicies

API = CORSPolicy(allow_origins=["https://app.example.com"])
PUBLIC = CORSPolicy(allow_origins=["*"])
OTHER = CORSPolicy(allow_origins=["https://other.example.com"])


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("/api/*", "/api/", True),
        ("/api/*", "/api/items/1", True),
        ("/api/*", "/api", False),  # "/api/*" is what is below /api/
        ("/api/*", "/apix/1", False),
        ("/api/*", "/API/items", False),  # case-sensitive
        ("/api*", "/api", True),
        ("/api*", "/apix", True),
        ("/health", "/health", True),
        ("/health", "/health/", False),
        ("/health", "/Health", False),
        ("/health", "/health?x=1", False),
        ("*", "/anything/at/all", True),
        ("/api/%41/*", "/api/A/x", False),  # no unquoting
        ("/api/%41/*", "/api/%41/x", True),
        ("/a+b", "/a b", False),  # no "+" decoding
        (re.compile(r"/v[0-9]+/items"), "/v2/items", True),
        (re.compile(r"/v[0-9]+/items"), "/v2/items/1", False),  # full match
        (re.compile(r"/v[0-9]+/items"), "/x/v2/items", False),
        (re.compile(r"/v[0-9]+/items", re.IGNORECASE), "/V2/ITEMS", True),
    ],
)
def test_pattern_kinds(pattern: str | re.Pattern[str], path: str, matches: bool) -> None:
    routes = PathPolicies([(pattern, API)])
    assert routes.for_path(path) is (API if matches else None)


def test_first_match_wins_and_none_carves_out() -> None:
    routes = PathPolicies(
        [
            ("/api/internal/*", None),
            ("/api/public/*", PUBLIC),
            ("/api/*", API),
            (re.compile(r"/files/.+"), OTHER),
            ("/api/public/special", OTHER),  # shadowed by /api/public/*
        ]
    )
    assert routes.for_path("/api/internal/users") is None
    assert routes.for_path("/api/public/logo") is PUBLIC
    assert routes.for_path("/api/public/special") is PUBLIC
    assert routes.for_path("/api/items") is API
    assert routes.for_path("/files/a.txt") is OTHER
    assert routes.for_path("/") is None
    assert routes.for_path("") is None


def test_policies_lists_each_distinct_policy_in_order() -> None:
    routes = PathPolicies([("/a/*", API), ("/b/*", None), ("/c/*", PUBLIC), ("/d/*", API)])
    assert routes.policies == (API, PUBLIC)
    assert PathPolicies([]).policies == ()


def test_repr_and_generators() -> None:
    routes = PathPolicies(iter([("/a/*", API), ("/b", PUBLIC)]))
    assert repr(routes) == "PathPolicies(<2 rules>)"
    assert routes.for_path("/b") is PUBLIC


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ([["/api/*", API]], "each rule must be a (pattern, policy) pair"),
        ([("/api/*",)], "each rule must be a (pattern, policy) pair"),
        ([("/api/*", API, "extra")], "each rule must be a (pattern, policy) pair"),
        (["/api/*"], "each rule must be a (pattern, policy) pair"),
        ([("/api/*", {"allow_origins": ["*"]})], "the policy must be a CORSPolicy or None"),
        ([(42, API)], "the pattern must be a str or a compiled str regex"),
        ([(re.compile(b"/api"), API)], "the pattern must be a str or a compiled str regex"),
        ([("api/*", API)], "a path pattern starts with '/': use '/api/*'"),
        ([("", API)], "a path pattern starts with '/': use '/'"),
        ([("/api/*/items", API)], "'*' is only allowed at the end"),
        ([("/**", API)], "'*' is only allowed at the end"),
        (None, "the rules must be a list of pairs"),
        ("/api/*", "the rules must be a list of pairs"),
    ],
)
def test_invalid_rules(rules: object, message: str) -> None:
    with pytest.raises(CORSConfigError) as caught:
        PathPolicies(rules)  # type: ignore[arg-type]
    (problem,) = caught.value.problems
    assert problem.code == "E012"
    assert problem.option == "rules"
    assert message in problem.message
    assert 'PathPolicies([("/api/*", CORSPolicy(...))])' in problem.fix


def test_all_invalid_rules_are_reported_together() -> None:
    with pytest.raises(CORSConfigError) as caught:
        PathPolicies([("/ok/*", API), ("bad", API), ("/x", "policy"), ("/y/*/z", None)])
    assert len(caught.value.problems) == 3
    assert [p.value for p in caught.value.problems] == [
        ("bad", API),
        ("/x", "policy"),
        ("/y/*/z", None),
    ]
