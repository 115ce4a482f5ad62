"""The deadline of one ``corecors check`` request (corecors/browser/_wire.py): every
socket operation waits only for what is left of it, and none starts once it passed."""

from __future__ import annotations

import socket
import time

import pytest

from corecors.browser._wire import _limit


def test_no_operation_starts_once_the_deadline_passed() -> None:
    left, right = socket.socketpair()
    with left, right:
        with pytest.raises(TimeoutError):
            _limit(left, time.monotonic() - 0.001)
        _limit(left, time.monotonic() + 60)
        timeout = left.gettimeout()
        assert timeout is not None
        assert 0 < timeout <= 60  # what is left of the deadline, no more
