"""The failure log of ``allow_origin_func`` lookups (``corecors.lookup``): bounded like
the refusal log (``corecors.memo.RefusalLog``), one traceback per distinct error."""

from __future__ import annotations

import logging
import threading

from ._memo import LineWindow
from ._tokens import short_repr

logger = logging.getLogger("corecors")


class FailureLog:
    """Lookup failures on the ``corecors`` logger, bounded like the refusal log.

    At most ``lines`` lines per ``window`` seconds (then one line saying so, and the
    count at the start of the next window); a traceback only for the first occurrence
    of each distinct error (type and message, at most ``KINDS`` remembered); one line
    when a lookup succeeds after failures. Thread-safe. Raises nothing.
    """

    __slots__ = ("_failing", "_lock", "_seen", "bound")

    KINDS = 100

    def __init__(self, *, lines: int = 20, window: float = 60.0) -> None:
        self.bound = LineWindow(lines, window)
        self._lock = threading.Lock()
        self._failing = 0  # failures since the last success
        self._seen: set[tuple[str, str]] = set()

    @property
    def lines(self) -> int:
        """Failure lines allowed per window."""
        return self.bound.lines

    def failed(self, origin: str, reason: str, error: BaseException | None = None) -> None:
        """Log one failed lookup of ``origin`` (refused): ``reason`` says why."""
        signature = (type(error).__name__, str(error)) if error is not None else ("", reason)
        with self._lock:
            self._failing += 1
            first = signature not in self._seen
            if first and len(self._seen) < self.KINDS:
                self._seen.add(signature)
        if self.bound.admit(logging.ERROR, "failed origin lookups"):
            logger.error(
                "CORS: allow_origin_func %s for origin %s; refusing it (fail closed)",
                reason,
                short_repr(origin),
                exc_info=error if first and error is not None else None,
            )

    def succeeded(self) -> None:
        """A lookup answered: after failures, log once that it works again."""
        if not self._failing:  # the common case: no lock
            return
        with self._lock:
            failures, self._failing = self._failing, 0
            self._seen.clear()
        logger.warning("CORS: allow_origin_func answers again, after %d failed lookups", failures)
