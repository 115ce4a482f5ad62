"""A real Varnish in front of each adapter, and what a shared cache must never do.

    python -m benchmarks.cache    # the public policy's hit ratio, per adapter

Varnish (Debian's ``varnishd``) is started on a free loopback port with a
generated VCL and its own ``-n`` working directory, and stopped afterwards,
also on failure. Its built-in VCL caches ``GET`` responses by URL and by the
response's ``Vary``, and passes other methods (so preflights reach the app).
"""

from __future__ import annotations

import argparse
import contextlib
import random
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.reliability import config
from tests.servers import Headers, Server, free_port, listening, stop, wait_until_up

from .soak import GUNICORN, UVICORN, start

A, B = config.ALLOWED
EVIL = config.REFUSED
START_ATTEMPTS = 5  # a free port may be taken between probing and binding it

#: adapter -> (server command, app spec)
ADAPTERS: dict[str, tuple[list[str], str]] = {
    "asgi": (UVICORN, "tests.reliability.cache_fastapi:app"),
    "wsgi": (GUNICORN, "tests.reliability.cache_flask:app"),
    "django": (GUNICORN, "tests.reliability.cache_django_entry:application"),
}

VCL = """vcl 4.1;

backend app {{
    .host = "127.0.0.1";
    .port = "{port}";
}}

sub vcl_deliver {{
    if (obj.hits > 0) {{
        set resp.http.X-Cache = "HIT";
    }} else {{
        set resp.http.X-Cache = "MISS";
    }}
}}
"""


def varnishd() -> str:
    """The path of Debian's varnishd; its absence fails the test (``.ci/run`` installs it)."""
    found = shutil.which("varnishd") or shutil.which("varnishd", path="/usr/sbin:/usr/local/sbin")
    if found is None:
        raise AssertionError("varnishd not found: apt-get install varnish (.ci/run does)")
    return found


@dataclass
class Cache:
    """A running Varnish: ``server`` to talk to it, ``workdir`` for varnishstat."""

    server: Server
    workdir: Path

    def get(self, path: str, origin: str | None) -> tuple[int, Headers, bool]:
        """GET ``path`` through the cache: (status, header lines, served from the cache)."""
        status, headers, _ = self.server.request("GET", path, {"Origin": origin} if origin else {})
        hit = [v for k, v in headers if k.lower() == "x-cache"] == ["HIT"]
        return status, headers, hit

    def counters(self) -> dict[str, int]:
        """MAIN.cache_hit and MAIN.cache_miss, from varnishstat."""
        out = subprocess.run(
            [
                "varnishstat",
                "-n",
                str(self.workdir),
                "-1",
                "-f",
                "MAIN.cache_hit",
                "-f",
                "MAIN.cache_miss",
            ],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout
        return {line.split()[0]: int(line.split()[1]) for line in out.splitlines() if line.strip()}


@contextlib.contextmanager
def varnish(backend_port: int, directory: Path) -> Iterator[Cache]:
    """Varnish in front of 127.0.0.1:``backend_port``; stopped on exit (bounded)."""
    binary = varnishd()
    vcl = directory / "cache.vcl"
    vcl.write_text(VCL.format(port=backend_port))
    workdir = directory / "varnish"
    log = directory / "varnishd.log"
    for attempt in range(START_ATTEMPTS):
        port = free_port()
        # -F: stay in the foreground (stop() signals it); -j none: no privilege
        # separation, so the working directory under our tmp dir is usable;
        # -T none: no management port to allocate.
        command = [binary, "-F", "-j", "none", "-n", str(workdir), "-a", f"127.0.0.1:{port}"]
        command += ["-T", "none", "-f", str(vcl), "-s", "malloc,32m"]
        with log.open("wb") as out:
            process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        try:
            wait_until_up(
                process, "varnishd", lambda port=port: listening(port), output=log.read_text
            )
        except AssertionError:
            stop(process)
            if process.returncode is not None and attempt < START_ATTEMPTS - 1:
                continue  # the port was taken meanwhile: try another
            raise
        break
    try:
        yield Cache(Server("varnish", port), workdir)
    finally:
        stop(process)


@contextlib.contextmanager
def cached_adapter(adapter: str, directory: Path) -> Iterator[Cache]:
    """The adapter's cacheable app on its real server, with Varnish in front."""
    command, app = ADAPTERS[adapter]
    with (
        start(command, app, {}, directory / f"{adapter}.log") as backend,
        varnish(backend.port, directory) as cache,
    ):
        yield cache


def grant_problems(kind: str, origin: str | None, headers: Headers) -> list[str]:
    """What is wrong with one response, for a ``kind`` of path: listed, public or broken."""
    acao = [v for k, v in headers if k.lower() == "access-control-allow-origin"]
    acac = [v for k, v in headers if k.lower() == "access-control-allow-credentials"]
    vary = [t.strip().lower() for k, v in headers if k.lower() == "vary" for t in v.split(",")]
    found = []
    if kind == "public":
        if acao != ["*"] or acac:
            found.append(f"origin {origin!r} got Allow-Origin {acao}, Credentials {acac}")
        if "origin" in vary:
            found.append(f"a public answer varies on Origin: {vary}")
        return found
    granted = origin in (A, B) if kind == "listed" else origin is not None
    if acao != ([origin] if granted else []):
        found.append(f"origin {origin!r} got Allow-Origin {acao}")
    if kind == "listed":
        if acac != (["true"] if granted else []):
            found.append(f"origin {origin!r} got Allow-Credentials {acac}")
        if "origin" not in vary:
            found.append(f"no Vary: Origin: {vary}")
    return found


def hit_ratio(cache: Cache, path: str, count: int, seed: int) -> float:
    """GET ``path`` ``count`` times as a public API sees it: 30 % without Origin, the rest
    from 50 different sites; the share served from the cache."""
    rng = random.Random(seed)
    sites = [f"https://site{i}.example" for i in range(50)]
    hits = 0
    for _ in range(count):
        origin = None if rng.random() < 0.3 else rng.choice(sites)
        status, _, hit = cache.get(path, origin)
        if status != 200:
            raise AssertionError(f"status {status} through the cache")
        hits += hit
    return hits / count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The public policy's Varnish hit ratio.")
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="corecors-cache-") as tmp:
        for adapter in ADAPTERS:
            directory = Path(tmp) / adapter
            directory.mkdir()
            with cached_adapter(adapter, directory) as cache:
                ratio = hit_ratio(cache, "/public/ratio", args.requests, args.seed)
                counters = cache.counters()
            print(
                f"{adapter}: hit ratio {ratio:.3f} over {args.requests} GETs "
                f"(varnishstat: {counters.get('MAIN.cache_hit')} hits, "
                f"{counters.get('MAIN.cache_miss')} misses)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
