"""Side-by-side CORS overhead: corecors against Starlette, flask-cors and django-cors-headers.

One process builds every stack bare, with the peer and with corecors, then times
direct calls (no server, no network), interleaving the cases round by round so
that drift in the machine's speed hits all of them alike. Reported numbers are
medians of per-round means, in microseconds per request.

    make bench                      # full run, writes benchmarks/results/
    make bench BENCH_ARGS=--quick   # a fast smoke run

Targets (ratios of medians measured in this one run):
  ASGI    corecors time / Starlette CORSMiddleware time          <= 0.30 (1 origin)
  Flask   corecors overhead / flask-cors overhead                 <= 0.10
  Django  corecors overhead / django-cors-headers overhead        <= 0.10
  Scale   corecors at 10,000 origins + 1,000 patterns / at 1      <= 1.15
  Hostile 1 MiB header preflight / normal preflight (corecors)    <= 3
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchmarks import stacks

RESULTS = Path(__file__).parent / "results"

SCENARIOS = ("no-origin", "allowed-get", "allowed-preflight", "refused-get", "refused-preflight")
HOSTILE = ("hostile-headers", "hostile-origin")
CASES = ("bare", "peer", "corecors")
TARGETS = {"asgi": 0.30, "flask": 0.10, "django": 0.10, "scale": 1.15, "hostile": 3.0}


@dataclass
class Result:
    stack: str
    size: str
    scenario: str
    case: str
    median_us: float


def _calibrate(call: Callable[[], object], budget: float) -> int:
    """How many calls fill ``budget`` seconds (at least one)."""
    n = 1
    while True:
        start = time.perf_counter()
        for _ in range(n):
            call()
        elapsed = time.perf_counter() - start
        if elapsed >= budget / 4 or n >= 1 << 20:
            return max(1, int(n * budget / max(elapsed, 1e-9)))
        n *= 4


def measure(calls: dict[str, Callable[[], object]], rounds: int, budget: float) -> dict[str, float]:
    """Median µs per call of each case, cases interleaved and rotated every round."""
    counts = {case: _calibrate(call, budget) for case, call in calls.items()}
    samples: dict[str, list[float]] = {case: [] for case in calls}
    order = list(calls)
    for round_no in range(rounds):
        shift = round_no % len(order)
        for case in order[shift:] + order[:shift]:
            call, n = calls[case], counts[case]
            gc.collect()
            gc.disable()
            start = time.perf_counter()
            for _ in range(n):
                call()
            elapsed = time.perf_counter() - start
            gc.enable()
            samples[case].append(elapsed / n * 1e6)
    return {case: statistics.median(values) for case, values in samples.items()}


def run(quick: bool) -> list[Result]:
    rounds, budget = (3, 0.005) if quick else (21, 0.02)
    results: list[Result] = []
    for stack in ("asgi", "flask", "django"):
        for size in ("1 origin", "10k origins + 1k patterns"):
            builder = stacks.build(stack, large=size != "1 origin")
            scenarios = SCENARIOS + (HOSTILE if size == "1 origin" else ())
            for scenario in scenarios:
                calls = {case: builder.call(case, scenario) for case in CASES}
                medians = measure(calls, rounds, budget)
                for case, value in medians.items():
                    results.append(Result(stack, size, scenario, case, value))
                line = "  ".join(f"{case} {medians[case]:8.2f}" for case in CASES)
                print(f"{stack:6} {size:26} {scenario:18} {line}", flush=True)
    return results


def table(results: list[Result]) -> tuple[str, list[str]]:
    """The Markdown table and the list of missed targets."""
    by = {(r.stack, r.size, r.scenario, r.case): r.median_us for r in results}
    rows = [
        "| stack | size | scenario | bare µs | peer µs | corecors µs | target | ratio | met |",
        "|---|---|---|---:|---:|---:|---|---:|:-:|",
    ]
    missed: list[str] = []
    peer_names = {"asgi": "Starlette", "flask": "flask-cors", "django": "django-cors-headers"}
    for r in results:
        if r.case != "corecors":
            continue
        bare = by[(r.stack, r.size, r.scenario, "bare")]
        peer = by[(r.stack, r.size, r.scenario, "peer")]
        mine = r.median_us
        checks: list[tuple[str, float, float]] = []
        if r.size == "1 origin" and r.scenario in SCENARIOS:
            if r.stack == "asgi":
                checks.append(("time / Starlette's", mine / peer, TARGETS["asgi"]))
            else:
                ratio = (mine - bare) / max(peer - bare, 1e-9)
                checks.append((f"overhead / {peer_names[r.stack]}'s", ratio, TARGETS[r.stack]))
        elif r.scenario in HOSTILE:
            normal = by[(r.stack, r.size, "allowed-preflight", "corecors")]
            checks.append(("time / normal preflight", mine / normal, TARGETS["hostile"]))
        else:
            one = by[(r.stack, "1 origin", r.scenario, "corecors")]
            checks.append(("time / at 1 origin", mine / one, TARGETS["scale"]))
        for label, ratio, target in checks:
            met = ratio <= target
            if not met:
                missed.append(f"{r.stack} {r.size} {r.scenario}: {label} {ratio:.2f} > {target}")
            rows.append(
                f"| {r.stack} | {r.size} | {r.scenario} | {bare:.2f} | {peer:.2f} | {mine:.2f} "
                f"| {label} ≤ {target} | {ratio:.2f} | {'yes' if met else '**no**'} |"
            )
    return "\n".join(rows), missed


def chart(results: list[Result], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    stacks_ = ("asgi", "flask", "django")
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.8))
    colours = {"bare": "#b0b0b0", "peer": "#d9822b", "corecors": "#2b7bd9"}
    for ax, stack in zip(axes, stacks_, strict=True):
        rows = [r for r in results if r.stack == stack and r.size == "1 origin"]
        names = [s for s in SCENARIOS]
        width = 0.27
        for i, case in enumerate(CASES):
            values = [
                next(r.median_us for r in rows if r.scenario == s and r.case == case) for s in names
            ]
            label = {"peer": {"asgi": "Starlette", "flask": "flask-cors"}.get(stack, "corsheaders")}
            ax.bar(
                [x + (i - 1) * width for x in range(len(names))],
                values,
                width,
                label=label.get(case, case),
                color=colours[case],
            )
        ax.set_title({"asgi": "ASGI (raw app)", "flask": "Flask", "django": "Django"}[stack])
        ax.set_xticks(range(len(names)), [n.replace("-", "\n") for n in names], fontsize=8)
        ax.set_ylabel("µs per request (median)")
        ax.legend(fontsize=8)
    fig.suptitle("CORS middleware cost per request, 1 allowed origin (lower is better)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few rounds: a smoke run")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where to write the results")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")  # peers' deprecation noise is not what we measure
    print(f"Python {sys.version.split()[0]}; medians of per-round means, µs per request")
    results = run(args.quick)
    markdown, missed = table(results)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.md").write_text(
        "# corecors benchmark results\n\n"
        f"Python {sys.version.split()[0]}, {'quick' if args.quick else 'full'} run "
        f"(`make bench`), medians in µs per request.\n\n{markdown}\n",
        encoding="utf-8",
    )
    chart(results, args.out / "results.png")
    print(markdown)
    print(f"\nwrote {args.out / 'results.md'} and {args.out / 'results.png'}")
    if missed:
        print("targets missed:\n  " + "\n  ".join(missed))
    else:
        print("every target met")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
