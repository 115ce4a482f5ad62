"""Hints that name the fix in one step, and refusals that name a near miss."""

from __future__ import annotations

import ast
import re
from typing import Any

import pytest

from corecors import ConfigProblem, CORSPolicy
from corecors.engine._refusals import NearMisses

from .support import only_problem, preflight

APP = "http://localhost:5173"


def suggested(problem: ConfigProblem, option: str) -> Any:
    """The value the fix tells the user to write for ``option`` (``option=[...]``)."""
    found = re.search(rf"{option}=(\[.*?\])(?: |$)", problem.fix)
    assert found is not None, problem.fix
    return ast.literal_eval(found.group(1))


# (options, the option to rewrite, the list the fix must propose)
SPLITS: list[tuple[str, dict[str, Any], str, list[str]]] = [
    ("methods-string", {"allow_methods": "GET, POST"}, "allow_methods", ["GET", "POST"]),
    ("methods-lower", {"allow_methods": "get post"}, "allow_methods", ["GET", "POST"]),
    (
        "origins-env-string",
        {"allow_origins": "http://localhost:5173,http://localhost:3000/"},
        "allow_origins",
        ["http://localhost:5173", "http://localhost:3000"],
    ),
    (
        "origins-one-string",
        {"allow_origins": "HTTPS://App.Example.com/"},
        "allow_origins",
        ["https://app.example.com"],
    ),
    (
        "origins-string-without-scheme",
        {"allow_origins": "localhost:5173, 127.0.0.1:5173"},
        "allow_origins",
        ["http://localhost:5173", "http://127.0.0.1:5173"],
    ),
    (
        "origins-string-with-path",
        {"allow_origins": "http://localhost:5173/app"},
        "allow_origins",
        ["http://localhost:5173"],
    ),
    ("origins-string-file", {"allow_origins": "file://"}, "allow_origins", ["null"]),
    (
        "origins-joined-item",
        {"allow_origins": ["http://a.example, http://b.example"]},
        "allow_origins",
        ["http://a.example", "http://b.example"],
    ),
    (
        "headers-string",
        {"allow_headers": "Authorization, X-Token"},
        "allow_headers",
        ["Authorization", "X-Token"],
    ),
    (
        "expose-string",
        {"expose_headers": "X-Total X-Page"},
        "expose_headers",
        ["X-Total", "X-Page"],
    ),
]


@pytest.mark.parametrize(
    ("options", "option", "expected"), [s[1:] for s in SPLITS], ids=[s[0] for s in SPLITS]
)
def test_a_joined_list_gets_the_split_list_and_the_fix_works(
    options: dict[str, Any], option: str, expected: list[str]
) -> None:
    problem = only_problem(**options)
    assert problem.option == option
    assert suggested(problem, option) == expected
    # The fix, applied as written, is a configuration that works (one step).
    CORSPolicy(**{**options, option: suggested(problem, option)})


REGEXES = [
    r"^https://.*\.example\.com$",
    "https?://app.example.com",
    r"https://(app|admin)\.example\.com",
    "https://[a-z]+.example.com",
    "https://.*",
]


@pytest.mark.parametrize("regex", REGEXES)
def test_a_regex_in_allow_origins_is_moved_to_allow_origin_regex(regex: str) -> None:
    problem = only_problem(allow_origins=[regex])
    assert (problem.code, problem.option, problem.value) == ("E001", "allow_origins", regex)
    assert "is a regex" in problem.message
    moved = suggested(problem, "allow_origin_regex")
    assert moved == [regex]
    CORSPolicy(allow_origin_regex=moved)  # the fix compiles


def test_a_regex_written_as_the_whole_allow_origins_string_is_moved_in_one_step() -> None:
    regex = r"^https://.*\.example\.com$"
    problem = only_problem(allow_origins=regex)
    assert (problem.option, problem.value) == ("allow_origins", regex)
    moved = suggested(problem, "allow_origin_regex")
    assert moved == [regex]
    assert CORSPolicy(allow_origin_regex=moved).matcher.allow_origin("https://a.example.com")


def test_regexes_among_a_joined_string_of_origins_go_to_allow_origin_regex() -> None:
    regex = r"^https://.*\.example\.com$"
    problem = only_problem(allow_origins=f"http://localhost:5173, {regex}")
    origins = suggested(problem, "allow_origins")
    regexes = suggested(problem, "allow_origin_regex")
    assert (origins, regexes) == (["http://localhost:5173"], [regex])
    CORSPolicy(allow_origins=origins, allow_origin_regex=regexes)


def test_origins_that_look_like_regexes_but_are_not_keep_their_own_message() -> None:
    # An IPv6 literal has brackets, and a misplaced wildcard is not a regex.
    assert CORSPolicy(allow_origins=["http://[::1]:8000"]).allow_origins == ("http://[::1]:8000",)
    assert only_problem(allow_origins=["https://api.*.example.com"]).code == "E003"
    assert "regex" not in only_problem(allow_origins=["https://exa mple.com"]).message


def test_a_regex_that_a_raw_string_cannot_hold_is_written_as_a_plain_literal() -> None:
    for regex in ["^https://o'brien\\.example$", "https://(a|b)\\"]:
        problem = only_problem(allow_origins=[regex])
        assert suggested(problem, "allow_origin_regex") == [regex]


def test_a_compiled_pattern_in_allow_origins_is_moved_to_allow_origin_regex() -> None:
    pattern = re.compile(r"https://[a-z]+\.example\.com")
    problem = only_problem(allow_origins=[pattern])
    assert (problem.code, problem.value) == ("E011", pattern)
    assert problem.fix == "move it to allow_origin_regex"
    assert CORSPolicy(allow_origin_regex=[pattern]).matcher.allow_origin("https://a.example.com")


def test_file_origin_is_null_with_its_caveat() -> None:
    problem = only_problem(allow_origins=["file://"])
    assert problem.code == "E001"
    assert "browsers send 'Origin: null'" in problem.message
    assert problem.fix.startswith("use 'null'")
    assert "any sandboxed iframe" in problem.fix


@pytest.mark.parametrize("option", ["allow_headers", "expose_headers"])
@pytest.mark.parametrize("name", ["X-Company-.*", "X-Company-*", "^X-Company$", "X-A|X-B"])
def test_a_regex_header_name_is_an_error_naming_the_fix(option: str, name: str) -> None:
    problem = only_problem(**{option: [name]})
    assert (problem.code, problem.option, problem.value) == ("E008", option, name)
    assert "matched literally" in problem.message
    assert f"{option}=['X-Company-Id', 'X-Company-Tenant']" in problem.fix
    assert f"{option}=['*']" in problem.fix
    if option == "expose_headers":
        assert "only without credentials" in problem.fix


def test_fixes_are_templated_for_an_adapters_vocabulary() -> None:
    problem = only_problem(allow_methods="GET, POST")
    assert problem.render(str.upper).fix == "write ALLOW_METHODS=['GET', 'POST']"
    regex = only_problem(allow_origins=["^https://a{1,3}\\.example$"])
    assert "ALLOW_ORIGIN_REGEX=[r'^https://a{1,3}\\.example$']" in regex.render(str.upper).fix


# A refused origin that differs from a configured one only by scheme, port, www.
# or the loopback name: (configured, refused, the difference named).
NEAR: list[tuple[str, str, str]] = [
    ("http://localhost:5173", "http://127.0.0.1:5173", "its host is 127.0.0.1, not localhost"),
    ("http://127.0.0.1:5173", "http://[::1]:5173", "its host is [::1], not 127.0.0.1"),
    ("http://localhost:5173", "http://localhost:5174", "its port is 5174, not 5173"),
    ("https://app.example.com", "http://app.example.com", "its scheme is http, not https"),
    (
        "https://example.com",
        "https://www.example.com",
        "its host is www.example.com, not example.com",
    ),
    (
        "https://www.example.com",
        "https://example.com:8443",
        "its port is 8443, not the default; its host is example.com, not www.example.com",
    ),
    ("http://localhost:*", "http://127.0.0.1:3000", "its host is 127.0.0.1, not localhost"),
    # A subdomain pattern never covers its apex, nor another scheme or port.
    (
        "https://*.example.com",
        "https://example.com",
        "its host is example.com, not a subdomain of example.com",
    ),
    ("https://*.example.com", "http://api.example.com", "its scheme is http, not https"),
    ("https://*.example.com:8443", "https://a.b.example.com", "its port is the default, not 8443"),
]


@pytest.mark.parametrize(("configured", "refused", "difference"), NEAR)
def test_a_near_miss_is_named_on_refusal(configured: str, refused: str, difference: str) -> None:
    policy = CORSPolicy(allow_origins=["https://other.example", configured], allow_methods=["PUT"])
    suggestion = f"did you mean {configured!r}? {difference}"
    refusal = preflight(policy, refused, "PUT")
    assert not refusal.allowed
    assert refusal.reason == (
        f"origin {refused!r} is not allowed ({suggestion}); add it to allow_origins"
    )
    actual = policy.actual(refused)
    assert not actual.allowed
    assert actual.reason == f"origin {refused!r} is not allowed ({suggestion})"


def test_no_near_miss_for_an_unrelated_origin() -> None:
    policy = CORSPolicy(allow_origins=["http://localhost:5173"])
    assert (
        policy.actual("https://evil.example").reason
        == "origin 'https://evil.example' is not allowed"
    )
    assert policy.actual("not an origin").reason == "origin 'not an origin' is not allowed"
    # A subdomain pattern is near only the hosts under its base.
    wildcard = CORSPolicy(allow_origins=["https://*.example.com"])
    for origin in ["https://example.org", "https://notexample.com", "http://[::1]:3000"]:
        assert wildcard.actual(origin).reason == f"origin {origin!r} is not allowed"


def test_an_origin_over_the_size_limit_gets_no_near_miss() -> None:
    # Refused before it is scanned, even when it is a near miss of a configured origin.
    host = "a" * 1000 + ".example"
    configured = f"https://{host}"  # 1016 characters: within the limit
    policy = CORSPolicy(allow_origins=[configured])
    near = f"https://www.{host}"  # within the limit: named
    assert f"did you mean {configured!r}?" in (policy.actual(near).reason or "")
    huge = f"https://www.{host}:8443"  # 1025 characters: over it
    assert policy.actual(huge).reason == f"origin {huge[:80]!r}... (1025 chars) is not allowed"


def test_the_closest_configured_origin_is_named() -> None:
    policy = CORSPolicy(allow_origins=["https://localhost:8443", "http://localhost:3000"])
    reason = policy.actual("http://127.0.0.1:3000").reason
    assert reason == (
        "origin 'http://127.0.0.1:3000' is not allowed (did you mean 'http://localhost:3000'? "
        "its host is 127.0.0.1, not localhost)"
    )


def test_the_allowed_path_never_looks_for_a_near_miss(monkeypatch: pytest.MonkeyPatch) -> None:
    # The did-you-mean is computed on refusal only: allowed requests never ask for it.
    asked: list[str] = []
    suggest = NearMisses.suggest

    def counting(self: NearMisses, origin: str) -> str | None:
        asked.append(origin)
        return suggest(self, origin)

    monkeypatch.setattr(NearMisses, "suggest", counting)
    origins = [f"https://app{i}.example.com" for i in range(2_000)]
    policy = CORSPolicy(allow_origins=origins)
    for origin in origins[:50]:
        assert policy.actual(origin).allowed
        assert policy.preflight(origin, "GET", None, False).allowed
    assert asked == []
    refused = policy.actual("http://app7.example.com")
    assert "did you mean 'https://app7.example.com'?" in (refused.reason or "")
    assert asked == ["http://app7.example.com"]


def test_refusals_name_options_through_the_vocabulary() -> None:
    policy = CORSPolicy(allow_origins=[APP], vocabulary=lambda option: f"CORS_{option.upper()}")
    assert preflight(policy, "http://evil.example", "GET").reason == (
        "origin 'http://evil.example' is not allowed; add it to CORS_ALLOW_ORIGINS"
    )
    assert preflight(policy, APP, "PUT").reason == (
        "method 'PUT' is not allowed; add it to CORS_ALLOW_METHODS"
    )
    assert preflight(policy, APP, "GET", "x-token").reason == (
        "header 'x-token' is not allowed; add it to CORS_ALLOW_HEADERS"
    )
    assert preflight(policy, APP, "GET", None, True).reason == (
        "private network access was requested; set CORS_ALLOW_PRIVATE_NETWORK=True"
    )
    refusal = preflight(policy, APP, "PUT").refusal
    assert refusal is not None
    assert (
        refusal.render(lambda option: option)
        == "method 'PUT' is not allowed; add it to allow_methods"
    )


@pytest.mark.parametrize("method", ["GET", "HEAD", "POST"])
def test_safelisted_methods_always_pass_the_method_check(method: str) -> None:
    # Fetch, CORS-preflight fetch: the browser never checks them against
    # Access-Control-Allow-Methods, so a JSON POST's preflight passes too.
    policy = CORSPolicy(allow_origins=[APP], allow_methods=["PUT"], allow_headers=["X-Token"])
    decision = preflight(policy, APP, method, "content-type,x-token")
    assert decision.allowed
    assert decision.status == 200
    assert dict(decision.headers)["Access-Control-Allow-Methods"] == "PUT"
    empty = CORSPolicy(allow_origins=[APP], allow_methods=[])
    assert dict(preflight(empty, APP, method).headers)["Access-Control-Allow-Methods"] == method
    assert not preflight(empty, APP, method.lower() + "x").allowed


def test_a_method_allowed_in_another_case_is_named_and_both_fixes_work() -> None:
    # fetch(url, {method: "patch"}) asks for "patch": methods are case-sensitive.
    policy = CORSPolicy(allow_origins=[APP], allow_methods=["GET", "PATCH"])
    refused = preflight(policy, APP, "patch")
    assert not refused.allowed
    assert refused.reason == (
        "method 'patch' is not allowed: methods are case-sensitive, and 'PATCH' is allowed "
        "(fetch() upper-cases only DELETE, GET, HEAD, OPTIONS, POST and PUT); send 'PATCH' "
        "from the page, or add 'patch' to allow_methods"
    )
    assert preflight(policy, APP, "PATCH").allowed  # the first fix
    assert preflight(
        CORSPolicy(allow_origins=[APP], allow_methods=["PATCH", "patch"]), APP, "patch"
    ).allowed  # the second fix
    assert preflight(policy, APP, "PUT").reason == (
        "method 'PUT' is not allowed; add it to allow_methods"
    )


@pytest.mark.parametrize(
    ("regex", "fixed"),
    [
        (r"https://.*\.example\.com/", r"https://.*\.example\.com"),
        (r"^https://app\.example\.com/$", r"^https://app\.example\.com$"),
        (r"https://app\.example\.com\/", r"https://app\.example\.com"),
    ],
)
def test_an_origin_regex_ending_with_a_slash_is_an_error_whose_fix_matches(
    regex: str, fixed: str
) -> None:
    # It compiles, and never matches: no origin ends with a slash.
    problem = only_problem(allow_origin_regex=[regex])
    assert (problem.code, problem.option, problem.value) == ("E004", "allow_origin_regex", regex)
    assert "never matches" in problem.message
    assert problem.fix == f"use r'{fixed}'"
    policy = CORSPolicy(allow_origin_regex=[fixed])
    assert policy.matcher.allow_origin("https://app.example.com") == "https://app.example.com"
    compiled = only_problem(allow_origin_regex=re.compile(regex))
    assert (compiled.code, compiled.fix) == ("E004", f"use r'{fixed}'")
