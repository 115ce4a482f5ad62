"""The ASGI adapter's response header merge, on ``bytes`` pairs, names in any case.

ASGI asks servers for lower-case response header names, but applications send
what they like: Django's ASGI handler sends ``b"Vary"`` and
``b"Access-Control-Allow-Origin"`` as written (newrelic-python-agent #1011).
:func:`merge_raw` is :func:`corecors.engine.apply_decision` on ``bytes`` (a
test proves them equal); ``ORDINARY`` keeps the names seen that need no merge,
so that the common case costs one set lookup per header.
"""

from __future__ import annotations

from typing import Any

from corecors.engine import ACTUAL_RESPONSE_HEADERS, Memo, vary_value

RawHeaders = tuple[tuple[bytes, bytes], ...]

#: A granted decision replaces the application's own copies of these: a duplicate
#: Access-Control-Allow-Origin makes the browser fail the request (Fetch).
GRANT_NAMES = frozenset(name.encode("latin-1") for name in ACTUAL_RESPONSE_HEADERS)
#: Response header names (lower case) that need more than appending.
SPECIAL_NAMES = GRANT_NAMES | {b"vary"}


def merge_raw(app_headers: list[Any], grants: RawHeaders, vary: bytes) -> list[Any]:
    """:func:`corecors.engine.apply_decision` on ``bytes`` pairs, names in any case.

    The application's headers (not modified) with its Vary merged with ``vary``
    (or, when that is empty, a public policy's answer, left as it is, in its place)
    and, when ``grants`` is not empty, its own copies of the grant headers
    replaced by them. The grants and Vary added are lower case, as ASGI wants.
    Returns a new list.
    """
    headers: list[Any] = []
    app_vary: list[str] = []
    for header in app_headers:
        name = header[0].lower()
        if name == b"vary":
            app_vary.append(header[1].decode("latin-1"))
            if not vary:  # the application's Vary stays as it is, in its place
                headers.append(header)
        elif not (grants and name in GRANT_NAMES):
            headers.append(header)
    headers += grants
    if vary:  # never replacing or duplicating the application's own tokens
        tokens = tuple(vary.decode("latin-1").split(", "))
        merged = vary_value(", ".join(app_vary) if app_vary else None, tokens)
        headers.append((b"vary", merged.encode("latin-1")))
    return headers


#: Response header names seen that need no merging, as the application writes
#: them: learned on first sight, bounded (``Memo.LIMIT``, then cleared), so that
#: the common case costs one set lookup per header whatever the case of the names.
ORDINARY: set[bytes] = set()


def needs_merge(name: bytes) -> bool:
    """Whether a response header name not in ``ORDINARY`` needs more than appending
    (it is Vary or a grant, in any case); else it is learned as ordinary."""
    if name.lower() in SPECIAL_NAMES:
        return True
    if len(ORDINARY) >= Memo.LIMIT:
        ORDINARY.clear()
    ORDINARY.add(name)
    return False
