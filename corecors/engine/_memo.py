"""The policy's bounded memo, and the bounded refusal log every adapter logs through.

A policy's answers are a pure function of the request's CORS headers and, with
``allow_origin_func``, of the function's answer (kept in ``corecors.lookup``, not
here): the memo keeps the decision per (request, answer). The rules, kept here
and nowhere else (see docs/architecture.md):

- bounded: when full it is cleared (O(1) per request on average; hot entries
  come back at once), so hostile variety costs no memory;
- callers never hash a huge key: they check the size before ``get``/``put``.

Other bounded memos follow the same rules: the ASGI adapter's encoded answers
(``adapters/_asgi_answers.Answers``, ``bytes`` keys, one per policy), Flask's
route table and Django's view policies (by path).

The core decides and never logs a refusal (it logs only an ``allow_origin_func``
that raised, bounded: ``corecors.matching.func_raised``): each adapter logs every refused
request it answers through its own :class:`RefusalLog`, at the level its
framework's debug mode asks for, in its users' vocabulary, with a bounded
volume (docs/architecture.md, "Refusal lines").
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, Protocol

logger = logging.getLogger("corecors")


class Explained(Protocol):
    """What a refusal line needs: :class:`corecors.Refusal` (``render``) is one."""

    def render(self, name: Callable[[str], str] | None = None) -> str: ...


class LineWindow:
    """A bound on log lines: at most ``lines`` (``int``) per ``window`` (``float``
    seconds) on the ``corecors`` logger. The line after the last one allowed says that
    further ones are not logged; the first line of a later window is preceded by how
    many were left out. So any volume of events adds at most ``lines + 2`` lines per
    window. Thread-safe; raises nothing. :class:`RefusalLog` and the lookups' failure
    log (``corecors.engine._failures``) each count through one.
    """

    __slots__ = ("_left_out", "_lock", "_logged", "_start", "lines", "window")

    def __init__(self, lines: int, window: float) -> None:
        self.lines = lines
        self.window = window
        self._lock = threading.Lock()
        self._start = time.monotonic()
        self._logged = 0  # events counted in this window
        self._left_out = 0  # of those, not logged

    def admit(self, level: int, events: str) -> bool:
        """Count one event (``events`` names them in the plural, e.g. ``"refusals"``);
        log at ``level`` what was left out before, or that from now on some will be;
        True when this event's own line is to be logged."""
        now = time.monotonic()
        with self._lock:
            left_out = 0
            if now - self._start >= self.window:
                left_out, self._left_out, self._logged, self._start = self._left_out, 0, 0, now
            self._logged += 1
            count = self._logged
            if count > self.lines:
                self._left_out += 1
        if left_out:
            logger.log(
                level,
                "CORS: %d %s were not logged (more than %d within %g s)",
                left_out,
                events,
                self.lines,
                self.window,
            )
        if count == self.lines + 1:
            logger.log(
                level,
                "CORS: %d %s logged within %g s; further %s are not logged for the rest of "
                "that time (their count follows)",
                self.lines,
                events,
                self.window,
                events,
            )
        return count <= self.lines


class RefusalLog:
    """The refusal lines of one adapter instance on the ``corecors`` logger, bounded.

    ``name`` (``Callable[[str], str] | None``, default None: the ``CORSPolicy``
    keywords) words the option a refusal's fix names in the user's vocabulary.
    ``lines`` (``int``, default 50) and ``window`` (``float`` seconds, default
    60.0): at most ``lines`` refusal lines per window (a :class:`LineWindow`). The
    next refusal in the window logs one line saying that further refusals are not
    logged; the first refusal of a later window first logs how many were left out.
    So a client sending a million distinct refused origins adds at most ``lines + 2``
    lines per window, whatever the level. Each instance counts on its own (one per
    middleware); thread-safe. Raises nothing.

    No handler is ever added: a line is shown by the application's logging
    configuration, or, with none, by Python's last-resort handler on stderr
    (WARNING and above only).
    """

    __slots__ = ("bound", "name")

    def __init__(
        self, name: Callable[[str], str] | None = None, *, lines: int = 50, window: float = 60.0
    ) -> None:
        self.name = name
        self.bound = LineWindow(lines, window)

    @property
    def lines(self) -> int:
        """Refusal lines allowed per window (settable)."""
        return self.bound.lines

    @lines.setter
    def lines(self, lines: int) -> None:
        self.bound.lines = lines

    def log(
        self,
        level: int,
        kind: str,
        refusal: Explained,
        *,
        exc_info: bool = False,
        outcome: str = "refused",
    ) -> bool:
        """Log one refusal at ``level`` (``logging.WARNING`` in a framework's debug
        mode, else ``logging.DEBUG``): ``CORS <kind> refused: <reason and fix>``.

        ``kind`` is a ``Decision.kind`` (``"actual"`` is written "request") or
        another word (``"WebSocket handshake"``, ``"cookie 'sessionid'"``). Nothing is
        counted or rendered while ``level`` is disabled on the ``corecors`` logger.
        ``exc_info``: add the exception being handled (its traceback) to the line.
        ``outcome`` (default ``"refused"``): the word after ``kind`` (a cookie the
        browser will not send back is ``"not sent back"``). Returns whether the line
        was logged (False: the level is disabled, or the window's lines are spent).
        """
        if not (logger.isEnabledFor(level) and self.bound.admit(level, "refusals")):
            return False
        word = "request" if kind == "actual" else kind
        text = refusal.render(self.name)
        logger.log(level, "CORS %s %s: %s", word, outcome, text, exc_info=exc_info)
        return True


class Memo:
    """Answers already computed, by their inputs; at most ``LIMIT`` entries.

    ``entries`` is the dict itself, for the hot paths that look up without a
    method call.
    """

    __slots__ = ("entries",)

    #: Entries kept before the memo is cleared (count, not bytes).
    LIMIT = 1024

    def __init__(self) -> None:
        self.entries: dict[Hashable, Any] = {}

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, key: Hashable) -> Any:
        """The remembered answer for ``key``, or None."""
        return self.entries.get(key)

    def put(self, key: Hashable, value: object) -> None:
        """Remember ``value``; clears everything first when ``LIMIT`` is reached."""
        entries = self.entries
        if len(entries) >= self.LIMIT:
            entries.clear()
        entries[key] = value
