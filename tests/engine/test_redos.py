"""Issue 23, item 3: regexes that can backtrack catastrophically are a start-up error (E004).

The tester's regex, ``https://([a-z0-9]+-?)*[a-z0-9]+\\.example\\.com``, kept
uvicorn's event loop busy for 7.7 s on a 40-byte origin; 0.2 accepted it
silently. The walk (corecors.redos) reports nested quantifiers and
alternatives matching the same text under an unbounded repetition, and
offers the atomic rewrite.
"""

from __future__ import annotations

import re

import pytest

from corecors import CORSConfigError, CORSPolicy
from corecors.engine._redos import catastrophic

ISSUE_REGEX = r"https://([a-z0-9]+-?)*[a-z0-9]+\.example\.com"

CATASTROPHIC = [
    ISSUE_REGEX,
    r"https://(?:a+)+\.example\.com",
    r"https?://(\w+\s?)*$",
    r"https://(?P<sub>[a-z]+-?)+\.example\.com",
    r"https://([\w.-]+)*\.example\.com",
    r"https://(x\.|y\.|[xz]\.)*example\.com",  # two alternatives match "x."
    r"https://(ab|ab)*\.example\.com",
    r"https://([a-z]+|[0-9])*\.example\.com",
    r"https://(?:(?:a|b)+c?)*d\.example\.com",
]

SAFE = [  # the shapes the README, the docs and the peers' documentation use
    r"https://[a-z0-9-]+\.example\.com",
    r"https://(www\.)?example\.com",
    r"https://([a-z0-9-]+\.)*example\.com",
    r"https://[a-z0-9]+(-[a-z0-9]+)*\.example\.com",
    r"https://.*\.example\.com",
    r"http://localhost:\d+",
    r"https://(www\.|api\.)*example\.com",
    r"https://(\w|\d)*\.example\.com",  # re merges one-character alternatives into a set
    r"https://(?>([a-z0-9]+-?))*[a-z0-9]+\.example\.com",  # atomic: the fix itself
    r"https://([a-z0-9]++-?)*[a-z0-9]+\.example\.com",  # possessive
    r"^https://(?:pr-\d+\.)?preview\.example\.com$",
]


@pytest.mark.parametrize("pattern", CATASTROPHIC)
def test_a_catastrophic_regex_is_a_start_up_error_with_the_atomic_rewrite(pattern: str) -> None:
    with pytest.raises(CORSConfigError) as raised:
        CORSPolicy(allow_origin_regex=pattern)
    (problem,) = raised.value.problems
    assert (problem.code, problem.option, problem.value) == ("E004", "allow_origin_regex", pattern)
    assert "exponentially many ways" in problem.message
    assert "(?>" in problem.fix
    found = catastrophic(re.compile(pattern))
    assert found is not None
    assert found.pattern is not None
    # The rewrite offered is itself accepted.
    assert catastrophic(re.compile(found.pattern)) is None
    CORSPolicy(allow_origin_regex=found.pattern)


@pytest.mark.parametrize("pattern", SAFE)
def test_the_usual_safe_regexes_are_accepted(pattern: str) -> None:
    CORSPolicy(allow_origin_regex=pattern)
    CORSPolicy(allow_origin_regex=[re.compile(pattern, re.IGNORECASE)])


def test_the_issue_regex_names_the_part_and_the_whole_rewrite() -> None:
    with pytest.raises(CORSConfigError) as raised:
        CORSPolicy(allow_origin_regex=[r"https://app\.example\.com", re.compile(ISSUE_REGEX)])
    text = str(raised.value)
    assert "([a-z0-9]+-?)* can match one text in exponentially many ways" in text
    assert r"r'https://(?>([a-z0-9]+-?))*[a-z0-9]+\.example\.com'" in text


def test_the_atomic_rewrite_keeps_the_meaning_for_origins() -> None:
    found = catastrophic(re.compile(ISSUE_REGEX))
    assert found is not None
    assert found.pattern is not None
    before, after = re.compile(ISSUE_REGEX), re.compile(found.pattern)
    origins = [
        "https://app.example.com",
        "https://foo-bar.example.com",
        "https://a-b-c9.example.com",
        "https://a--b.example.com",
        "https://-a.example.com",
        "https://a-.example.com",
        "https://example.com",
        "https://evil.com",
        "https://app.example.com.evil.io",
    ]
    for origin in origins:
        assert bool(before.fullmatch(origin)) == bool(after.fullmatch(origin)), origin
    # The attack string is refused without the backtracking (the time lives in benchmarks/).
    assert after.fullmatch("https://" + "a" * 1000 + "!") is None


def test_the_rewrite_of_a_regex_with_a_lookaround_is_not_offered_whole() -> None:
    found = catastrophic(re.compile(r"https://(?!admin)([a-z]+-?)*\.example\.com"))
    assert found is not None
    assert found.part == "([a-z]+-?)*"
    assert found.pattern is None
    with pytest.raises(CORSConfigError) as raised:
        CORSPolicy(allow_origin_regex=r"https://(?!admin)([a-z]+-?)*\.example\.com")
    assert ", i.e." not in raised.value.problems[0].fix


def test_written_back_shapes() -> None:
    # Lazy, counted and possessive repetitions, classes, anchors, inline flags.
    pattern = r"^(?:[^a-c\]]+?x{0,5}(?:z?){2,}w?+\b)*$"
    found = catastrophic(re.compile(pattern))
    assert found is not None
    assert found.pattern == r"^(?>[^a-c\]]+?x{0,5}(?:z?){2,}w?+\b)*$"
    flagged = catastrophic(re.compile(r"\A(?i:(a+)+)\Z"))  # inline flags: not written whole
    assert flagged is not None
    assert flagged.pattern is None
    assert catastrophic(re.compile(r"(?:\.|\\|\x00|\u00e9)+")) is None


@pytest.mark.parametrize(
    ("pattern", "flagged"),
    [
        (r"(?i:a+-?)+x", True),  # a non-capturing group with flags
        (r"((?:a|)[a-z]+)*x", True),  # an alternative that matches nothing
        (r"((?:ab|cd)[a-z]+)*x", False),
        (r"(?:q(?:ab|ab)c|yy)*z", True),
        (r"((?>a?)[a-z]+)*x", True),
        (r"((?>a)[a-z]+)*x", False),
        (r"((?=x)[a-z]+)*x", True),  # a lookahead matches no text
        (r"(a{2}[a-z]+)*x", False),
        (r"((ab|ab)c)*x", True),
        (r"(?:.a|xa)*x", True),
        (r"(?:[^a]b|cb)*x", True),
        (r"(?:[^a]b|ab)*x", False),
        (r"(?:\da|[0-9]a)*x", True),
        (r"(?:\sa|[^\s]a)*x", False),
        (r"(?:\wa|[\u00e0-\u00ffa-c]a)*x", True),
        (r"(?:[\u00e0-\u00ff]a|[a-f]a)*x", False),
        (r"(?:Ab|aB)*x", False),
        (r"(?i)(?:Ab|aB)*x", True),
        (r"(?:ab+|cd)*x", False),  # an alternative that is no fixed run
        (r"(?:a\b|ab)*x", False),
        (r"(?:[^\W\d]a|_a)*x", True),
    ],
)
def test_what_the_walk_reports(pattern: str, flagged: bool) -> None:
    assert (catastrophic(re.compile(pattern)) is not None) is flagged
