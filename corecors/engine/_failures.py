"""The failure log of ``allow_origin_func`` lookups (``corecors.lookup``): bounded like
the refusal log (``corecors.memo.RefusalLog``), one traceback per distinct error."""

from __future__ import annotations

import logging
import threading
import time

from ._tokens import short_repr

logger = logging.getLogger("corecors")


class FailureLog:
    """Lookup failures on the ``corecors`` logger, bounded like the refusal log.

    At most ``lines`` lines per ``window`` seconds (then one line saying so, and the
    count at the start of the next window); a traceback only for the first occurrence
    of each distinct error (type and message, at most ``KINDS`` remembered); one line
    when a lookup succeeds after failures. Thread-safe. Raises nothing.
    """

    __slots__ = ("_failing", "_left_out", "_lock", "_logged", "_seen", "_start", "lines", "window")

    KINDS = 100

    def __init__(self, *, lines: int = 20, window: float = 60.0) -> None:
        self.lines = lines
        self.window = window
        self._lock = threading.Lock()
        self._start = time.monotonic()
        self._logged = 0
        self._left_out = 0
        self._failing = 0  # failures since the last success
        self._seen: set[tuple[str, str]] = set()

    def failed(self, origin: str, reason: str, error: BaseException | None = None) -> None:
        """Log one failed lookup of ``origin`` (refused): ``reason`` says why."""
        signature = (type(error).__name__, str(error)) if error is not None else ("", reason)
        now = time.monotonic()
        with self._lock:
            self._failing += 1
            left_out = 0
            if now - self._start >= self.window:
                left_out, self._left_out, self._logged, self._start = self._left_out, 0, 0, now
            self._logged += 1
            count = self._logged
            if count > self.lines:
                self._left_out += 1
            first = signature not in self._seen
            if first and len(self._seen) < self.KINDS:
                self._seen.add(signature)
        if left_out:
            logger.warning("CORS: %d failed origin lookups were not logged", left_out)
        if count <= self.lines:
            logger.error(
                "CORS: allow_origin_func %s for origin %s; refusing it (fail closed)",
                reason,
                short_repr(origin),
                exc_info=error if first and error is not None else None,
            )
        elif count == self.lines + 1:
            logger.error(
                "CORS: %d failed origin lookups logged within %g s; further failures are "
                "not logged for the rest of that time (their count follows)",
                self.lines,
                self.window,
            )

    def succeeded(self) -> None:
        """A lookup answered: after failures, log once that it works again."""
        if not self._failing:  # the common case: no lock
            return
        with self._lock:
            failures, self._failing = self._failing, 0
            self._seen.clear()
        logger.warning("CORS: allow_origin_func answers again, after %d failed lookups", failures)
