"""An origin added to or removed from the Redis store is honoured by every one of four
workers behind one port (gunicorn with Flask, uvicorn --workers 4 with FastAPI), never
before it is added; the time each worker took is printed (p50, p99, max).

docs/dynamic-origins.md's Redis recipe as shown: the workers' listeners drop their
kept answer when the change is published; without the message, origin_cache_ttl
(60 s) is the bound, which every measured time must be within.
"""

from __future__ import annotations

import functools
import operator
import statistics
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import redis

from tests.recipes.blocks import run
from tests.recipes.stores import redis_server

from .dynamic_stack import STACKS, WORKERS, Workers, serve

ROUNDS = 8  # each: one origin added, then removed
CLIENTS = 8  # concurrent clients: every worker gets requests
BOUND = 60.0  # seconds: origin_cache_ttl, the bound without the message
DEADLINE = 20.0  # seconds a phase may take at most (a bounded loop; never reached)


def until_every_worker(
    workers: Workers, origin: str, done: Callable[[str | None], bool]
) -> tuple[dict[int, float], list[str]]:
    """Send requests from CLIENTS threads until each worker answered ``done``; returns
    when each did first (monotonic time) and every answer seen, in order."""
    first: dict[int, float] = {}
    answers: list[str] = []
    lock = threading.Lock()
    end = time.monotonic() + DEADLINE

    def client() -> None:
        while time.monotonic() < end:
            with lock:
                if len(first) == WORKERS:
                    return
            pid, granted = workers.get(origin)
            now = time.monotonic()
            with lock:
                answers.append(granted or "")
                if done(granted):
                    first.setdefault(pid, now)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(DEADLINE + 10)
    assert len(first) == WORKERS, f"only {len(first)} workers answered: {first}"
    return first, answers


@pytest.mark.parametrize("stack", STACKS)
def test_a_change_in_the_store_reaches_every_worker(stack: str, tmp_path: Path) -> None:
    store = run("redis-store", "redis_origins")
    latencies: list[float] = []
    with redis_server() as server, serve(stack, server.url, tmp_path) as workers:
        admin = redis.Redis.from_url(server.url)
        pids = workers.pids()
        for round_ in range(ROUNDS):
            origin = f"https://tenant{round_}.example.com"
            # Every worker has asked the store and keeps the refusal: never granted
            # before it is added.
            _, before = until_every_worker(workers, origin, lambda granted: granted is None)
            assert set(before) == {""}
            added = time.monotonic()
            store.add_origin(admin, origin)
            granted = functools.partial(operator.eq, origin)  # bound to this round's origin
            granted_at, _ = until_every_worker(workers, origin, granted)
            latencies += [at - added for at in granted_at.values()]
            removed = time.monotonic()
            store.remove_origin(admin, origin)
            refused_at, _ = until_every_worker(workers, origin, lambda g: g is None)
            latencies += [at - removed for at in refused_at.values()]
        assert workers.pids() == pids  # no worker crashed or was replaced
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, round(0.99 * (len(latencies) - 1)))]
    print(
        f"\n{stack}: {len(latencies)} worker changes, seconds until honoured: "
        f"p50 {statistics.median(latencies):.4f}, p99 {p99:.4f}, max {latencies[-1]:.4f}"
    )
    assert latencies[-1] <= BOUND
