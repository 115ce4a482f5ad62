"""Dynamic origins in the core (corecors/lookup.py, corecors/dynamic.py; DESIGN.md §7.5):
the cache of allow_origin_func's answers, one lookup in flight per key, the timeout
and failures (fail closed, logged within a bound), the host, invalidation."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from typing import Any

import pytest

from corecors import CORSConfigError, CORSConfigWarning, CORSPolicy
from corecors.engine._failures import FailureLog
from corecors.engine._lookup import (
    NEEDS_LOOKUP,
    LookupBusy,
    OriginLookup,
    is_async_function,
    takes_host,
)

NEW = "https://new.example.org"
OTHER = "https://other.example.org"


def lookup_of(policy: CORSPolicy) -> OriginLookup:
    assert policy.lookup is not None
    return policy.lookup


def failures(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "corecors"]


# --- the function's shape ------------------------------------------------------------------


def test_the_host_is_passed_to_a_function_that_takes_two_arguments() -> None:
    tenants = {"acme.api.example.com": {"https://app.acme.com"}}
    seen: list[tuple[str, str | None]] = []

    def tenant_origins(origin: str, host: str | None) -> bool:
        seen.append((origin, host))
        return origin in tenants.get(host or "", set())

    policy = CORSPolicy(allow_origin_func=tenant_origins)
    assert policy.decide("GET", "https://app.acme.com", host="acme.api.example.com").allowed
    assert not policy.decide("GET", "https://app.acme.com", host="other.api.example.com").allowed
    assert not policy.decide("GET", "https://app.acme.com").allowed  # no Host: None
    preflight = policy.decide("OPTIONS", "https://app.acme.com", "GET", host="acme.api.example.com")
    assert preflight.status == 200
    # One lookup per (origin, host): the preflight used the kept answer.
    assert seen == [
        ("https://app.acme.com", "acme.api.example.com"),
        ("https://app.acme.com", "other.api.example.com"),
        ("https://app.acme.com", None),
    ]


def test_a_function_of_the_origin_only_shares_one_answer_across_hosts() -> None:
    calls: list[str] = []
    policy = CORSPolicy(allow_origin_func=lambda origin: bool(calls.append(origin)) or True)
    assert policy.decide("GET", NEW, host="a.example.com").allowed
    assert policy.decide("GET", NEW, host="b.example.com").allowed
    assert calls == [NEW]


def test_arity_detection() -> None:
    async def two(origin: str, host: str | None) -> bool:
        return True

    class Caller:
        async def __call__(self, origin: str) -> bool:
            return True

    assert takes_host(two)
    assert takes_host(lambda o, *rest: True)
    assert not takes_host(lambda o: True)
    assert not takes_host(lambda o, *, host=None: True)
    assert not takes_host(set().__contains__)
    assert not takes_host(type)  # no signature to read: the origin only
    assert is_async_function(two)
    assert is_async_function(Caller())
    assert not is_async_function(lambda o: True)


def test_a_host_too_long_is_refused_without_asking() -> None:
    calls: list[str | None] = []
    policy = CORSPolicy(allow_origin_func=lambda o, h: bool(calls.append(h)) or True)
    assert not policy.decide("GET", NEW, host="h" * 1000).allowed
    assert calls == []


# --- the cache -----------------------------------------------------------------------------


def test_answers_are_kept_for_the_ttl_refusals_too() -> None:
    allowed: set[str] = set()
    policy = CORSPolicy(allow_origin_func=allowed.__contains__, origin_cache_ttl=0.05)
    lookup = lookup_of(policy)
    assert not policy.decide("GET", NEW).allowed
    allowed.add(NEW)
    assert not policy.decide("GET", NEW).allowed  # the refusal is kept
    assert lookup.calls == 1
    time.sleep(0.1)  # past the ttl
    assert policy.decide("GET", NEW).allowed
    assert lookup.calls == 2


def test_invalidate_one_origin_or_all() -> None:
    allowed = {NEW, OTHER}
    policy = CORSPolicy(allow_origin_func=allowed.__contains__)
    lookup = lookup_of(policy)
    assert policy.decide("GET", NEW).allowed
    assert policy.decide("GET", OTHER).allowed
    allowed.clear()
    lookup.invalidate(NEW)
    assert not policy.decide("GET", NEW).allowed
    assert policy.decide("GET", OTHER).allowed  # still kept
    lookup.invalidate()
    assert not policy.decide("GET", OTHER).allowed
    assert lookup.calls == 4


def test_the_cache_is_bounded() -> None:
    policy = CORSPolicy(allow_origin_func=lambda origin: True, origin_cache_ttl=0.05)
    lookup = lookup_of(policy)
    lookup.LIMIT = 4  # type: ignore[misc]
    for n in range(4):
        policy.decide("GET", f"https://a{n}.example.org")
    time.sleep(0.1)  # all four expire; the next answer drops them first
    policy.decide("GET", "https://b.example.org")
    assert lookup.cached("https://b.example.org") is True
    assert lookup.cached("https://a0.example.org") is None
    lookup.ttl = 60.0
    for n in range(10):
        policy.decide("GET", f"https://c{n}.example.org")
    assert len(lookup._answers) <= 4


def test_no_cache_with_a_ttl_of_zero() -> None:
    policy = CORSPolicy(allow_origin_func=lambda origin: True, origin_cache_ttl=0)
    for _ in range(3):
        assert policy.decide("GET", NEW).allowed
    assert lookup_of(policy).calls == 3


def test_an_answer_in_flight_during_invalidate_is_not_kept() -> None:
    release = threading.Event()
    answers = [False, True]

    def slow(origin: str) -> bool:
        release.wait(5)
        return answers.pop(0)

    policy = CORSPolicy(allow_origin_func=slow)
    lookup = lookup_of(policy)
    results: list[bool] = []
    thread = threading.Thread(target=lambda: results.append(policy.decide("GET", NEW).allowed))
    thread.start()
    while not lookup._flights:
        time.sleep(0.001)
    lookup.invalidate(NEW)  # e.g. the origin was just added in the store
    release.set()
    thread.join(5)
    assert results == [False]  # the request that started before answered as it found it
    assert policy.decide("GET", NEW).allowed  # the stale refusal was not kept


# --- one lookup in flight per key ----------------------------------------------------------


def test_200_concurrent_requests_for_one_new_origin_cause_one_lookup_threads() -> None:
    release = threading.Event()

    def slow(origin: str) -> bool:
        release.wait(5)
        return True

    policy = CORSPolicy(allow_origin_func=slow)
    results: list[bool] = []
    threads = [
        threading.Thread(target=lambda: results.append(policy.decide("GET", NEW).allowed))
        for _ in range(200)
    ]
    for thread in threads:
        thread.start()
    time.sleep(0.2)  # most of them now wait for the one lookup
    release.set()
    for thread in threads:
        thread.join(10)
    assert results == [True] * 200
    assert lookup_of(policy).calls == 1


def test_200_concurrent_requests_for_one_new_origin_cause_one_lookup_async() -> None:
    calls: list[str] = []

    async def slow(origin: str) -> bool:
        calls.append(origin)
        await asyncio.sleep(0.05)
        return True

    policy = CORSPolicy(allow_origin_func=slow)
    lookup = lookup_of(policy)

    async def one() -> bool:
        decision = policy.decide("GET", NEW)
        if decision is NEEDS_LOOKUP:
            decision = policy.decide("GET", NEW, looked_up=await lookup.aresolve(NEW))
        return decision.allowed

    async def main() -> list[bool]:
        return await asyncio.gather(*(one() for _ in range(200)))

    assert asyncio.run(main()) == [True] * 200
    assert calls == [NEW]


def test_an_async_function_is_never_called_by_the_sync_core() -> None:
    async def func(origin: str) -> bool:
        raise AssertionError("never called")

    policy = CORSPolicy(allow_origin_func=func)
    assert policy.decide("GET", NEW) is NEEDS_LOOKUP
    assert policy.decide("OPTIONS", NEW, "GET") is NEEDS_LOOKUP
    assert policy.decide("GET", NEW, looked_up=True).allowed
    assert policy.decide("OPTIONS", NEW, "GET", looked_up=False).status == 400
    huge = "x" * 5000  # a preflight too big to remember is decided all the same
    assert policy.decide("OPTIONS", NEW, "GET", huge) is NEEDS_LOOKUP
    assert policy.decide("OPTIONS", NEW, "GET", huge, looked_up=True).status == 400  # headers
    assert policy.decide("OPTIONS", NEW, "GET", "x-a", looked_up=True).status == 400


def test_a_sync_function_awaited_runs_off_the_event_loop() -> None:
    threads: list[str] = []

    def func(origin: str) -> bool:
        threads.append(threading.current_thread().name)
        return True

    policy = CORSPolicy(allow_origin_func=func)
    assert asyncio.run(lookup_of(policy).aresolve(NEW)) is True
    assert threads == ["corecors-lookup"]
    untimed = CORSPolicy(allow_origin_func=func, origin_lookup_timeout=None)
    assert asyncio.run(lookup_of(untimed).aresolve(NEW)) is True
    assert untimed.decide("GET", OTHER).allowed  # no timeout: in the request's thread
    assert threads[-1] == threading.current_thread().name


# --- fail closed ---------------------------------------------------------------------------


def test_a_lookup_that_never_returns_is_refused_sync(caplog: pytest.LogCaptureFixture) -> None:
    never = threading.Event()
    policy = CORSPolicy(allow_origin_func=lambda origin: never.wait(30), origin_lookup_timeout=0.05)
    try:
        with caplog.at_level(logging.DEBUG, logger="corecors"):
            results: list[bool] = []
            followers = [
                threading.Thread(target=lambda: results.append(policy.decide("GET", NEW).allowed))
                for _ in range(5)
            ]
            for thread in followers:
                thread.start()
            for thread in followers:
                thread.join(10)
            assert results == [False] * 5
            assert not policy.decide("OPTIONS", NEW, "GET").allowed
    finally:
        never.set()
    assert any("took longer than 0.05 s" in r.getMessage() for r in failures(caplog))
    assert lookup_of(policy).cached(NEW) is None  # a failure is never kept


def test_a_lookup_that_never_returns_is_refused_async(caplog: pytest.LogCaptureFixture) -> None:
    async def never(origin: str) -> bool:
        await asyncio.Event().wait()
        return True

    lookup = lookup_of(CORSPolicy(allow_origin_func=never, origin_lookup_timeout=0.05))

    async def main() -> list[bool]:
        return await asyncio.gather(*(lookup.aresolve(NEW) for _ in range(20)))

    with caplog.at_level(logging.DEBUG, logger="corecors"):
        assert asyncio.run(main()) == [False] * 20
    assert lookup.calls == 1
    assert any("took longer than 0.05 s" in r.getMessage() for r in failures(caplog))


def test_hung_threads_are_bounded(caplog: pytest.LogCaptureFixture) -> None:
    never = threading.Event()
    policy = CORSPolicy(allow_origin_func=lambda origin: never.wait(30), origin_lookup_timeout=0.01)
    lookup = lookup_of(policy)
    lookup.WORKERS = 2  # type: ignore[misc]
    lookup._slots = threading.BoundedSemaphore(2)
    try:
        with caplog.at_level(logging.DEBUG, logger="corecors"):
            for n in range(3):
                assert not policy.decide("GET", f"https://h{n}.example.org").allowed
    finally:
        never.set()
    assert any(r.exc_info and isinstance(r.exc_info[1], LookupBusy) for r in failures(caplog))


def test_an_awaitable_from_a_sync_call_is_refused(caplog: pytest.LogCaptureFixture) -> None:
    async def hidden(origin: str) -> bool:
        return True

    policy = CORSPolicy(allow_origin_func=lambda origin: hidden(origin))
    with caplog.at_level(logging.DEBUG, logger="corecors"):
        assert not policy.decide("GET", NEW).allowed
    assert any("returned an awaitable" in r.getMessage() for r in failures(caplog))


def test_a_store_that_raises_is_logged_within_the_bound(
    caplog: pytest.LogCaptureFixture,
) -> None:
    down = [True]
    errors = [ConnectionError("connection refused"), TimeoutError("read timed out")]

    def store(origin: str) -> bool:
        if down[0]:
            raise errors[len(origin) % 2]
        return True

    policy = CORSPolicy(allow_origin_func=store)
    with caplog.at_level(logging.DEBUG, logger="corecors"):
        for n in range(1000):
            origin = f"https://o{n}.example.org"  # two lengths: two distinct errors
            assert not policy.decide("GET", origin).allowed
        down[0] = False
        assert policy.decide("GET", NEW).allowed
    records = failures(caplog)
    lines = FailureLog().lines
    assert len(records) <= lines + 2  # the lines, "not logged", the recovery line
    tracebacks = [r for r in records if r.exc_info]
    assert sorted(str(r.exc_info[1]) for r in tracebacks) == [  # type: ignore[index]
        "connection refused",
        "read timed out",
    ]
    assert "answers again, after 1000 failed lookups" in records[-1].getMessage()
    assert lookup_of(policy).failures == 1000


def test_the_failure_log_counts_what_it_left_out(caplog: pytest.LogCaptureFixture) -> None:
    class Few(FailureLog):
        KINDS = 1

    log = Few(lines=2, window=0.05)
    with caplog.at_level(logging.DEBUG, logger="corecors"):
        for n in range(5):
            log.failed(NEW, "raised", ValueError(str(n)))
        time.sleep(0.1)
        log.failed(NEW, "raised", ValueError("later"))
    messages = [r.getMessage() for r in failures(caplog)]
    assert len(messages) == 5  # 2 lines, "not logged", the count, the next window's first
    assert "3 failed origin lookups were not logged" in messages[3]
    # Only one kind is remembered: the others get their traceback every time (bounded).
    assert sum(1 for r in failures(caplog) if r.exc_info) == 3


# --- configuration -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("origin_cache_ttl", -1),
        ("origin_cache_ttl", "60"),
        ("origin_cache_ttl", True),
        ("origin_cache_ttl", float("nan")),
        ("origin_cache_ttl", None),
        ("origin_lookup_timeout", 0),
        ("origin_lookup_timeout", float("inf")),
    ],
)
def test_bad_durations_are_config_errors(option: str, value: Any) -> None:
    with pytest.raises(CORSConfigError, match=option) as error:
        CORSPolicy(allow_origin_func=lambda origin: True, **{option: value})
    assert "seconds" in str(error.value)


def test_durations_are_options() -> None:
    policy = CORSPolicy(origin_cache_ttl=5, origin_lookup_timeout=None)
    assert policy.options["origin_cache_ttl"] == 5.0
    assert policy.options["origin_lookup_timeout"] is None
    assert CORSPolicy(**policy.options).options == policy.options


def test_star_with_credentials_still_asks_the_function() -> None:
    with pytest.warns(CORSConfigWarning):
        policy = CORSPolicy(
            allow_origins=["*"], allow_credentials=True, allow_origin_func={NEW}.__contains__
        )
    assert dict(policy.decide("GET", NEW).headers)["Access-Control-Allow-Origin"] == NEW
    assert dict(policy.decide("GET", OTHER).headers)["Access-Control-Allow-Origin"] == "*"


def test_every_way_to_the_kept_answer() -> None:
    policy = CORSPolicy(allow_origin_func=lambda origin: True)
    lookup = lookup_of(policy)
    assert lookup.resolve(NEW) is True
    assert lookup.resolve(NEW) is True  # kept: found under the lock
    assert asyncio.run(lookup.aresolve(NEW)) is True
    first = policy.decide("OPTIONS", NEW, "GET")
    assert policy.decide("OPTIONS", NEW, "GET") is first  # one Decision per answer
    assert lookup.calls == 1


def test_async_failures_fail_closed(caplog: pytest.LogCaptureFixture) -> None:
    async def down(origin: str, host: str | None) -> bool:
        raise TimeoutError("the store's own timeout")  # not ours: "raised"

    lookup = lookup_of(CORSPolicy(allow_origin_func=down))
    with caplog.at_level(logging.DEBUG, logger="corecors"):
        assert asyncio.run(lookup.aresolve(NEW, "api.example.com")) is False
        assert asyncio.run(lookup.aresolve(NEW, "h" * 1000)) is False  # never asked
    assert lookup.calls == 1
    (record,) = failures(caplog)
    assert "raised" in record.getMessage()
    assert record.exc_info is not None


def test_an_awaitable_without_close_is_refused_too() -> None:
    class Pending:
        def __await__(self) -> Any:
            yield None

    policy = CORSPolicy(allow_origin_func=lambda origin: Pending())
    assert not policy.decide("GET", NEW).allowed


def test_lookup_threads_are_reused_then_end_when_idle() -> None:
    names: list[int] = []
    policy = CORSPolicy(
        allow_origin_func=lambda origin: bool(names.append(threading.get_ident())) or True
    )
    lookup = lookup_of(policy)
    lookup.IDLE = 0.2  # type: ignore[misc]
    for n in range(3):
        assert policy.decide("GET", f"https://r{n}.example.org").allowed
    assert len(set(names)) == 1  # one thread served the three lookups in turn
    assert lookup._threads == 1
    deadline = time.monotonic() + 10
    while lookup._threads and time.monotonic() < deadline:
        time.sleep(0.05)
    assert lookup._threads == 0  # it ended once idle
    assert policy.decide("GET", "https://later.example.org").allowed  # a new one starts


def test_a_preflight_the_function_refused_names_the_function_in_its_fix() -> None:
    policy = CORSPolicy(allow_origin_func=lambda origin: False, origin_cache_ttl=60.0)
    lookup_of(policy).resolve(NEW)  # the answer is now kept: the core decides at once
    reason = policy.decide("OPTIONS", NEW, "PUT").reason
    assert reason == (
        f"origin {NEW!r} is not allowed; allow_origin_func did not return True for it: "
        "add it to allow_origins, or have allow_origin_func return True"
    )
    static = CORSPolicy(allow_origins=[OTHER]).decide("OPTIONS", NEW, "PUT").reason
    assert static == f"origin {NEW!r} is not allowed; add it to allow_origins"
    near = CORSPolicy(allow_origins=[NEW + ":8443"], allow_origin_func=lambda origin: False)
    lookup_of(near).resolve(NEW)
    reason = near.decide("OPTIONS", NEW, "PUT").reason
    assert reason is not None
    assert reason.startswith(f"origin {NEW!r} is not allowed (did you mean")
    assert reason.endswith("add it to allow_origins, or have allow_origin_func return True")
