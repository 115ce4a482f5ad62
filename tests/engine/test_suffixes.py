"""The Public Suffix List: the shipped copy, its age, its parser, and that it loads lazily.

The parser is checked against the list's own test cases (``test_psl.txt``, shipped by
the ``publicsuffixlist`` package, the copy's source): ``checkPublicSuffix(host,
registrable domain)``.
"""

from __future__ import annotations

import datetime
import importlib.resources
import re
import subprocess
import sys
from pathlib import Path

import pytest

from corecors.engine import _suffixes
from corecors.engine._suffixes import (
    MAX_AGE_DAYS,
    Suffix,
    list_version,
    parse,
    public_suffix,
    registrable_domain,
    site_of,
)
from tests.docs import section

ROOT = Path(__file__).resolve().parents[2]
_CASE = re.compile(r"^checkPublicSuffix\((null|'[^']*'), (null|'[^']*')\);", re.MULTILINE)


def _official_cases() -> list[tuple[str, str | None]]:
    text = (importlib.resources.files("publicsuffixlist") / "test_psl.txt").read_text("utf-8")
    cases = []
    for host, expected in _CASE.findall(text):
        if host == "null":
            continue
        cases.append((host.strip("'"), None if expected == "null" else expected.strip("'")))
    return cases


OFFICIAL = _official_cases()


def test_the_official_cases_are_many() -> None:
    assert len(OFFICIAL) > 70


@pytest.mark.parametrize(("host", "expected"), OFFICIAL)
def test_registrable_domain_passes_the_lists_own_test_cases(
    host: str, expected: str | None
) -> None:
    # Browsers send IDNs in Punycode: both sides are compared in that form.
    ascii_host = _suffixes._ascii(host.lower())
    want = None if expected is None else _suffixes._ascii(expected)
    assert registrable_domain(ascii_host) == want


def test_the_shipped_copy_is_younger_than_the_stated_age() -> None:
    """Fails MAX_AGE_DAYS after the copy's VERSION date: run `make public-suffixes`."""
    version = list_version()
    published = datetime.date.fromisoformat(version[:10])
    age = (datetime.date.today() - published).days
    assert age <= MAX_AGE_DAYS, (
        f"the Public Suffix List copy is {age} days old (VERSION {version}); "
        f"update it: make public-suffixes"
    )


def test_the_docs_state_the_source_the_update_and_the_age() -> None:
    text = " ".join(section("public-suffixes").split())
    assert f"more than {MAX_AGE_DAYS} days old" in text
    assert "make public-suffixes" in text
    assert "[`publicsuffixlist`](https://pypi.org/project/publicsuffixlist/)" in text


def test_sections_and_rule_kinds() -> None:
    assert public_suffix("api.example.co.uk") == Suffix("co.uk", private=False, listed=True)
    assert public_suffix("me.github.io") == Suffix("github.io", private=True, listed=True)
    assert public_suffix("my-app.vercel.app").private
    assert public_suffix("localhost") == Suffix("localhost", private=False, listed=False)
    assert public_suffix("app.example.test").listed is False
    # "*.ck" and "!www.ck": a wildcard rule and its exception.
    assert public_suffix("a.b.ck").name == "b.ck"
    assert public_suffix("www.ck").name == "ck"
    assert public_suffix("Example.COM.").name == "com"


def test_sites() -> None:
    assert site_of("api.example.com") == site_of("app.example.com") == "example.com"
    assert site_of("a.github.io") != site_of("b.github.io")
    assert site_of("localhost") == "localhost"
    assert site_of("127.0.0.1") == "127.0.0.1"
    assert site_of("[::1]") == "[::1]"
    assert site_of("example.com.") == "example.com."
    assert registrable_domain("co.uk") is None


def test_parse_reads_sections_versions_and_idn_rules() -> None:
    rules = parse(
        "// VERSION: 2026-01-02_00-00-00_UTC\n"
        "// ===BEGIN ICANN DOMAINS===\n"
        "com\n\n*.ck\n!www.ck\n公司.cn  trailing text is ignored\n"
        "// ===BEGIN PRIVATE DOMAINS===\n"
        "github.io\n"
    )
    assert rules.version == "2026-01-02_00-00-00_UTC"
    assert rules.normal == {"com": False, "xn--55qx5d.cn": False, "github.io": True}
    assert rules.wildcard == {"ck": False}
    assert rules.exception == {"www.ck": False}


def test_the_list_is_parsed_only_when_a_wildcard_needs_it(tmp_path: Path) -> None:
    script = (
        "from corecors import CORSPolicy\n"
        "from corecors.engine import _suffixes\n"
        "CORSPolicy(allow_origins=['https://app.example.com'], allow_credentials=True)\n"
        "CORSPolicy(allow_origins=['*']).decide('GET', 'https://a.example')\n"
        "print(_suffixes._rules.cache_info().currsize == 0)\n"
        "CORSPolicy(allow_origins=['https://*.example.com'])\n"
        "print(_suffixes._rules.cache_info().currsize == 0)\n"
    )
    ran = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.split() == ["True", "False"]


def test_the_update_script_copies_the_source_unmodified(tmp_path: Path) -> None:
    target = tmp_path / "list.dat"
    ran = subprocess.run(
        [
            sys.executable,
            str(ROOT / "tools" / "update_public_suffixes.py"),
            "--output",
            str(target),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    source = importlib.resources.files("publicsuffixlist") / "public_suffix_list.dat"
    assert target.read_text("utf-8") == source.read_text("utf-8")
    assert ran.stdout.startswith("public suffix list: (no copy) -> 20")
