"""One table for "most specific wins": app, group and view policies, through every adapter.

Three levels can each have a policy: the app, a group of routes under
``/group`` (a Flask blueprint, a ``/group/*`` rule of a ``PathPolicies``), and
one view (Flask's and Django's ``cross_origin``, an exact-path rule). A level
is ``None`` (no policy there), ``"open"`` (allows :data:`APP`, with a marker
saying which level it is) or ``"closed"`` (allows only :data:`PARTNER`).

The rule (each framework's documentation of per-route CORS): the most specific
level with a policy decides, and its policy *replaces* the others, never merges
with them. So an open app under a closed view is refused, and a closed app
under an open view is allowed. With no policy anywhere there is no CORS
processing at all.

Each adapter's ``test_route_conformance.py`` serves ``/group/view-open``,
``/group/view-closed`` and ``/group/view-none`` (a view with no policy of its
own), with :func:`policy` at the app and group levels of each row, sends
:attr:`Row.request` from :data:`APP`, and checks the result with :func:`check`.
"""

from __future__ import annotations

import itertools
from typing import NamedTuple

from corecors import CORSPolicy

APP = "https://app.example.com"
PARTNER = "https://partner.example.com"
LEVELS = ("app", "group", "view")
# The max-age of each level's open policy: a preflight's Access-Control-Max-Age says who answered.
MAX_AGE = {"app": 100, "group": 200, "view": 300}
METHODS = ["GET", "PUT"]


def policy(level: str, kind: str) -> CORSPolicy:
    """The ``kind`` ("open" or "closed") policy of ``level``."""
    if kind == "closed":
        return CORSPolicy(allow_origins=[PARTNER], allow_methods=METHODS)
    return CORSPolicy(
        allow_origins=[APP],
        allow_methods=METHODS,
        expose_headers=[f"X-Level-{level}"],
        max_age=MAX_AGE[level],
    )


VIEW_POLICIES = {"open": policy("view", "open"), "closed": policy("view", "closed")}


class Row(NamedTuple):
    app: str | None
    group: str | None
    view: str | None
    request: str  # "get" (an actual request) or "preflight" (for PUT)

    @property
    def path(self) -> str:
        return f"/group/view-{self.view or 'none'}"

    @property
    def headers(self) -> dict[str, str]:
        if self.request == "preflight":
            return {"Origin": APP, "Access-Control-Request-Method": "PUT"}
        return {"Origin": APP}

    @property
    def method(self) -> str:
        return "OPTIONS" if self.request == "preflight" else "GET"

    def deciding(self) -> tuple[str, str] | None:
        """(level, kind) of the most specific level with a policy, or None."""
        for level, kind in (("view", self.view), ("group", self.group), ("app", self.app)):
            if kind is not None:
                return level, kind
        return None


KINDS = (None, "open", "closed")
ROWS = [
    Row(app, group, view, request)
    for app, group, view in itertools.product(KINDS, KINDS, KINDS)
    for request in ("get", "preflight")
]


def ids(row: Row) -> str:
    return f"app={row.app}-group={row.group}-view={row.view}-{row.request}"


def check(row: Row, status: int, headers: dict[str, str]) -> None:
    """Assert the response to ``row.request`` (``headers`` with lower-case names)."""
    allow_origin = headers.get("access-control-allow-origin")
    vary = headers.get("vary", "")
    deciding = row.deciding()
    if deciding is None:  # no policy anywhere: no CORS processing
        assert allow_origin is None, headers
        assert "origin" not in vary.lower(), headers
        return
    level, kind = deciding
    assert "origin" in vary.lower(), headers
    if kind == "closed":  # the most specific policy refuses APP, whatever the others say
        assert allow_origin is None, headers
        if row.request == "preflight":
            assert status == 400, status
        return
    assert allow_origin == APP, headers
    if row.request == "preflight":
        assert status == 200, status
        assert headers.get("access-control-max-age") == str(MAX_AGE[level]), headers
    else:
        assert headers.get("access-control-expose-headers") == f"X-Level-{level}", headers
