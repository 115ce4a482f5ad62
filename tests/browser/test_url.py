"""The WHATWG URL parser of ``corecors check`` (corecors/browser/_url.py), case by case.

Expected values are the URL Standard's (https://url.spec.whatwg.org/), as every
browser resolves them; the hostile-server suite (tests/browser/hostile) checks the
parser where a server could turn it against the user.
"""

from __future__ import annotations

import pytest

from corecors.browser._url import URLError, parse_url

BASE = "http://a.example/p/x?y"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("?q", "http://a.example/p/x?q"),  # a query replaces the base's
        ("", BASE),  # the base itself, without its fragment
        ("#f", BASE),
        ("/abs", "http://a.example/abs"),
        ("\\abs", "http://a.example/abs"),  # a backslash is a slash in http(s)
        ("c", "http://a.example/p/c"),
        ("//b.example/z", "http://b.example/z"),
        ("c/./d/../e", "http://a.example/p/c/e"),
        ("c/..", "http://a.example/p/"),
        ("c/.", "http://a.example/p/c/"),
        ("../../..", "http://a.example/"),  # never above the root
        ("c/%2e%2E/d", "http://a.example/p/d"),  # percent-encoded dots are dots
    ],
)
def test_relative_references_resolve_as_browsers_resolve_them(text: str, expected: str) -> None:
    assert parse_url(text, BASE) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("http://a.example:80/", "http://a.example/"),  # the default port is dropped
        ("https://a.example:8443", "https://a.example:8443/"),
        ("http://u:p@a.example/", "http://u:p@a.example/"),
        ("http://B\u00fccher.Example/", "http://xn--bcher-kva.example/"),
        ("http://010.0.0.1/", "http://8.0.0.1/"),  # octal
        ("http://127.1/", "http://127.0.0.1/"),
        ("http://2130706433/", "http://127.0.0.1/"),
        ("http://127.0.0.1./", "http://127.0.0.1/"),
        ("http://[0:0::1]/", "http://[::1]/"),
        ("\thttp://a.exa\nmple/", "http://a.example/"),  # tabs and newlines removed
        ("mailto:x@a.example", "mailto:x@a.example"),  # another scheme: left to the caller
    ],
)
def test_absolute_urls_serialise_as_browsers_serialise_them(text: str, expected: str) -> None:
    assert parse_url(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("http://a.example:8x/", "is not a number"),
        ("http://[::1]x/", "unclosed or misplaced ]"),
        ("http://[zz]/", "is not an IPv6 address"),
        ("http:///", "has no host"),
        ("http://1.2.3.4.5/", "is not a valid IPv4 address"),
        ("http://256.1/", "is not a valid IPv4 address"),
        ("http://1.2.3.09/", "is not a valid IPv4 address"),
        ("/relative", "is not an absolute URL"),
    ],
)
def test_what_a_browser_refuses_is_a_url_error(text: str, message: str) -> None:
    with pytest.raises(URLError, match=message):
        parse_url(text)
