"""One table for per-path policies under a mount point or proxy prefix.

A ``PathPolicies`` matches the path the application routes on: below the mount
point (ASGI ``root_path``, WSGI ``SCRIPT_NAME``, Django's script prefix), never
the full URL path. Each adapter's ``test_mounts.py`` serves the same rules under
each ``prefix`` in as many deployments as it has (raw, framework mount, real
server, proxy setting) and checks which policy answered a request for
``prefix + path``.
"""

from __future__ import annotations

from typing import NamedTuple

from corecors import CORSPolicy, PathPolicies

PARTNER = "https://partner.example.com"

#: A carve-out, a credentialed partner area, and a public rule for the rest.
RULES = PathPolicies(
    [
        ("/admin/*", None),
        ("/items/*", CORSPolicy(allow_origins=[PARTNER], allow_credentials=True)),
        ("/*", CORSPolicy(allow_origins=["*"])),
    ]
)


class Row(NamedTuple):
    prefix: str  # where the application is mounted ("" = at the root)
    path: str  # the path the application routes on, below the prefix
    applied: str  # "partner", "public" or "none" (no CORS processing)


ROWS = [
    Row("", "/items/1", "partner"),
    Row("", "/admin/users/7", "none"),
    Row("", "/about", "public"),
    Row("/api", "/items/1", "partner"),
    Row("/api", "/admin/users/7", "none"),
    Row("/api", "/about", "public"),
    Row("/api", "/", "public"),
    # The full URL path /api/api/items/1 routes as /api/items/1: the public rule.
    Row("/api", "/api/items/1", "public"),
    # Matching the full path /items/admin/x would wrongly apply the partner rule.
    Row("/items", "/admin/x", "none"),
    Row("/v1/deep", "/items/x", "partner"),
]
PREFIXES = sorted({row.prefix for row in ROWS})


def partner_get(path: str, root_path: str) -> dict[str, object]:
    """A GET of ``path`` from PARTNER below ``root_path``, as uvicorn builds the scope."""
    return {
        "type": "http",
        "method": "GET",
        "path": path,
        "root_path": root_path,
        "query_string": b"",
        "headers": [(b"origin", PARTNER.encode()), (b"host", b"testserver")],
    }


def ids(row: Row) -> str:
    return f"{row.prefix or '(root)'}+{row.path}"


def applied(headers: dict[str, str]) -> str:
    """Which rule answered a GET from PARTNER, read off the response headers (lower-case names)."""
    allow_origin = headers.get("access-control-allow-origin")
    credentials = headers.get("access-control-allow-credentials")
    if allow_origin == PARTNER and credentials == "true":
        return "partner"
    if allow_origin == "*" and credentials is None:
        return "public"
    if allow_origin is None and "origin" not in headers.get("vary", "").lower():
        return "none"
    return f"unexpected: {headers}"
