"""The soak: each stack on its real server, with corecors, bare and with the peer, under load.

    python -m benchmarks.soak [--requests 100000] [--stacks fastapi-uvicorn ...]

(``make soak``). For each stack the three servers (corecors, no CORS middleware,
the peer library) run side by side on loopback; each is warmed up, its worker
RSS read, then the same seeded request plan is sent to each in interleaved
rounds (the machine is shared: interleaving spreads other people's load over
all three). Every corecors response is checked against the CORS contract.
Writes ``benchmarks/results/soak.json`` and ``soak.md``; exits 1 when a hard
budget fails (a violation, a transport error, a crash, RSS growth over 5 %).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.servers import ROOT, Server, bound_socket, stop, wait_until_answering

from . import load

CONCURRENCY = 64
RSS_GROWTH_LIMIT = 0.05
CHUNK_TIME_LIMIT = 900.0  # seconds for one round of one variant: a bound, never reached
RESULTS = ROOT / "benchmarks" / "results"

# --timeout: a sync worker that misses gunicorn's heartbeat for 30 s (the default) is
# killed and replaced, which the soak counts as a crash; on a loaded 2-core CI machine a
# worker starved of CPU can miss it. 120 s still ends below the test's time limit.
GUNICORN = ["gunicorn", "--workers", "2", "--timeout", "120", "--graceful-timeout", "2"]
GUNICORN += ["--log-level", "warning"]
UVICORN = ["uvicorn", "--log-level", "warning", "--no-access-log"]

#: stack -> (server command before the bind option, app spec, peer library)
STACKS: dict[str, tuple[list[str], str, str]] = {
    "fastapi-uvicorn": (UVICORN, "tests.reliability.asgi_app:app", "Starlette CORSMiddleware"),
    "flask-gunicorn": (GUNICORN, "tests.reliability.wsgi_app:app", "flask-cors"),
    "django-gunicorn": (GUNICORN, "tests.reliability.django_entry:wsgi", "django-cors-headers"),
    "django-uvicorn": (UVICORN, "tests.reliability.django_entry:asgi", "django-cors-headers"),
}


@dataclass
class Running:
    """A server started by :func:`serve`: its port, master process and worker pids."""

    port: int
    process: subprocess.Popen[bytes]
    log: Path
    workers: list[int] = field(default_factory=list)

    def current_workers(self) -> list[int]:
        """The processes that serve requests: gunicorn's children, or uvicorn itself."""
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, ValueError, IndexError):
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == self.process.pid:  # fields: state, ppid, ...
                    children.append(int(stat.parent.name))
        return sorted(children) or [self.process.pid]

    def rss_kib(self) -> int:
        """The summed VmRSS of the workers, in KiB (from /proc/PID/status)."""
        total = 0
        for pid in self.workers:
            status = Path(f"/proc/{pid}/status").read_text()
            total += next(
                int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")
            )
        return total

    def alive(self) -> bool:
        return self.process.poll() is None and self.current_workers() == self.workers


@contextlib.contextmanager
def start(
    command: list[str], app: str, env: dict[str, str], log: Path, ready: str = "/health"
) -> Iterator[Running]:
    """``python -m <command> <bind> <app>`` on a loopback socket handed over as an fd.

    The server's output goes to ``log``; it is stopped (bounded) on exit, also on failure.
    """
    listener = bound_socket(inheritable=True)
    listener.listen(1024)  # 64 clients reconnecting to sync workers overflow a small backlog
    fd = listener.fileno()
    bind = ["--bind", f"fd://{fd}"] if command[0] == "gunicorn" else ["--fd", str(fd)]
    environment = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    environment.pop("GUNICORN_CMD_ARGS", None)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", *command, *bind, app],
            cwd=ROOT,
            env=environment,
            pass_fds=[fd],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    port = listener.getsockname()[1]
    try:
        wait_until_answering(Server(command[0], port), process, ready)
        running = Running(port, process, log)
        running.workers = running.current_workers()
        yield running
    finally:
        stop(process)
        listener.close()


def serve(stack: str, variant: str, log_dir: Path) -> contextlib.AbstractContextManager[Running]:
    """Start ``stack`` with ``variant``'s middleware (see :func:`start`)."""
    command, app, _ = STACKS[stack]
    return start(command, app, {"SOAK_VARIANT": variant}, log_dir / f"{stack}-{variant}.log")


@dataclass
class VariantRun:
    result: load.Result = field(default_factory=load.Result)
    rss_before: int = 0
    rss_after: int = 0
    crashed: bool = False
    round_rps: list[float] = field(default_factory=list)

    def add(self, part: load.Result) -> None:
        self.round_rps.append(round(part.rate(), 1))
        r = self.result
        r.requests += part.requests
        r.elapsed += part.elapsed
        r.latencies += part.latencies
        r.violation_count += part.violation_count
        r.violations += part.violations[: max(0, 100 - len(r.violations))]
        r.transport_errors += part.transport_errors
        r.retries += part.retries
        r.left_mid_stream += part.left_mid_stream
        r.timed_out |= part.timed_out
        r.kinds.update(part.kinds)


def soak_stack(
    stack: str,
    requests: dict[str, int],
    rounds: int,
    warmup: int,
    seed: int,
    log_dir: Path,
) -> dict[str, VariantRun]:
    """One stack: the variants side by side, warmed up, then interleaved rounds of one plan.

    ``requests`` maps each variant to run to its number of requests (a prefix of
    the same seeded plan), sent in ``rounds`` interleaved slices.
    """
    variants = tuple(requests)
    specs = load.plan(max(requests.values()), seed)
    warm = load.plan(warmup, seed + 1)
    runs = {v: VariantRun() for v in variants}
    with contextlib.ExitStack() as servers:
        running = {v: servers.enter_context(serve(stack, v, log_dir)) for v in variants}
        for v in variants:
            asyncio.run(load.run(running[v].port, warm, CONCURRENCY, CHUNK_TIME_LIMIT, check=False))
            runs[v].rss_before = running[v].rss_kib()
        for r in range(rounds):
            order = variants[r % len(variants) :] + variants[: r % len(variants)]
            for v in order:
                size = -(-requests[v] // rounds)
                part = specs[r * size : min((r + 1) * size, requests[v])]
                result = asyncio.run(
                    load.run(
                        running[v].port, part, CONCURRENCY, CHUNK_TIME_LIMIT, check=v == "corecors"
                    )
                )
                runs[v].add(result)
                print(
                    f"  {stack} {v} round {r + 1}/{rounds}: {result.rate():.0f} req/s", flush=True
                )
        for v in variants:
            runs[v].crashed = not running[v].alive()
            if not runs[v].crashed:
                runs[v].rss_after = running[v].rss_kib()
    return runs


def summary(stack: str, runs: dict[str, VariantRun]) -> dict[str, Any]:
    def ms(r: load.Result, p: float) -> float:
        return round(r.percentile(p) * 1000, 2)

    out: dict[str, Any] = {
        "stack": stack,
        "peer_library": STACKS[stack][2],
        "concurrency": CONCURRENCY,
    }
    for v, run in runs.items():
        r = run.result
        out[v] = {
            "requests": r.requests,
            "rps": round(r.rate(), 1),
            "round_rps": run.round_rps,
            "p50_ms": ms(r, 50),
            "p99_ms": ms(r, 99),
            "violations": r.violation_count,
            "violation_examples": r.violations[:10],
            "transport_errors": len(r.transport_errors),
            "transport_error_examples": r.transport_errors[:10],
            "retries": r.retries,
            "left_mid_stream": r.left_mid_stream,
            "timed_out": r.timed_out,
            "crashed": run.crashed,
            "rss_before_kib": run.rss_before,
            "rss_after_kib": run.rss_after,
            "rss_growth": round(run.rss_after / run.rss_before - 1, 4) if run.rss_before else None,
        }
    return out


def _ms(x: dict[str, Any]) -> str:
    return f"{x['p50_ms']} / {x['p99_ms']}" if x else "-"


def _ratio(c: dict[str, Any], x: dict[str, Any]) -> str:
    """The ratio of the totals, and the median of the per-round ratios (in brackets)."""
    if not x.get("rps"):
        return "-"
    rounds = [
        a / b for a, b in zip(c.get("round_rps", ()), x.get("round_rps", ()), strict=False) if b
    ]
    median = f" ({statistics.median(rounds):.2f})" if rounds else ""
    return f"{c['rps'] / x['rps']:.2f}{median}"


def table(rows: list[dict[str, Any]]) -> str:
    """The README's table, in Markdown."""
    lines = [
        "| Stack (peer) | Requests | Conc. | req/s corecors | bare | peer "
        "| corecors / bare (round median) | corecors / peer (round median) "
        "| p50 / p99 ms corecors | bare | peer "
        "| Violations | Transport errors | Crashes | Worker RSS after warm-up → end |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for row in rows:
        c, b, p = (row.get(v) or {} for v in ("corecors", "bare", "peer"))
        crashes = sum(bool(x.get("crashed")) for x in (c, b, p))
        growth = (c.get("rss_growth") or 0) * 100
        cells = [
            f"{row['stack']} ({STACKS[row['stack']][2]})",
            f"{c['requests']:,}",
            str(row["concurrency"]),
            *(f"{x.get('rps', 0):,.0f}" for x in (c, b, p)),
            _ratio(c, b),
            _ratio(c, p),
            *(_ms(x) for x in (c, b, p)),
            str(c["violations"]),
            str(c["transport_errors"]),
            str(crashes),
            f"{c['rss_before_kib'] / 1024:.1f} → {c['rss_after_kib'] / 1024:.1f} MiB "
            f"({growth:+.1f} %)",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def failures(row: dict[str, Any]) -> list[str]:
    """The hard budgets (throughput is reported, not enforced: the machine is shared)."""
    c = row["corecors"]
    assert isinstance(c, dict)
    found = []
    if c["violations"] or c["transport_errors"] or c["crashed"] or c["timed_out"]:
        found.append(f"{row['stack']}: violations, transport errors, a crash or a time-out")
    if c["rss_growth"] is None or c["rss_growth"] > RSS_GROWTH_LIMIT:
        found.append(f"{row['stack']}: RSS growth {c['rss_growth']}")
    for v in ("bare", "peer"):
        x = row.get(v)
        if isinstance(x, dict) and (x["crashed"] or x["timed_out"]):
            found.append(f"{row['stack']} {v}: crashed or timed out")
    return found


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=100_000, help="per variant and stack")
    parser.add_argument(
        "--baseline-requests",
        type=int,
        default=None,
        help="per stack for the bare and peer servers (default: --requests)",
    )
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds")
    # Enough for the bounded memos to fill (the mix has hundreds of distinct
    # Access-Control-Request-Headers values), so RSS is read at steady state.
    parser.add_argument("--warmup", type=int, default=30_000, help="requests before RSS is read")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--stacks", nargs="*", choices=sorted(STACKS), default=list(STACKS))
    parser.add_argument("--output", type=Path, default=RESULTS, help="directory for soak.json/.md")
    args = parser.parse_args(argv)
    # A termination signal unwinds like an exception, so every server started is stopped;
    # SIGINT too, which a shell leaves ignored for a background job.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    signal.signal(signal.SIGINT, _exit_on_signal)
    rows: list[dict[str, Any]] = []
    args.output.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="corecors-soak-") as tmp:
        for stack in args.stacks:
            print(f"{stack}: {args.requests:,} requests, concurrency {CONCURRENCY}", flush=True)
            baseline = args.baseline_requests or args.requests
            sizes = {"corecors": args.requests, "bare": baseline, "peer": baseline}
            runs = soak_stack(stack, sizes, args.rounds, args.warmup, args.seed, Path(tmp))
            rows.append(summary(stack, runs))
            # Written after each stack: a long run interrupted keeps what it measured.
            (args.output / "soak.json").write_text(json.dumps(rows, indent=2) + "\n")
            markdown = table(rows)
            (args.output / "soak.md").write_text(markdown + "\n")
    print(markdown)
    problems = [p for row in rows for p in failures(row)]
    for problem in problems:
        print("FAILED:", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
