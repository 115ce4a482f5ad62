"""Applying a Decision to a response, on ``str`` header pairs (WSGI, Flask, Django).

The ASGI adapter encodes decisions to latin-1 bytes once and remembers them; its
header merge on ``bytes`` pairs (``adapters/_asgi_answers.merge_raw``) is tested
equivalent to :func:`apply_decision` (docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Iterable

from ._decision import ACTUAL_RESPONSE_HEADERS, Decision

#: Response header names (lower case) that need more than appending: Vary is
#: merged, and a granted decision replaces the application's own grant headers.
MERGED_HEADERS = frozenset({"vary", *ACTUAL_RESPONSE_HEADERS})

PREFLIGHT_CONTENT_TYPE = "text/plain; charset=utf-8"


def merge_vary(existing: Iterable[str], tokens: Iterable[str]) -> str:
    """One Vary value: the response's own tokens, then the missing ``tokens``.

    Never replaces or duplicates a token (compared case-insensitively); a
    response that already varies on ``*`` stays ``*``. Raises nothing.

    - ``existing`` (``Iterable[str]``): the response's own Vary values (one per line;
      each may hold several comma-separated tokens).
    - ``tokens`` (``Iterable[str]``): the header names the response must also vary on,
      e.g. ``Decision.vary``.
    """
    merged: list[str] = []
    seen: set[str] = set()
    for value in (*existing, ",".join(tokens)):
        for token in value.split(","):
            token = token.strip()
            if token and token.lower() not in seen:
                seen.add(token.lower())
                merged.append(token)
    return "*" if "*" in seen else ", ".join(merged)


def vary_value(existing: str | None, tokens: tuple[str, ...]) -> str:
    """The Vary value for a response whose one Vary value is ``existing`` (or None).

    The append-only shortcut, written once: when no token can be there yet (not
    even as a substring) and the value is not ``*``, appending is the whole
    merge, 3x faster than :func:`merge_vary`.
    """
    if existing is None:
        return ", ".join(tokens)
    lower = existing.lower()
    if "*" in lower or not lower.strip(" ,"):
        return merge_vary((existing,), tokens)
    for token in tokens:
        if token.lower() in lower:
            return merge_vary((existing,), tokens)
    return f"{existing.rstrip(' ,')}, {', '.join(tokens)}"


def apply_decision(headers: list[tuple[str, str]], decision: Decision) -> list[tuple[str, str]]:
    """Response headers (``str`` pairs, as WSGI has them) with the decision applied.

    A granted decision replaces the application's own Access-Control-Allow-Origin,
    -Allow-Credentials and -Expose-Headers: a duplicate Allow-Origin makes the
    browser fail the request, even with equal values. Otherwise the application's
    headers are kept as they are. Vary is merged with ``decision.vary``; when that
    is empty (a public policy's answer, the same for every origin) the
    application's Vary is left as it is and none is added. When the application
    sent none of those headers, this is an append (the common case). Raises nothing.

    - ``headers`` (``list[tuple[str, str]]``): the application's response headers, as
      ``(name, value)`` pairs; not modified.
    - ``decision`` (:class:`Decision`): what ``CORSPolicy.decide`` returned for the request.

    Returns a new list of ``(name, value)`` pairs.
    """
    for name, _ in headers:
        if name.lower() in MERGED_HEADERS:
            break
    else:
        if not decision.vary:
            return [*headers, *decision.headers]
        return [*headers, *decision.headers, ("Vary", ", ".join(decision.vary))]
    drop = ACTUAL_RESPONSE_HEADERS if decision.headers else frozenset()
    if not decision.vary:  # the application's Vary stays as it is, in its place
        return [(n, v) for n, v in headers if n.lower() not in drop] + list(decision.headers)
    kept: list[tuple[str, str]] = []
    vary: list[str] = []
    for name, value in headers:
        lower = name.lower()
        if lower == "vary":
            vary.append(value)
        elif lower not in drop:
            kept.append((name, value))
    kept.extend(decision.headers)
    kept.append(("Vary", vary_value(", ".join(vary) if vary else None, decision.vary)))
    return kept


def preflight_parts(decision: Decision) -> tuple[int, list[tuple[str, str]], bytes]:
    """A complete preflight response: ``(status, headers, body)``.

    The status is 200 or 400; the headers are the decision's, then Vary,
    Content-Type (plain text) and Content-Length. Only for a decision whose
    ``status`` is set (a preflight, Fetch §4.8).
    """
    body = decision.body
    headers = [
        *decision.headers,
        ("Vary", ", ".join(decision.vary)),
        ("Content-Type", PREFLIGHT_CONTENT_TYPE),
        ("Content-Length", str(len(body))),
    ]
    return decision.status or 200, headers, body
