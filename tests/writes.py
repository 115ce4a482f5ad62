"""One table of write-protection cases (DESIGN.md §7.1), run through the core and every adapter.

Each adapter test serves an application that counts the requests reaching it:
a refused write must get 403 and leave the count unchanged (the application never
ran); everything else must reach it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, NamedTuple

from corecors.engine._writes import WRITE_REFUSAL_BODY

HOST = "api.example.com"
APP = "https://app.example.com"
#: The policy of every adapter's test: credentialed, a listed origin and a pattern.
OPTIONS = {
    "allow_origins": [APP, "https://*.partner.example"],
    "allow_credentials": True,
    "allow_methods": ["GET", "POST", "PUT", "DELETE"],
    "protect_writes": True,
}


class Row(NamedTuple):
    name: str
    method: str
    origin: str | None
    site: str | None  # Sec-Fetch-Site
    passes: bool

    def headers(self) -> dict[str, str]:
        headers = {}
        if self.origin is not None:
            headers["Origin"] = self.origin
        if self.site is not None:
            headers["Sec-Fetch-Site"] = self.site
        return headers


EVIL = "https://evil.example"
ROWS = [
    Row("safe GET from another site", "GET", EVIL, "cross-site", True),
    Row("safe HEAD from another site", "HEAD", EVIL, "cross-site", True),
    Row("OPTIONS that is no preflight", "OPTIONS", EVIL, "cross-site", True),
    Row("form POST from another site", "POST", EVIL, "cross-site", False),
    Row("PUT from a sibling subdomain", "PUT", "https://www.example.com", "same-site", False),
    Row("DELETE cross-site without Origin", "DELETE", None, "cross-site", False),
    Row("PATCH from another site", "PATCH", EVIL, "cross-site", False),
    Row("POST from the listed front end", "POST", APP, "cross-site", True),
    Row("PUT from a pattern's origin", "PUT", "https://a.b.partner.example", "same-site", True),
    Row("POST same-origin", "POST", f"https://{HOST}", "same-origin", True),
    Row("POST the user typed (none)", "POST", None, "none", True),
    Row("POST from no browser", "POST", None, None, True),
    Row("POST, no Fetch Metadata, Origin is the Host", "POST", f"http://{HOST}", None, True),
    Row("POST, no Fetch Metadata, foreign Origin", "POST", EVIL, None, False),
    Row("POST, no Fetch Metadata, Origin null", "POST", "null", None, False),
    Row("POST from a sandboxed page (null)", "POST", "null", "cross-site", False),
    Row("POST, unknown Sec-Fetch-Site value", "POST", EVIL, "weird", False),
    Row("POST, no Fetch Metadata, Host with port", "POST", f"http://{HOST}:8000", None, False),
]


def ids(row: Row) -> str:
    return row.name


def check(row: Row, status: int, body: bytes, ran: int) -> None:
    """A refused write: 403, the body, the application never ran; else it ran once."""
    if row.passes:
        assert status == 200, (row, status, body)
        assert ran == 1, row
    else:
        assert status == 403, (row, status, body)
        assert body == WRITE_REFUSAL_BODY
        assert ran == 0, row


DOC = Path(__file__).resolve().parents[1] / "docs" / "cookies-and-csrf.md"


def doc_snippet(name: str) -> str:
    """The Python block under ``<!-- snippet: name -->`` in docs/cookies-and-csrf.md."""
    text = DOC.read_text()
    match = re.search(rf"<!-- snippet: {re.escape(name)} -->\n```python\n(.*?)```", text, re.S)
    assert match is not None, f"no snippet {name!r} in {DOC}"
    return match.group(1)


def run_snippet(name: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": f"doc_{name.replace('-', '_')}"}
    exec(compile(doc_snippet(name), f"{DOC.name}: {name}", "exec"), namespace)
    return namespace
