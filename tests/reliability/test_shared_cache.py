"""A real Varnish in front of each adapter: no origin ever gets another's grant from the cache.

One cacheable URL (``Cache-Control: public, max-age=300``) is requested through
the cache by allowed origin A, allowed origin B, a refused origin and no origin,
in every order of two and in a seeded sequence. Under a listed-origin policy
every response must carry exactly its own grant (or none); under a public
policy every response carries the same ``*`` and the cache keeps one copy.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator

import pytest

from benchmarks.cache import ADAPTERS, EVIL, Cache, cached_adapter, grant_problems, hit_ratio

from .config import ALLOWED

A, B = ALLOWED
ORIGINS: list[str | None] = [A, B, EVIL, None]
SEQUENCE = 40


@pytest.fixture(scope="module", params=sorted(ADAPTERS))
def cache(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cache]:
    directory = tmp_path_factory.mktemp(f"cache-{request.param}")
    with cached_adapter(request.param, directory) as running:
        yield running


def _sequence(seed: int) -> list[str | None]:
    rng = random.Random(seed)
    return [rng.choice(ORIGINS) for _ in range(SEQUENCE)]


@pytest.mark.parametrize("kind", ["listed", "public"])
def test_every_pair_of_origins_through_the_cache(cache: Cache, kind: str) -> None:
    """First one origin fills the cache, then another asks: each gets its own answer."""
    problems = []
    second_hits = 0
    for i, (first, second) in enumerate(itertools.product(ORIGINS, repeat=2)):
        path = f"/{kind}/pair-{i}"
        for step, origin in enumerate((first, second)):
            status, headers, hit = cache.get(path, origin)
            assert status == 200
            problems += [
                f"{path} {first!r} then {origin!r}: {p}"
                for p in grant_problems(kind, origin, headers)
            ]
            second_hits += step == 1 and hit
    assert problems == []
    same = len(ORIGINS)  # the pairs where the second origin is the first one
    # Listed origins: one copy per Origin value, so only a repeated origin hits.
    # Public: one copy for everybody, so every second request hits.
    assert second_hits == (same if kind == "listed" else len(ORIGINS) ** 2)


@pytest.mark.parametrize("kind", ["listed", "public"])
def test_a_seeded_sequence_through_the_cache(cache: Cache, kind: str) -> None:
    sequence = _sequence(1414)
    problems, misses = [], 0
    for origin in sequence:
        status, headers, hit = cache.get(f"/{kind}/sequence", origin)
        assert status == 200
        problems += [f"{origin!r}: {p}" for p in grant_problems(kind, origin, headers)]
        misses += not hit
    assert problems == []
    assert misses == (len(set(sequence)) if kind == "listed" else 1)


def test_public_policy_keeps_one_copy_for_every_origin(cache: Cache) -> None:
    """Fails without one-copy public answers: then each of the 51 origin values is a miss."""
    assert hit_ratio(cache, "/public/ratio", 200, 14) == pytest.approx(199 / 200)
    counters = cache.counters()  # Varnish's own count agrees
    assert counters["MAIN.cache_hit"] > 0
    assert counters["MAIN.cache_miss"] > 0


def test_the_checks_catch_a_grant_served_to_another_origin(cache: Cache) -> None:
    """A view that reflects Origin without Vary: the cache hands A's grant to B and to nobody."""
    _, first, _ = cache.get("/broken/x", A)
    assert grant_problems("broken", A, first) == []
    for origin in (B, None):
        _, headers, hit = cache.get("/broken/x", origin)
        assert hit
        assert grant_problems("broken", origin, headers) == [
            f"origin {origin!r} got Allow-Origin {[A]}"
        ]
