"""Side-by-side CORS overhead: corecors against Starlette, flask-cors and django-cors-headers.

One process builds every stack bare, with the peer and with corecors, then times
direct calls (no server, no network), interleaving the cases round by round so
that drift in the machine's speed hits all of them alike. Times are thread CPU
microseconds per request, the median over rounds of each round's mean. Ratios
are paired: the median over rounds of the ratio (or difference) of cases that
ran back to back in the same round, which cancels the slow drift of a shared
virtual machine's speed.

    make bench                      # full run, writes benchmarks/results/
    make bench BENCH_ARGS=--quick   # a fast smoke run

Targets (ratios of medians measured in this one run):
  ASGI    corecors time / Starlette CORSMiddleware time          <= 0.30 (1 origin)
  Flask   corecors overhead / flask-cors overhead                 <= 0.10
  Django  corecors overhead / django-cors-headers overhead        <= 0.10
  Scale   corecors at 10,000 origins + 1,000 patterns / at 1      <= 1.15
  Hostile 1 MiB header preflight / normal preflight (corecors)    <= 3
  Floor   ASGI corecors time / a no-validation floor's (1 origin)  <= 1.3 (stacks.Floor)
  Dynamic cached allow_origin_func / static list (benchmarks/dynamic.py) <= 1.3

    make bench BENCH_ARGS="--stack asgi"   # one stack only
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

from benchmarks import dynamic, stacks

RESULTS = Path(__file__).parent / "results"

SCENARIOS = ("no-origin", "allowed-get", "allowed-preflight", "refused-get", "refused-preflight")
HOSTILE = ("hostile-headers", "hostile-origin")
CASES = ("bare", "peer", "corecors")
TARGETS = {
    "asgi": 0.30,
    "flask": 0.10,
    "django": 0.10,
    "scale": 1.15,
    "hostile": 3.0,
    "floor": 1.3,
}
STACKS = ("asgi", "flask", "django")
# protect_writes: µs added to a safe request; a trusted write's time over a plain allowed GET.
WRITES_TARGETS = {"safe": 0.2, "write": 1.3}


@dataclass
class Result:
    stack: str
    size: str
    scenario: str
    case: str
    samples: list[float]  # µs per call, one per round, rounds aligned across a group

    @property
    def median_us(self) -> float:
        return statistics.median(self.samples)


Case = tuple[Callable[[], object], Callable[[], object]]  # (prepare, call)

# Thread CPU time: on a shared virtual machine, time stolen by other processes
# or by the hypervisor does not count against whichever case happened to run.
clock = time.thread_time


def _calibrate(prepare: Callable[[], object], call: Callable[[], object], budget: float) -> int:
    """How many calls fill ``budget`` seconds (at least one); doubles as the warm-up."""
    prepare()
    n = 1
    while True:
        start = clock()
        for _ in range(n):
            call()
        elapsed = clock() - start
        if elapsed >= budget / 4 or n >= 1 << 20:
            return max(1, int(n * budget / max(elapsed, 1e-9)))
        n *= 4


def _warm_up(prepare: Callable[[], object], call: Callable[[], object], seconds: float) -> None:
    prepare()
    deadline = clock() + seconds
    while clock() < deadline:
        call()


def measure(cases: dict[str, Case], rounds: int, budget: float) -> dict[str, list[float]]:
    """µs per call of each case in each round, cases interleaved and rotated every round.

    ``prepare`` runs before each batch, outside the timing (Django settings).
    """
    counts = {name: _calibrate(*case, budget) for name, case in cases.items()}
    samples: dict[str, list[float]] = {name: [] for name in cases}
    order = list(cases)
    for round_no in range(rounds):
        shift = round_no % len(order)
        for name in order[shift:] + order[:shift]:
            (prepare, call), n = cases[name], counts[name]
            prepare()
            gc.collect()
            gc.disable()
            start = clock()
            for _ in range(n):
                call()
            elapsed = clock() - start
            gc.enable()
            samples[name].append(elapsed / n * 1e6)
    return samples


SMALL, LARGE = "1 origin", "10k origins + 1k patterns"


def run(quick: bool, which: tuple[str, ...] = STACKS) -> list[Result]:
    """Every scenario measures both sizes in the same rounds, so that the scale
    ratio compares numbers taken side by side; every hostile preflight is
    measured beside a normal one for the same reason."""
    # Many short rounds: a pair of cases then runs milliseconds apart, which the
    # paired ratios need on a shared VM whose speed wanders by ±5 % over seconds.
    rounds, budget = (5, 0.002) if quick else (101, 0.005)
    results: list[Result] = []
    for stack in which:
        small, large = stacks.build(stack, large=False), stacks.build(stack, large=True)
        # Warm up every code path first (imports, caches, the interpreter's
        # specialisation): otherwise the stack's first scenario runs cold and
        # its bare case alone looks 20 % slower.
        for scenario in (*SCENARIOS, *HOSTILE):
            for builder in (small, large):
                for case in CASES:
                    if builder is small or scenario in SCENARIOS:
                        _warm_up(*builder.case(case, scenario), budget * (0.2 if quick else 2))
        for scenario in SCENARIOS:
            cases = {
                "bare": small.case("bare", scenario),
                "peer": small.case("peer", scenario),
                "corecors": small.case("corecors", scenario),
                "peer/large": large.case("peer", scenario),
                "corecors/large": large.case("corecors", scenario),
            }
            if "floor" in small.apps:
                cases["floor"] = small.case("floor", scenario)
            m = measure(cases, rounds, budget)
            if "floor" in m:
                results.append(Result(stack, SMALL, scenario, "floor", m["floor"]))
            m["bare/large"] = m["bare"]  # the bare app has no origins to scale
            for case in CASES:
                results.append(Result(stack, SMALL, scenario, case, m[case]))
                results.append(Result(stack, LARGE, scenario, case, m[f"{case}/large"]))
            _print(stack, scenario, m)
        for scenario in HOSTILE:
            cases = {case: small.case(case, scenario) for case in CASES}
            cases["normal"] = small.case("corecors", "allowed-preflight")
            m = measure(cases, rounds, budget)
            for case in (*CASES, "normal"):
                results.append(Result(stack, SMALL, scenario, case, m[case]))
            _print(stack, scenario, m)
        results += _writes(stack, small, rounds, budget * (0.2 if quick else 2), budget)
    return results


def _writes(
    stack: str, plain: stacks.Builder, rounds: int, warm: float, budget: float
) -> list[Result]:
    """protect_writes: one corecors app, its middleware given the protected policy or the
    plain one before each batch (untimed), so the cases differ by the option alone: an
    allowed GET without and with protection, and the front end's own POST with it."""
    from corecors import CORSPolicy
    from corecors.adapters._asgi_dynamic import Routes
    from corecors.adapters._common import Router

    middleware = stacks.middleware_of(stack, plain.apps["corecors"])
    routing = Routes if stack == "asgi" else Router  # ASGI's also holds the encoded answers
    routers = {
        protect: routing(CORSPolicy(**stacks.corecors_options(False, protect)))
        for protect in (False, True)
    }

    def prepared(protect: bool) -> Callable[[], object]:
        def prepare() -> None:
            plain.prepare()
            middleware._router = routers[protect]

        return prepare

    get = plain.case("corecors", "allowed-get")[1]
    write = plain.case("corecors", "allowed-write")[1]
    cases = {
        "plain": (prepared(False), get),
        "safe": (prepared(True), get),
        "write": (prepared(True), write),
    }
    for case in cases.values():
        _warm_up(*case, warm)
    m = measure(cases, rounds, budget)
    _print(stack, "protect_writes", m)
    prepared(False)()
    return [Result(stack, SMALL, "writes", case, m[case]) for case in cases]


def writes_rows(results: list[Result]) -> tuple[list[str], list[str]]:
    """The protect_writes rows ("bare" column: the unprotected app's allowed GET)."""
    by = {(r.stack, r.case): r.samples for r in results if r.scenario == "writes"}
    rows: list[str] = []
    missed: list[str] = []
    for stack in dict.fromkeys(stack for stack, _ in by):
        plain = by[(stack, "plain")]
        for case, label, ratio in (
            ("safe", "GET: µs added", paired(by[(stack, "safe")], plain, _minus)),
            ("write", "trusted POST / plain GET", paired(by[(stack, "write")], plain, _ratio)),
        ):
            target = WRITES_TARGETS[case]
            met = ratio <= target
            if not met:
                missed.append(f"{stack} protect_writes {case}: {label} {ratio:.2f} > {target}")
            rows.append(
                f"| {stack} | {SMALL} | protect_writes {case} | {statistics.median(plain):.2f} "
                f"| n/a | {statistics.median(by[(stack, case)]):.2f} | {label} ≤ {target} "
                f"| {ratio:.2f} | {'yes' if met else '**no**'} |"
            )
    return rows, missed


def _print(stack: str, scenario: str, samples: dict[str, list[float]]) -> None:
    line = "  ".join(f"{name} {statistics.median(v):.2f}" for name, v in samples.items())
    print(f"{stack:6} {scenario:18} {line}", flush=True)


def paired(a: list[float], b: list[float], op: Callable[[float, float], float]) -> float:
    """Median over rounds of ``op(a, b)``: the cases of a round ran back to back, so
    slow drift of the machine's speed (a shared VM) cancels out of each pair."""
    return statistics.median(op(x, y) for x, y in zip(a, b, strict=True))


def _ratio(x: float, y: float) -> float:
    return x / y


def _minus(x: float, y: float) -> float:
    return x - y


def table(results: list[Result]) -> tuple[str, list[str]]:
    """The Markdown table and the list of missed targets."""
    by = {(r.stack, r.size, r.scenario, r.case): r.samples for r in results}
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
        mine = r.samples
        checks: list[tuple[str, float, float]] = []
        if r.size == SMALL and r.scenario in SCENARIOS:
            if r.stack == "asgi":
                checks.append(("time / Starlette's", paired(mine, peer, _ratio), TARGETS["asgi"]))
                floor = by.get((r.stack, r.size, r.scenario, "floor"))
                if floor is not None:
                    checks.append(("time / floor's", paired(mine, floor, _ratio), TARGETS["floor"]))
            else:
                # A preflight answered by the middleware never reaches the view, so
                # the "overhead" can be negative: faster than bare counts as 0.
                ours = max(paired(mine, bare, _minus), 0.0)
                theirs = max(paired(peer, bare, _minus), 1e-9)
                label = f"overhead / {peer_names[r.stack]}'s"
                checks.append((label, ours / theirs, TARGETS[r.stack]))
        elif r.scenario in HOSTILE:
            normal = by[(r.stack, r.size, r.scenario, "normal")]
            checks.append(
                ("time / normal preflight", paired(mine, normal, _ratio), TARGETS["hostile"])
            )
        else:
            one = by[(r.stack, SMALL, r.scenario, "corecors")]
            checks.append(("time / at 1 origin", paired(mine, one, _ratio), TARGETS["scale"]))
        for label, ratio, target in checks:
            met = ratio <= target
            if not met:
                missed.append(f"{r.stack} {r.size} {r.scenario}: {label} {ratio:.2f} > {target}")
            rows.append(
                f"| {r.stack} | {r.size} | {r.scenario} | {statistics.median(bare):.2f} "
                f"| {statistics.median(peer):.2f} | {statistics.median(mine):.2f} "
                f"| {label} ≤ {target} | {ratio:.2f} | {'yes' if met else '**no**'} |"
            )
    more, also_missed = writes_rows(results)
    return "\n".join(rows + more), missed + also_missed


def chart(results: list[Result], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    stacks_ = ("asgi", "flask", "django")
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.8))
    colours = {"bare": "#b0b0b0", "peer": "#d9822b", "corecors": "#2b7bd9"}
    for ax, stack in zip(axes, stacks_, strict=True):
        rows = [r for r in results if r.stack == stack and r.size == SMALL]
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
    parser.add_argument(
        "--stack", choices=STACKS, action="append", help="only this stack (repeatable)"
    )
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")  # peers' deprecation noise is not what we measure
    print(f"Python {sys.version.split()[0]}; medians of per-round means, thread CPU µs per request")
    results = run(args.quick, tuple(args.stack or STACKS))
    markdown, missed = table(results)
    rounds, budget = (5, 0.002) if args.quick else (101, 0.005)
    dynamic_table, dynamic_missed = dynamic.run(measure, paired, rounds, budget)
    markdown += "\n\nDynamic origins (`benchmarks/dynamic.py`):\n\n" + dynamic_table
    missed += dynamic_missed
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.md").write_text(
        "# corecors benchmark results\n\n"
        f"Python {sys.version.split()[0]}, {'quick' if args.quick else 'full'} run "
        f"(`make bench`). Times: median thread CPU µs per request. Ratios: median over "
        "rounds of the per-round ratio (for Flask and Django, of the per-round overheads "
        "over bare; a preflight that never reaches the view counts as 0). The "
        "protect_writes rows compare the same corecors app with protect_writes=True "
        "(corecors column) and without it on an allowed GET (bare column).\n\n"
        f"{markdown}\n",
        encoding="utf-8",
    )
    if set(STACKS) <= {r.stack for r in results}:  # the chart shows every stack
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
