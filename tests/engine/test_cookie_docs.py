"""docs/cookies.md's table of what each browser does is the engines' profiles
(``corecors.engine.COOKIE_ENGINES``, measured in tests/e2e/test_cookie_engines.py):
every cell is checked against ``cookie_reports``; the log line shown is the one
the Django adapter writes."""

from __future__ import annotations

import re

import pytest

from corecors.engine import COOKIE_ENGINES, CookieRequest, cookie_reports
from tests.docs import section

ROWS = {
    "no `SameSite`": ["c=1"],
    "`SameSite=Lax` or `Strict`": ["c=1; SameSite=Lax", "c=1; SameSite=Strict"],
    "`SameSite=None; Secure`": ["c=1; SameSite=None; Secure"],
    "`SameSite=None; Secure; Partitioned`": ["c=1; SameSite=None; Secure; Partitioned"],
    "`SameSite=None` without `Secure`": ["c=1; SameSite=None"],
    "`Secure`, over plain http (not localhost)": ["c=1; Secure"],
}
# Each engine's column is named by its measured label.
COLUMNS = {f"cross-site, {engine.label}": name for name, engine in COOKIE_ENGINES.items()}
OUTCOMES = ("not sent", "sent", "partitioned", "blocked", "rejected")


def table() -> tuple[list[str], list[list[str]]]:
    lines = [line for line in section("cookie-table").splitlines() if line.startswith("|")]
    rows = [[cell.strip() for cell in line.strip("|").split(" | ")] for line in lines]
    return rows[0], rows[2:]


def outcome(cell: str) -> str:
    return next(word for word in OUTCOMES if cell.startswith(word))


def requests(row: str) -> tuple[CookieRequest, CookieRequest]:
    """(same-site, cross-site) requests for a row: https, or plain http for its last row."""
    if "plain http" in row:
        return (
            CookieRequest("http://app.example.com", "http", "api.example.com"),
            CookieRequest("http://app.example.org", "http", "api.example.com"),
        )
    return (
        CookieRequest("https://app.example.com", "https", "api.example.com", "same-site"),
        CookieRequest("https://app.example.org", "https", "api.example.com", "cross-site"),
    )


def fates(line: str, request: CookieRequest) -> dict[str, str]:
    reports = cookie_reports([line], request)
    if not reports:
        return {"chromium": "sent", "firefox": "sent", "webkit": "sent"}
    return {engine: fate.outcome for engine, fate in reports[0].fates.items()}


def test_the_table_has_every_row_and_engine() -> None:
    header, rows = table()
    assert header == ["cookie", "same-site", *COLUMNS]
    assert [row[0] for row in rows] == list(ROWS)


@pytest.mark.parametrize("row", list(ROWS))
def test_each_cell_is_what_the_profiles_say(row: str) -> None:
    header, rows = table()
    cells = dict(zip(header, next(r for r in rows if r[0] == row), strict=True))
    same, cross = requests(row)
    for line in ROWS[row]:
        same_site = fates(line, same)
        exception = re.search(r"\(WebKit: (\w[\w ]*)\)", cells["same-site"])
        assert same_site["chromium"] == same_site["firefox"] == outcome(cells["same-site"])
        assert same_site["webkit"] == (exception[1] if exception else outcome(cells["same-site"]))
        cross_site = fates(line, cross)
        for column, engine in COLUMNS.items():
            assert cross_site[engine] == outcome(cells[column]), (row, line, column)


def test_the_log_line_shown_is_the_one_django_writes() -> None:
    shown = " ".join(section("cookie-log").split("    CORS ", 1)[1].split("\n\n")[0].split())
    request = CookieRequest("https://app.example.org", "https", "api.example.com", "cross-site")
    line = "sessionid=x; Path=/; SameSite=Lax"
    (report,) = cookie_reports([line], request, "django", {"sessionid": "SESSION_COOKIE"})
    assert shown == f"CORS cookie 'sessionid' not sent back: {report.render()}"[5:]
