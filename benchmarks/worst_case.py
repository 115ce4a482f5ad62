"""Worst-case work per request, for docs/security.md: ``python -m benchmarks.worst_case``.

Each figure is the median of several runs of one call with a value no memo has
seen (each attacker origin is new): corecors' own matching for a 1 KiB origin
against the usual policy shapes, the bounded preflight parse, and, for
contrast, what a user's own regex costs (quadratic; the exponential one from
issue 23, which corecors now refuses at start-up, and its atomic rewrite).
"""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Callable

from corecors import CORSPolicy

REPEAT = 7


def _median(call: Callable[[int], object], count: int = 200) -> float:
    """Median seconds per call over REPEAT runs of ``count`` calls with fresh values."""
    runs = []
    for run in range(REPEAT):
        start = time.perf_counter()
        for index in range(count):
            call(run * count + index)
        runs.append((time.perf_counter() - start) / count)
    return statistics.median(runs)


def _origin(index: int, size: int = 1024) -> str:
    """A fresh, well-formed origin of ``size`` characters (the longest corecors reads)."""
    head = f"https://x{index}."
    return head + "a" * (size - len(head) - len(".example.com")) + ".example.com"


POLICIES = {
    "exact origins (100 listed)": CORSPolicy(
        allow_origins=[f"https://app{i}.example.org" for i in range(100)]
    ),
    "subdomain pattern": CORSPolicy(allow_origins=["https://*.example.org"]),
    r"regex https://[a-z0-9-]+\.example\.org": CORSPolicy(
        allow_origin_regex=r"https://[a-z0-9-]+\.example\.org"
    ),
}


def main() -> None:
    print("corecors' own matching, one fresh 1 KiB origin (refused, memo bypassed by novelty):")
    for name, policy in POLICIES.items():
        seconds = _median(lambda i, p=policy: p.actual(_origin(i)))
        print(f"  {name:45s} {seconds * 1e6:8.1f} µs")
    policy = CORSPolicy(allow_origins=["https://app.example.org"], allow_headers=["x-a"])
    hostile = ",".join(f"x-h{i}" for i in range(64))[:4096]
    seconds = _median(
        lambda i: policy.preflight("https://app.example.org", "PUT", hostile + f",y{i}")
    )
    print(f"  preflight, 65 request header names         {seconds * 1e6:8.1f} µs")
    print("A user's own regex against one 1 KiB origin:")
    quadratic = re.compile(r"https://.*.*\.example\.org")
    seconds = _median(lambda i: quadratic.fullmatch(_origin(i)), count=5)
    print(f"  quadratic https://.*.*\\.example\\.org        {seconds * 1e3:8.1f} ms")
    exponential = re.compile(r"https://([a-z0-9]+-?)*[a-z0-9]+\.example\.com")
    atomic = re.compile(r"https://(?>([a-z0-9]+-?))*[a-z0-9]+\.example\.com")
    for size in (18, 20, 22):
        attack = "https://" + "a" * size + "!"
        seconds = _median(lambda i, a=attack: exponential.fullmatch(a), count=1)
        print(f"  issue 23 regex, {len(attack)}-byte origin            {seconds * 1e3:8.1f} ms")
    seconds = _median(lambda i: atomic.fullmatch(_origin(i)), count=20)
    print(f"  its atomic rewrite, 1 KiB origin            {seconds * 1e3:8.3f} ms")


if __name__ == "__main__":
    main()
