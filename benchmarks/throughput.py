"""Raw throughput beside bare and the peer, with Debian's ``wrk`` as the client.

    python -m benchmarks.throughput [--rounds 9] [--seconds 3]

The soak's Python client costs more CPU than the servers it drives, so its
req/s mostly measures the client; ``wrk`` (C) does not. For each stack the
three servers run side by side; each round gives each variant ``--seconds`` of
``wrk -c64`` on an allowed cross-origin ``GET /items`` (the most common CORS
request), in a rotating order, and the report is the median over rounds of the
per-round ratios (a shared machine's load drifts; pairs in one round share it).
"""

from __future__ import annotations

import argparse
import contextlib
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.reliability import config

from .soak import STACKS, serve

VARIANTS = ("corecors", "bare", "peer")
_REQUESTS_PER_SEC = re.compile(r"Requests/sec:\s+([\d.]+)")


def wrk(port: int, seconds: int) -> float:
    """req/s of ``wrk`` (1 thread, 64 connections) on an allowed GET /items."""
    binary = shutil.which("wrk")
    if binary is None:
        raise SystemExit("wrk not found: apt-get install wrk")
    url = f"http://127.0.0.1:{port}/items"
    origin = f"Origin: {config.ALLOWED[0]}"
    out = subprocess.run(
        [binary, "-t1", "-c64", f"-d{seconds}s", "-H", origin, url],
        capture_output=True,
        text=True,
        timeout=seconds + 30,
        check=True,
    ).stdout
    found = _REQUESTS_PER_SEC.search(out)
    if found is None or "Non-2xx" in out:
        raise SystemExit(f"wrk: unexpected output:\n{out}")
    return float(found.group(1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--seconds", type=int, default=3)
    parser.add_argument("--stacks", nargs="*", choices=sorted(STACKS), default=list(STACKS))
    args = parser.parse_args(argv)
    print("| Stack | corecors / bare | corecors / peer | median req/s corecors, bare, peer |")
    print("|---|--:|--:|--:|")
    with tempfile.TemporaryDirectory(prefix="corecors-wrk-") as tmp:
        for stack in args.stacks:
            rates: dict[str, list[float]] = {v: [] for v in VARIANTS}
            with contextlib.ExitStack() as servers:
                ports = {
                    v: servers.enter_context(serve(stack, v, Path(tmp))).port for v in VARIANTS
                }
                for v in VARIANTS:
                    wrk(ports[v], 1)  # warm-up
                for r in range(args.rounds):
                    for v in VARIANTS[r % 3 :] + VARIANTS[: r % 3]:
                        rates[v].append(wrk(ports[v], args.seconds))
            c, b, p = (rates[v] for v in VARIANTS)
            vs_bare = statistics.median(x / y for x, y in zip(c, b, strict=True))
            vs_peer = statistics.median(x / y for x, y in zip(c, p, strict=True))
            medians = ", ".join(f"{statistics.median(rates[v]):,.0f}" for v in VARIANTS)
            print(f"| {stack} | {vs_bare:.3f} | {vs_peer:.3f} | {medians} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
