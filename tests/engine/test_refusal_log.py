"""corecors.engine.RefusalLog: one line per refusal at the level asked, a bounded volume."""

from __future__ import annotations

import logging
import threading
import types

import pytest

from corecors import CORSPolicy, Refusal
from corecors.engine import _memo as memo_module
from corecors.engine._memo import RefusalLog

APP = "https://app.example.com"


def refusal(i: int) -> Refusal:
    decision = CORSPolicy(allow_origins=[APP]).decide("GET", f"https://x{i}.example.org")
    assert decision.refusal is not None
    return decision.refusal


class Clock:
    """Stands in for the ``time`` module in corecors.engine._memo: ``monotonic`` moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(memo_module, "time", types.SimpleNamespace(monotonic=clock.monotonic))
    return clock


def messages(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "corecors"]


def test_lines_per_window_then_one_line_then_the_count(
    clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    log = RefusalLog(lines=3, window=60.0)
    with caplog.at_level(logging.WARNING, logger="corecors"):
        for i in range(1000):  # a million would print the same: 4 lines
            log.log(logging.WARNING, "actual", refusal(i % 5))
        assert messages(caplog) == [
            "CORS request refused: origin 'https://x0.example.org' is not allowed",
            "CORS request refused: origin 'https://x1.example.org' is not allowed",
            "CORS request refused: origin 'https://x2.example.org' is not allowed",
            "CORS: 3 refusals logged within 60 s; further refusals are not logged for the "
            "rest of that time (their count follows)",
        ]
        caplog.clear()
        clock.now += 59.0  # still the same window
        log.log(logging.WARNING, "preflight", refusal(7))
        assert messages(caplog) == []
        clock.now += 1.0  # a new window: the count first, then the refusal
        log.log(logging.WARNING, "preflight", refusal(8))
        assert messages(caplog) == [
            "CORS: 998 refusals were not logged (more than 3 within 60 s)",
            "CORS preflight refused: origin 'https://x8.example.org' is not allowed",
        ]
    assert all(r.levelno == logging.WARNING for r in caplog.records)


def test_nothing_is_counted_or_rendered_while_the_level_is_off(
    clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    log = RefusalLog(lines=2)
    with caplog.at_level(logging.WARNING, logger="corecors"):
        for i in range(100):  # DEBUG is off: production's default
            log.log(logging.DEBUG, "actual", refusal(i))
        log.log(logging.WARNING, "actual", refusal(1))
    assert messages(caplog) == [
        "CORS request refused: origin 'https://x1.example.org' is not allowed"
    ]


def test_each_log_counts_on_its_own(caplog: pytest.LogCaptureFixture) -> None:
    first, second = RefusalLog(lines=1), RefusalLog(lines=1)
    with caplog.at_level(logging.DEBUG, logger="corecors"):
        first.log(logging.DEBUG, "actual", refusal(1))
        second.log(logging.DEBUG, "actual", refusal(2))
    assert len(messages(caplog)) == 2


def test_the_bound_holds_across_threads(caplog: pytest.LogCaptureFixture) -> None:
    log = RefusalLog(lines=50)
    refusals = [refusal(i) for i in range(10)]

    def flood() -> None:
        for i in range(200):
            log.log(logging.DEBUG, "actual", refusals[i % 10])

    with caplog.at_level(logging.DEBUG, logger="corecors"):
        threads = [threading.Thread(target=flood) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert not any(thread.is_alive() for thread in threads)
    found = messages(caplog)
    assert len(found) == 51  # 50 refusals and the line saying the rest are not logged
    assert sum(m.startswith("CORS request refused: ") for m in found) == 50


def test_the_vocabulary_of_the_adapter_names_the_option(caplog: pytest.LogCaptureFixture) -> None:
    decision = CORSPolicy(allow_origins=[APP]).decide("OPTIONS", APP, "PUT")
    assert decision.refusal is not None
    log = RefusalLog(name=lambda option: f"CORS_{option.upper()}")
    with caplog.at_level(logging.DEBUG, logger="corecors"):
        log.log(logging.DEBUG, decision.kind, decision.refusal)
    assert messages(caplog) == [
        "CORS preflight refused: method 'PUT' is not allowed; add it to CORS_ALLOW_METHODS"
    ]
