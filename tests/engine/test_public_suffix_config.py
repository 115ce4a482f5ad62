"""DESIGN §7.3: patterns and regexes that allow every site under a public suffix.

``https://*.co.uk`` (an ICANN suffix: anyone can register a name there) is E003;
``https://*.github.io`` (a private suffix: anyone can create a site there) is the
W006 warning when credentials are allowed, in the user's vocabulary.
"""

from __future__ import annotations

import re
import warnings

import pytest

from corecors import ConfigProblem, CORSConfigError, CORSConfigWarning, CORSPolicy
from corecors.engine._regexes import fixed_end


def problems_of(**options: object) -> list[ConfigProblem]:
    with pytest.raises(CORSConfigError) as raised:
        CORSPolicy(**options)  # type: ignore[arg-type]
    return list(raised.value.problems)


def warnings_of(**options: object) -> list[ConfigProblem]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        CORSPolicy(**options)  # type: ignore[arg-type]
    return [w.message.problem for w in caught if isinstance(w.message, CORSConfigWarning)]


@pytest.mark.parametrize(
    "pattern", ["https://*.co.uk", "https://*.com.au:*", "https://*.b.ck", "http://*.gov.uk"]
)
@pytest.mark.parametrize("credentials", [True, False])
def test_a_pattern_under_an_icann_public_suffix_is_an_error(
    pattern: str, credentials: bool
) -> None:
    (problem,) = problems_of(allow_origins=[pattern], allow_credentials=credentials)
    assert (problem.code, problem.option, problem.value) == ("E003", "allow_origins", pattern)
    assert "a public suffix (Public Suffix List): anyone can register one" in problem.message
    assert problem.fix.startswith("list your own domain under it, e.g. ")
    assert "://*.example." in problem.fix


def test_the_fix_of_an_icann_suffix_pattern_is_a_valid_pattern() -> None:
    (problem,) = problems_of(allow_origins=["https://*.co.uk"])
    fixed = problem.fix.rpartition("e.g. ")[2]
    assert fixed == "https://*.example.co.uk"
    CORSPolicy(allow_origins=[fixed], allow_credentials=True)  # no error, no warning


@pytest.mark.parametrize("pattern", ["https://*.github.io", "https://*.vercel.app:*"])
def test_a_pattern_under_a_private_suffix_warns_with_credentials(pattern: str) -> None:
    (problem,) = warnings_of(allow_origins=[pattern], allow_credentials=True)
    assert (problem.code, problem.option, problem.value) == ("W006", "allow_origins", pattern)
    assert "where anyone can create one (a private suffix" in problem.message
    assert "allow_credentials is on" in problem.message
    assert re.search(r"allow_origins=\['https://your-app\.(github\.io|vercel\.app)'\]", problem.fix)


def test_a_private_suffix_pattern_without_credentials_is_fine() -> None:
    assert warnings_of(allow_origins=["https://*.github.io"]) == []


@pytest.mark.parametrize(
    "pattern",
    [
        "https://*.example.co.uk",
        "https://*.my-app.github.io",
        "http://*.localhost:*",
        "https://*.example.test",
        "https://*.example.com",
    ],
)
def test_patterns_under_a_registrable_domain_pass(pattern: str) -> None:
    assert warnings_of(allow_origins=[pattern], allow_credentials=True) == []


def test_the_private_suffix_warning_in_django_vocabulary() -> None:
    (problem,) = warnings_of(allow_origins=["https://*.github.io"], allow_credentials=True)
    names = {"allow_origins": "CORS_ALLOWED_ORIGINS", "allow_credentials": "CORS_ALLOW_CREDENTIALS"}
    django = problem.render(lambda option: names.get(option, option))
    assert "CORS_ALLOW_CREDENTIALS is on" in django.message
    assert "CORS_ALLOWED_ORIGINS=['https://your-app.github.io']" in django.fix


@pytest.mark.parametrize(
    "regex",
    [r"https://.*\.co\.uk", r"https://[a-z0-9-]+\.co\.uk(:[0-9]+)?$", r"https://[a-z]+\.com"],
)
def test_a_regex_ending_in_an_icann_public_suffix_is_an_error(regex: str) -> None:
    (problem,) = problems_of(allow_origin_regex=regex)
    assert (problem.code, problem.option, problem.value) == ("E003", "allow_origin_regex", regex)
    assert problem.message.startswith(f"the regex {regex!r} matches every site registered")
    suggested = problem.fix.rpartition("e.g. r'")[2].rstrip("'")
    CORSPolicy(allow_origin_regex=suggested)  # the fix is a valid regex that passes


def test_a_regex_under_a_private_suffix_warns_with_credentials_in_both_vocabularies() -> None:
    regex = r"https://[a-z]{2,20}\.github\.io"  # braces survive the template
    (problem,) = warnings_of(allow_origin_regex=regex, allow_credentials=True)
    assert (problem.code, problem.option) == ("W006", "allow_origin_regex")
    assert repr(regex) in problem.message
    assert (
        problem.fix
        == r"list your own sites only, e.g. allow_origin_regex=r'https://your-app\.github\.io'"
    )
    django = problem.render(lambda option: option.upper())
    assert repr(regex) in django.message
    assert "ALLOW_ORIGIN_REGEX=r'https://your-app" in django.fix
    assert warnings_of(allow_origin_regex=regex) == []


@pytest.mark.parametrize(
    ("regex", "end"),
    [
        (r"https://.*\.example\.co\.uk", "example.co.uk"),
        (r"https://[a-z]+\.vercel\.app:8080$", "vercel.app"),
        (r"https://(.+\.)?example\.com\Z", "example.com"),
        (r"(?i)https://[a-z]+\.EXAMPLE\.com", "example.com"),
        (r"https://example\.co\.uk", None),  # literal throughout: one host
        (r"https://a\.com|https://.*\.co\.uk", None),  # a top-level alternation
        (r"https://.*", None),
        (r"https://[a-z]+\.(com|net)", None),
        (r"https://[a-z]+uk", None),  # no dot: not a host's end
    ],
)
def test_the_fixed_end_of_a_regex(regex: str, end: str | None) -> None:
    assert fixed_end(re.compile(regex)) == end
