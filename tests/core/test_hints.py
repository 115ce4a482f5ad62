"""Hints that name the fix in one step, and refusals that name a near miss."""

from __future__ import annotations

import ast
import re
import time
from typing import Any

import pytest

from corecors import ConfigProblem, CORSPolicy, Decision

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


def test_the_allowed_path_never_builds_the_near_miss_index() -> None:
    # 20 000 origins: building their index costs milliseconds; the first allowed
    # requests cost microseconds because the index is built on the first refusal only.
    # (The core never logs: the near miss is in the refusal's reason.)
    origins = [f"https://app{i}.example.com" for i in range(20_000)]
    policy = CORSPolicy(allow_origins=origins)
    allowed = min(_seconds(lambda: policy.actual(origins[-1])) for _ in range(5))
    refused: list[Decision] = []
    first_refusal = _seconds(lambda: refused.append(policy.actual("http://app7.example.com")))
    assert "did you mean 'https://app7.example.com'?" in (refused[0].reason or "")
    assert first_refusal > 20 * allowed, (first_refusal, allowed)


def _seconds(call: Any) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


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
