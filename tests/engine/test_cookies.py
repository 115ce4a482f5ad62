"""The cookie rules (DESIGN §7.2): will each engine send a cookie back, and the fix.

The table below is what tests/e2e/test_cookie_engines.py measures in the real
browsers (the measured rows of docs/cookies.md); here it is checked against the
pure function, engine by engine, without a browser.
"""

from __future__ import annotations

import pytest

from corecors.engine import COOKIE_ENGINES, CookieRequest, cookie_reports
from corecors.engine._cookies import (
    BLOCKED,
    NOT_SENT,
    PARTITIONED,
    REJECTED,
    SENT,
    attributes,
    parse_set_cookie,
)

COOKIES = {
    "none": "c=1; Path=/",
    "lax": "c=1; Path=/; SameSite=Lax",
    "strict": "c=1; SameSite=Strict",
    "none-insecure": "c=1; SameSite=None",
    "none-secure": "c=1; SameSite=None; Secure",
    "partitioned": "c=1; SameSite=None; Secure; Partitioned",
    "secure": "c=1; Secure",
}
CROSS_HTTPS = CookieRequest("https://app.example.org", "https", "api.example.com", "cross-site")
SAME_HTTPS = CookieRequest("https://app.example.com", "https", "api.example.com", "same-site")
SAME_HTTP = CookieRequest("http://app.example.com", "http", "api.example.com", None)
CROSS_HTTP = CookieRequest("http://app.example.org", "http", "api.example.com", None)
LOOPBACK_CROSS = CookieRequest("http://localhost:3000", "http", "127.0.0.1", "cross-site")
LOOPBACK_SAME = CookieRequest("http://localhost:3000", "http", "localhost", "same-origin")
SCHEMEFUL = CookieRequest("http://app.example.com", "https", "api.example.com", "cross-site")
# Two hosts under .localhost, not on the public suffix list: one site, two to WebKit.
UNLISTED = CookieRequest("https://app.site.localhost", "https", "api.site.localhost", "same-site")
UNLISTED_HTTP = CookieRequest("http://app.localhost:3000", "http", "api.app.localhost", None)

# (request, engine) -> the outcome of each cookie of COOKIES, in order.
S, R, N, B, P = SENT, REJECTED, NOT_SENT, BLOCKED, PARTITIONED
TABLE = {
    (CROSS_HTTPS, "chromium"): [N, N, N, R, B, P, N],
    (CROSS_HTTPS, "firefox"): [P, N, N, R, P, P, P],
    (CROSS_HTTPS, "webkit"): [B, N, N, B, B, B, B],
    (SAME_HTTPS, "chromium"): [S, S, S, R, S, S, S],
    (SAME_HTTPS, "firefox"): [S, S, S, R, S, S, S],
    (SAME_HTTPS, "webkit"): [S, S, S, S, S, S, S],
    (SAME_HTTP, "chromium"): [S, S, S, R, R, R, R],
    (SAME_HTTP, "webkit"): [S, S, S, S, R, R, R],
    (CROSS_HTTP, "chromium"): [N, N, N, R, R, R, R],
    (CROSS_HTTP, "firefox"): [P, N, N, R, R, R, R],
    (CROSS_HTTP, "webkit"): [B, N, N, B, R, R, R],
    (LOOPBACK_CROSS, "chromium"): [N, N, N, R, B, P, N],
    (LOOPBACK_CROSS, "firefox"): [P, N, N, R, P, P, P],
    (LOOPBACK_CROSS, "webkit"): [B, N, N, B, R, R, R],
    (LOOPBACK_SAME, "chromium"): [S, S, S, R, S, S, S],
    (LOOPBACK_SAME, "webkit"): [S, S, S, S, R, R, R],
    (SCHEMEFUL, "chromium"): [N, N, N, R, B, P, N],
    (SCHEMEFUL, "firefox"): [S, S, S, R, S, S, S],
    (SCHEMEFUL, "webkit"): [S, S, S, S, S, S, S],
    (UNLISTED, "chromium"): [S, S, S, R, S, S, S],
    (UNLISTED, "firefox"): [S, S, S, R, S, S, S],
    (UNLISTED, "webkit"): [B, B, B, B, B, B, B],
    (UNLISTED_HTTP, "chromium"): [S, S, S, R, S, S, S],
    (UNLISTED_HTTP, "webkit"): [B, B, B, B, R, R, R],
}  # fmt: skip


def outcomes(request: CookieRequest, engine: str) -> list[str]:
    found = []
    for line in COOKIES.values():
        reports = cookie_reports([line], request)
        found.append(reports[0].fates[engine].outcome if reports else SENT)
    return found


@pytest.mark.parametrize(
    ("request_", "engine", "expected"),
    [(request, engine, expected) for (request, engine), expected in TABLE.items()],
)
def test_each_engine_as_measured(request_: CookieRequest, engine: str, expected: list[str]) -> None:
    assert dict(zip(COOKIES, outcomes(request_, engine), strict=True)) == dict(
        zip(COOKIES, expected, strict=True)
    )


def test_the_engines_are_the_three_measured() -> None:
    assert list(COOKIE_ENGINES) == ["chromium", "firefox", "webkit"]


def test_a_cookie_every_engine_sends_back_is_not_reported() -> None:
    assert cookie_reports(["c=1; SameSite=Lax; Secure"], SAME_HTTPS) == []
    assert cookie_reports([], CROSS_HTTPS) == []


def test_a_deleted_cookie_is_not_reported() -> None:
    assert cookie_reports(["session=; Max-Age=0; Path=/"], CROSS_HTTPS) == []
    assert cookie_reports(["session=; Max-Age=-1"], CROSS_HTTPS) == []
    assert len(cookie_reports(["session=x; Max-Age=60"], CROSS_HTTPS)) == 1


def test_the_relation_without_sec_fetch_site_comes_from_the_public_suffix_list() -> None:
    # app.example.co.uk and api.example.co.uk: one site; a.github.io and b.github.io: two.
    same = CookieRequest("https://app.example.co.uk", "https", "api.example.co.uk")
    assert cookie_reports(["c=1"], same) == []
    other = CookieRequest("https://a.github.io", "https", "b.github.io")
    (report,) = cookie_reports(["c=1"], other)
    assert report.relation == "cross-site"
    assert report.fates["chromium"].outcome == NOT_SENT


def test_ipv6_hosts_and_ports() -> None:
    request = CookieRequest("http://[::1]:3000", "http", "[::1]", "same-origin")
    assert cookie_reports(["c=1; Secure"], request)[0].fates["chromium"].outcome == SENT
    assert cookie_reports(["c=1; Secure"], request)[0].fates["webkit"].outcome == REJECTED


def test_parse_set_cookie() -> None:
    cookie = parse_set_cookie(" sid = a=b ; SAMESITE = none ; secure; Partitioned; HttpOnly")
    assert cookie == ("sid", "none", True, True, False)
    assert parse_set_cookie("flag; SameSite=Bogus").name == ""
    assert parse_set_cookie("a=1; SameSite=Bogus").same_site is None  # the engine's default
    assert parse_set_cookie("a=1; Max-Age=soon").deleted is False


def test_the_log_text_groups_engines_and_ends_with_the_fix() -> None:
    (report,) = cookie_reports(["session=x; Path=/; SameSite=Lax"], CROSS_HTTPS)
    assert report.name == "session"
    assert report.outcome == NOT_SENT
    text = report.render()
    assert text.startswith(
        "set on a cross-site response: Chromium 156, Firefox 153 and WebKitGTK 2.50: not sent "
        "(SameSite=Lax: never sent on cross-site requests). Fix: serve the API on the page's site"
    )
    assert "or authenticate with a token in Authorization (docs/cookies.md)" in text
    assert "or SameSite=None; Secure; Partitioned (WebKit still blocks it" in text


def test_the_default_same_site_is_named_as_the_engine_takes_it() -> None:
    (report,) = cookie_reports(["session=x"], CROSS_HTTPS)
    assert report.fates["chromium"].reason.startswith("no SameSite, taken as Lax")
    assert report.fates["firefox"] == (
        PARTITIONED,
        "third-party cookies are kept per top-level site",
    )
    assert report.fates["webkit"] == (BLOCKED, "third-party cookies are blocked")


@pytest.mark.parametrize(
    ("line", "request_", "fix"),
    [
        (
            "c=1; Secure",
            SAME_HTTP,
            "serve the API over https; in development, over http://localhost",
        ),
        ("c=1; SameSite=None", SAME_HTTPS, "add Secure and serve over https: Secure"),
        ("c=1; SameSite=None; Secure", CROSS_HTTPS, "or Partitioned (not WebKit)"),
        ("c=1; SameSite=None; Secure; Partitioned", CROSS_HTTPS, "or authenticate with a token"),
        ("c=1; SameSite=Lax", UNLISTED, "one host name (http://localhost with two ports)"),
    ],
)
def test_fixes(line: str, request_: CookieRequest, fix: str) -> None:
    (report,) = cookie_reports([line], request_)
    assert fix in report.fix


def test_a_samesite_none_cookie_over_http_is_never_told_to_drop_secure() -> None:
    # Without Secure, SameSite=None is rejected by every engine: the fix keeps https,
    # or leaves SameSite=None for Lax in development.
    for request_ in (SAME_HTTP, CookieRequest("http://localhost:3000", "http", "localhost")):
        (report,) = cookie_reports(["c=1; SameSite=None; Secure"], request_)
        assert report.fates["webkit"].reason.startswith("a Secure cookie")
        assert report.fix.startswith("serve the API over https (SameSite=None needs Secure")
        assert report.fix.endswith("without SameSite=None: SameSite=Lax; no Secure")


def test_webkit_names_the_unlisted_name_that_keeps_two_hosts_apart() -> None:
    (report,) = cookie_reports(["session=x; SameSite=Lax"], UNLISTED)
    assert report.fates["webkit"] == (
        BLOCKED,
        "two hosts, two sites: .localhost is not on the public suffix list",
    )
    assert report.outcome == BLOCKED
    same_host = CookieRequest("http://localhost:3000", "http", "localhost", "same-site")
    assert cookie_reports(["session=x; SameSite=Lax"], same_host) == []


def test_a_partitioned_cookie_where_no_engine_blocks_it() -> None:
    engines = {"chromium": COOKIE_ENGINES["chromium"]}
    line = "c=1; SameSite=None; Secure; Partitioned"
    (report,) = cookie_reports([line], CROSS_HTTPS, engines=engines)
    assert report.outcome == PARTITIONED
    assert report.fix.startswith("nothing if the page logs in through this API;")


def test_fixes_in_each_frameworks_words() -> None:
    line = "sessionid=x; SameSite=Lax; Path=/"
    django = {"sessionid": "SESSION_COOKIE"}
    (report,) = cookie_reports([line], CROSS_HTTPS, "django", django)
    assert "SESSION_COOKIE_SAMESITE = 'None', SESSION_COOKIE_SECURE = True and Partitioned" in (
        report.fix
    )
    (report,) = cookie_reports(
        ["session=x; SameSite=Lax"], CROSS_HTTPS, "flask", {"session": "SESSION_COOKIE"}
    )
    assert "app.config['SESSION_COOKIE_PARTITIONED'] = True" in report.fix
    (report,) = cookie_reports([line], CROSS_HTTPS, "starlette")
    assert "set_cookie(..., samesite='none', secure=True, partitioned=True)" in report.fix


@pytest.mark.parametrize(
    ("framework", "prefix", "expected"),
    [
        (None, None, "SameSite=None; Secure; Partitioned | no Secure"),
        (
            "django",
            "SESSION_COOKIE",
            "SESSION_COOKIE_SAMESITE = 'None', SESSION_COOKIE_SECURE = True and Partitioned "
            "(Django has no setting or keyword for it: write the header) | "
            "SESSION_COOKIE_SECURE = False",
        ),
        (
            "django",
            None,
            "set_cookie(..., samesite='None', secure=True) and Partitioned (Django has no "
            "setting or keyword for it: write the header) | set_cookie(..., secure=False)",
        ),
        (
            "flask",
            "SESSION_COOKIE",
            "app.config['SESSION_COOKIE_SAMESITE'] = 'None', "
            "app.config['SESSION_COOKIE_SECURE'] = True, "
            "app.config['SESSION_COOKIE_PARTITIONED'] = True | "
            "app.config['SESSION_COOKIE_SECURE'] = False",
        ),
        (
            "flask",
            None,
            "set_cookie(..., samesite='None', secure=True, partitioned=True) | "
            "set_cookie(..., secure=False)",
        ),
        (
            "starlette",
            "SessionMiddleware",
            "SessionMiddleware(..., same_site='none', https_only=True, partitioned=True) | "
            "SessionMiddleware(..., https_only=False)",
        ),
        (
            "starlette",
            None,
            "set_cookie(..., samesite='none', secure=True, partitioned=True) (partitioned=True "
            "needs Python 3.14; before, write the header) | set_cookie(..., secure=False)",
        ),
    ],
)
def test_attributes_in_the_users_words(
    framework: str | None, prefix: str | None, expected: str
) -> None:
    full = [("samesite", "None"), ("secure", "True"), ("partitioned", "True")]
    shown = (
        attributes(full, framework, prefix)
        + " | "
        + attributes([("secure", "False")], framework, prefix)
    )
    assert shown == expected
