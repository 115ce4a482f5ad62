"""Dynamic origins (docs/dynamic-origins.md): a cached ``allow_origin_func`` answer
against a static list, per request, on the ASGI and Flask stacks.

Cases, interleaved in the same rounds (``run.measure``): ``static`` lists the
origin; ``dynamic`` allows it through an ``async def`` function (ASGI) or a plain
one (Flask) whose answer is kept (``origin_cache_ttl``); ``first lookup`` asks the
function on every request (``origin_cache_ttl=0``, an instant function): the cost of
a lookup beyond the store's own latency. Target: dynamic / static ≤ 1.3.
"""

from __future__ import annotations

import asyncio
import statistics
from collections.abc import Callable
from typing import Any

from benchmarks import stacks

TARGET = 1.3
SCENARIOS = ("allowed-get", "allowed-preflight")


def _options(func: Callable[..., Any] | None, ttl: float = 60.0) -> dict[str, Any]:
    options = stacks.corecors_options(large=False)
    if func is not None:
        options.update(allow_origins=[], allow_origin_func=func, origin_cache_ttl=ttl)
    return options


async def _async_allowed(origin: str) -> bool:
    return origin == stacks.ALLOWED


def _allowed(origin: str) -> bool:
    return origin == stacks.ALLOWED


def _asgi(func: Callable[..., Any] | None, ttl: float = 60.0) -> Any:
    from corecors.adapters.asgi import CORSMiddleware

    middleware = CORSMiddleware(stacks._asgi_app, **_options(func, ttl))
    if func is not None:  # the timed calls run without an event loop: ask once first
        asyncio.run(middleware.policy.lookup.aresolve(stacks.ALLOWED))
    return middleware


def _flask(func: Callable[..., Any] | None, ttl: float = 60.0) -> Any:
    from corecors.adapters.flask import CORS

    app = stacks._flask_app()
    CORS(app, **_options(func, ttl))
    return app


def cases(stack: str) -> dict[str, tuple[Any, Callable[..., object]]]:
    """(app, driver) per case name, for one stack."""
    if stack == "asgi":
        return {
            "static": (_asgi(None), stacks._drive_asgi),
            "dynamic": (_asgi(_async_allowed), stacks._drive_asgi),
        }
    return {
        "static": (_flask(None), stacks._drive_wsgi),
        "dynamic": (_flask(_allowed), stacks._drive_wsgi),
        "first lookup": (_flask(_allowed, ttl=0), stacks._drive_wsgi),
    }


def run(
    measure: Callable[..., dict[str, list[float]]],
    paired: Callable[..., float],
    rounds: int,
    budget: float,
) -> tuple[str, list[str]]:
    """The Markdown table of the dynamic cases, and the missed targets."""
    rows = [
        "| stack | scenario | static µs | dynamic µs | first lookup µs | dynamic / static "
        f"≤ {TARGET} | met |",
        "|---|---|---:|---:|---:|---:|:-:|",
    ]
    missed: list[str] = []
    for stack in ("asgi", "flask"):
        built = cases(stack)
        for scenario in SCENARIOS:
            method, headers = stacks.requests(stacks.ALLOWED)[scenario]
            timed = {
                name: (stacks._nothing, drive(app, method, headers))
                for name, (app, drive) in built.items()
            }
            samples = measure(timed, rounds, budget)
            ratio = paired(samples["dynamic"], samples["static"], lambda x, y: x / y)
            first = samples.get("first lookup")
            met = ratio <= TARGET
            if not met:
                missed.append(f"dynamic {stack} {scenario}: {ratio:.2f} > {TARGET}")
            rows.append(
                f"| {stack} | {scenario} | {statistics.median(samples['static']):.2f} "
                f"| {statistics.median(samples['dynamic']):.2f} "
                f"| {'-' if first is None else f'{statistics.median(first):.2f}'} "
                f"| {ratio:.2f} | {'yes' if met else '**no**'} |"
            )
            print(f"dynamic {stack:6} {scenario:18} ratio {ratio:.2f}", flush=True)
    return "\n".join(rows), missed
