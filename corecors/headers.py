"""Applying a Decision to a response's headers: the part every adapter shares."""

from __future__ import annotations

from collections.abc import Iterable

from .decision import Decision
from .policy import ACTUAL_RESPONSE_HEADERS


def merge_vary(existing: Iterable[str], tokens: Iterable[str]) -> str:
    """One Vary value: the response's own tokens, then the missing ``tokens``.

    Never replaces or duplicates a token (compared case-insensitively); a
    response that already varies on ``*`` stays ``*``.
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


def apply_decision(headers: list[tuple[str, str]], decision: Decision) -> list[tuple[str, str]]:
    """Response headers (``str`` pairs, as WSGI has them) with the decision applied.

    A granted decision replaces the application's own Access-Control-Allow-Origin,
    -Allow-Credentials and -Expose-Headers: a duplicate Allow-Origin makes the
    browser fail the request, even with equal values. Otherwise the application's
    headers are kept as they are. Vary is merged with ``decision.vary``; when that
    is empty (a public policy, whose answer is the same for every origin), the
    application's Vary is left as it is and none is added.
    """
    drop = ACTUAL_RESPONSE_HEADERS if decision.headers else frozenset()
    if not decision.vary:  # a public policy's answer: the application's Vary stays as it is
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
    kept.append(("Vary", merge_vary(vary, decision.vary) if vary else ", ".join(decision.vary)))
    return kept
