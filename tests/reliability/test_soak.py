"""The soak, short: each stack on its real server under the hostile mix, every response checked.

The full run (100,000 requests per stack, beside the bare server and the peer)
is ``make soak``; this is the same code with a few thousand requests per stack.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from benchmarks import load
from benchmarks.soak import CONCURRENCY, STACKS, serve

from . import config

REQUESTS = 2500
SEED = 1414
TIME_LIMIT = 180.0  # seconds per stack: 3-15 s on a quiet machine, much more on a loaded one
ALL_KINDS = {spec.kind for spec in load.plan(5000, SEED)}


@pytest.mark.parametrize("stack", sorted(STACKS))
def test_short_soak_meets_the_contract(stack: str, tmp_path: Path) -> None:
    specs = load.plan(REQUESTS, SEED)
    with serve(stack, "corecors", tmp_path) as server:
        result = asyncio.run(load.run(server.port, specs, CONCURRENCY, TIME_LIMIT))
        alive = server.alive()  # same worker pids: none crashed or was replaced
        log = server.log
    assert result.violations == [], result.violations
    assert result.transport_errors == [], result.transport_errors
    assert not result.timed_out
    assert result.requests == REQUESTS
    # The server's own lines (a worker timed out, exited, booted), not the app's tracebacks.
    server_lines = [line for line in log.read_text().splitlines() if line.startswith("[")]
    assert alive, "\n".join(line for line in server_lines if "ERROR in app" not in line)[-3000:]
    assert set(result.kinds) == ALL_KINDS  # every kind of the mix was sent and answered
    assert result.left_mid_stream > 0


def test_the_check_finds_what_a_server_without_cors_gets_wrong(tmp_path: Path) -> None:
    """The contract check is not vacuous: the bare server's answers violate it."""
    specs = [s for s in load.plan(600, SEED) if s.kind in {"allowed-get", "allowed-preflight"}]
    with serve("fastapi-uvicorn", "bare", tmp_path) as server:
        result = asyncio.run(load.run(server.port, specs, 8, TIME_LIMIT))
    assert result.requests == len(specs) > 0
    assert result.transport_errors == []
    assert result.violation_count >= len(specs)
    assert any("Allow-Origin []" in v for v in result.violations)
    assert any("status 405, expected 200" in v for v in result.violations)


A, B = config.ALLOWED
GRANT = load.Spec("allowed-get", "GET", "/items", (("Origin", A.encode()),), grant=A)
GOOD = [
    ("access-control-allow-origin", A),
    ("access-control-allow-credentials", "true"),
    ("access-control-expose-headers", "X-Total"),
    ("vary", "Origin"),
]


def test_a_correct_grant_passes() -> None:
    assert load.violations(GRANT, 200, GOOD, b"{}") == []


@pytest.mark.parametrize(
    ("lines", "found"),
    [
        ([*GOOD, ("access-control-allow-origin", A)], "Allow-Origin"),  # sent twice
        ([("access-control-allow-origin", B), *GOOD[1:]], "Allow-Origin"),  # another origin's
        ([("access-control-allow-origin", "*"), *GOOD[1:]], "Allow-Origin"),
        ([GOOD[0], *GOOD[2:]], "Allow-Credentials"),
        (GOOD[:3], "lacks Origin"),
        ([*GOOD, ("vary", "origin")], "Vary repeats"),
    ],
)
def test_a_wrong_grant_is_a_violation(lines: list[tuple[str, str]], found: str) -> None:
    assert any(found in v for v in load.violations(GRANT, 200, lines, b"{}"))


def test_a_grant_on_a_refused_request_is_a_violation() -> None:
    refused = load.Spec("refused-get", "GET", "/items", (("Origin", config.REFUSED.encode()),))
    assert load.violations(refused, 200, [("vary", "Origin")], b"{}") == []
    assert load.violations(refused, 200, GOOD, b"{}") != []
