"""Two specific fixes: a list split from an environment variable, and flask-cors' wildcard."""

from __future__ import annotations

import ast
import re
from typing import Any

import pytest

from corecors import ConfigProblem, CORSPolicy
from tests.engine.support import only_problem


def proposed(problem: ConfigProblem, option: str) -> Any:
    found = re.search(rf"{option}=(\[.*?\])[;,) ]", problem.fix)
    assert found is not None, problem.fix
    return ast.literal_eval(found.group(1))


@pytest.mark.parametrize(
    ("option", "text", "fixed"),
    [
        ("allow_origins", "https://a.example/, https://b.example", ["https://a.example", "https://b.example"]),
        ("allow_origins", "https://a.example , http://LOCALHOST:80/,", ["https://a.example", "http://localhost"]),
        ("allow_methods", "GET, put", ["GET", "PUT"]),
        ("allow_headers", "X-A, X-B", ["X-A", "X-B"]),
    ],
)  # fmt: skip
def test_an_env_var_split_on_commas_gets_the_whole_corrected_list(
    option: str, text: str, fixed: list[str]
) -> None:
    value = text.split(",")
    problem = only_problem(**{option: value})
    assert problem.value == value
    assert "surrounding spaces" in problem.message
    assert "environment variable" in problem.message
    assert proposed(problem, option) == fixed
    assert ".split(',')" in problem.fix
    CORSPolicy(**{option: fixed})  # the fix, as written, works


@pytest.mark.parametrize(
    ("item", "regex"),
    [
        (".*.example.com", r"https://[^.]+\.example\.com"),
        (r".*\.example\.com", r"https://[^.]+\.example\.com"),
        ("http://.*.example.com", r"http://[^.]+\.example\.com"),
        ("https?://.*.example.com", r"https?://[^.]+\.example\.com"),
    ],
)
def test_a_flask_cors_wildcard_is_moved_to_a_full_match_regex(item: str, regex: str) -> None:
    problem = only_problem(allow_origins=[item])
    assert problem.code == "E001"
    assert "flask-cors-style wildcard" in problem.message
    (moved,) = proposed(problem, "allow_origin_regex")
    assert moved == regex
    policy = CORSPolicy(allow_origin_regex=[moved])
    scheme = "http" if item.startswith("http:") else "https"
    assert policy.decide("GET", f"{scheme}://app.example.com").allowed
    for lookalike in ("example.com", "app.example.com.evil.io", "evilexample.com"):
        assert not policy.decide("GET", f"{scheme}://{lookalike}").allowed
    (pattern,) = proposed(problem, "allow_origins")
    assert CORSPolicy(allow_origins=[pattern]).decide("GET", f"{scheme}://a.b.example.com").allowed
