"""One bounded memo: the only cache in corecors, shared by the core and the adapters.

A policy's answers are a pure function of the request's CORS headers, unless
``allow_origin_func`` is set (its answer may change over time: an allow list kept
in a database), so a policy with a function has no memo. The rules, kept here
and nowhere else (see docs/architecture.md):

- bounded: when full it is cleared (O(1) per request on average; hot entries
  come back at once), so hostile variety costs no memory;
- callers never hash a huge key: they check the size before ``get``/``put``;
- a refusal found here is logged again, so each refused request is logged.

Keys of different layers never collide: the core uses ``str`` keys and tuples of
``str``, the ASGI adapter ``bytes`` keys and tuples of ``bytes``.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable
from typing import Any, Protocol

logger = logging.getLogger("corecors")


class Remembered(Protocol):
    """What a memo value says about itself: its kind, and why it was refused (or None)."""

    @property
    def kind(self) -> str: ...

    @property
    def reason(self) -> str | None: ...


def log_refusal(kind: str, reason: str) -> None:
    """Log one refusal at DEBUG: the one format every layer uses.

    ``kind`` is ``"actual"`` (logged as "request") or ``"preflight"``.
    """
    logger.debug("CORS %s refused: %s", "request" if kind == "actual" else kind, reason)


class Memo:
    """Answers already computed, by their inputs; at most ``LIMIT`` entries.

    ``entries`` is the dict itself, for the hot paths that look up without a
    method call (then they log a remembered refusal themselves, with
    :func:`log_refusal`, when DEBUG is enabled).
    """

    __slots__ = ("entries",)

    #: Entries kept before the memo is cleared (count, not bytes).
    LIMIT = 1024

    def __init__(self) -> None:
        self.entries: dict[Hashable, Any] = {}

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, key: Hashable) -> Any:
        """The remembered answer for ``key`` or None; a remembered refusal is logged again."""
        value = self.entries.get(key)
        if value is not None and value.reason is not None:
            log_refusal(value.kind, value.reason)
        return value

    def put(self, key: Hashable, value: Remembered) -> None:
        """Remember ``value``; clears everything first when ``LIMIT`` is reached."""
        entries = self.entries
        if len(entries) >= self.LIMIT:
            entries.clear()
        entries[key] = value
