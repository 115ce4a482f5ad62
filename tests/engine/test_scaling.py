"""Origin matching costs the same for one configured origin or ten thousand.

No wall-clock assertion: the test instruments the policy's lookup structures and
checks that decide() only probes them (a few hash lookups per request, bounded
by the number of labels in the request's host) and never iterates them.
"""

from __future__ import annotations

from typing import Any

import pytest

from corecors import CORSPolicy

EXACT = [f"https://app{i}.example.com" for i in range(10_000)]
PATTERNS = [f"https://*.tenant{i}.example.org" for i in range(1_000)]

REQUESTS = [
    ("https://app0.example.com", True),
    ("https://app9999.example.com", True),
    ("https://app5000.example.com", True),
    ("https://app10000.example.com", False),
    ("https://app1.example.com.evil.io", False),
    ("https://evilapp1.example.com", False),
    ("https://x.tenant0.example.org", True),
    ("https://a.b.tenant999.example.org", True),
    ("https://tenant999.example.org", False),  # the base itself
    ("https://x.tenant1000.example.org", False),
    ("https://x.eviltenant1.example.org", False),
    ("https://x.tenant1.example.org.evil.io", False),
    ("https://nobody.example.net", False),
]


class _Counter:
    def __init__(self) -> None:
        self.probes = 0
        self.scans = 0


class _CountingSet(frozenset[Any]):
    counter: _Counter

    def __contains__(self, item: object) -> bool:
        self.counter.probes += 1
        return super().__contains__(item)

    def __iter__(self) -> Any:
        self.counter.scans += 1
        return super().__iter__()


class _CountingDict(dict[str, Any]):
    counter: _Counter

    def get(self, key: str, default: Any = None) -> Any:
        self.counter.probes += 1
        return super().get(key, default)

    def __iter__(self) -> Any:
        self.counter.scans += 1
        return super().__iter__()

    def keys(self) -> Any:
        self.counter.scans += 1
        return super().keys()

    def values(self) -> Any:
        self.counter.scans += 1
        return super().values()

    def items(self) -> Any:
        self.counter.scans += 1
        return super().items()


def _instrument(policy: CORSPolicy) -> _Counter:
    """Swap the policy's lookup structures for counting copies (same contents)."""
    counter = _Counter()
    matcher = policy.matcher
    exact = _CountingSet(matcher.exact)
    actual = _CountingDict(policy.granted)
    subdomains = _CountingSet(matcher.patterns.subdomains)
    any_port = _CountingSet(matcher.patterns.any_port)
    for structure in (exact, actual, subdomains, any_port):
        structure.counter = counter
    # CORSPolicy refuses attribute assignment; go under it, as only a test may
    # (the public, read-only introspection attributes, swapped for equal copies).
    matcher.exact = exact
    object.__setattr__(policy, "granted", actual)
    matcher.patterns.subdomains = subdomains
    matcher.patterns.any_port = any_port
    return counter


def _probes(policy: CORSPolicy, counter: _Counter, origin: str) -> int:
    before = counter.probes
    got = policy.decide("GET", origin)
    pre = policy.decide("OPTIONS", origin, "GET")
    assert got.allowed == pre.allowed
    return counter.probes - before


@pytest.fixture(scope="module")
def large() -> CORSPolicy:
    return CORSPolicy(allow_origins=[*EXACT, *PATTERNS, "http://localhost:*"])


def test_large_configuration_is_correct(large: CORSPolicy) -> None:
    for origin, allowed in REQUESTS:
        assert large.decide("GET", origin).allowed is allowed, origin
        assert large.decide("OPTIONS", origin, "GET").allowed is allowed, origin


def test_large_configuration_is_indexed(large: CORSPolicy) -> None:
    # Exact origins live in a set, patterns in sets keyed by (scheme, base, port).
    assert isinstance(large.matcher.exact, frozenset)
    assert len(large.matcher.exact) == 10_000
    assert isinstance(large.matcher.patterns.subdomains, frozenset)
    assert len(large.matcher.patterns.subdomains) == 1_000
    assert ("https", "tenant7.example.org", "") in large.matcher.patterns.subdomains


def test_decide_probes_and_never_scans(large: CORSPolicy) -> None:
    small = CORSPolicy(allow_origins=["https://app0.example.com", "https://*.tenant0.example.org"])
    large_policy = CORSPolicy(**large.options)
    large_counter = _instrument(large_policy)
    small_counter = _instrument(small)
    for origin, allowed in REQUESTS:
        labels = origin.count(".") + 1
        probes = _probes(large_policy, large_counter, origin)
        # A handful of hash lookups per decide() (two here), bounded by the host's labels...
        assert probes <= 2 * (3 + 2 * labels), (origin, probes)
        # ...and, for an origin that both refuse, exactly as many as with one origin.
        if not allowed:
            assert probes == _probes(small, small_counter, origin), origin
    assert large_counter.scans == 0
    assert small_counter.scans == 0
