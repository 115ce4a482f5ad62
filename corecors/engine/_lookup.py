"""Dynamic origins: ``allow_origin_func`` behind a bounded cache (DESIGN.md §7.5).

An origin that no static rule of a policy allows is asked of ``allow_origin_func``
through one :class:`OriginLookup` per policy (docs/dynamic-origins.md):

- answers, allowed and refused alike, are kept ``origin_cache_ttl`` seconds per
  key ``(origin, host)`` (``host`` is None for a function of the origin only), at
  most :attr:`OriginLookup.LIMIT` keys (expired ones are dropped first when full);
- one lookup in flight per key: concurrent requests for the same key wait for it
  (threads on a sync stack, the event loop on an async one), never stampeding
  the store;
- a lookup slower than ``origin_lookup_timeout`` seconds, or one that raises,
  refuses (fail closed) and is not cached, so the next request asks again;
- failures are logged on the ``corecors`` logger at a bounded rate (:class:`FailureLog`):
  one traceback per distinct error, a count of the rest, one line when it works again
  (``corecors.failures``).

The core stays synchronous: ``CORSPolicy`` asks :meth:`OriginLookup.known` (a cached
answer, or a sync function resolved in place); for an ``async def`` function without
a cached answer it returns :data:`NEEDS_LOOKUP`, and the async adapter awaits
:meth:`OriginLookup.aresolve` and decides again with the answer.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import inspect
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

from ._decision import ACTUAL_VARY, Decision, Refusal
from ._failures import FailureLog

#: What ``policy.decide()``/``actual()``/``preflight()`` return when the answer waits on
#: an ``async def`` ``allow_origin_func``: await ``policy.lookup.aresolve(origin, host)``
#: and decide again with ``looked_up=`` its answer. Never sent to a client.
NEEDS_LOOKUP = Decision(
    kind="lookup",  # type: ignore[arg-type]  # a marker outside the three request kinds
    allowed=False,
    status=None,
    headers=(),
    vary=ACTUAL_VARY,
    reason="allow_origin_func is async: await policy.lookup.aresolve() first",
    refusal=Refusal("origin", "allow_origin_func not asked yet", "allow_origin_func not asked yet"),
)

# A Host header longer than this is no host name (RFC 1035: 253, plus a port).
MAX_HOST_LENGTH = 300

Key = tuple[str, str | None]
_THREAD = "corecors-lookup"


def is_async_function(func: Callable[..., Any]) -> bool:
    """Whether calling ``func`` gives a coroutine: ``async def`` functions, and objects
    whose ``__call__`` is one."""
    return inspect.iscoroutinefunction(func) or inspect.iscoroutinefunction(
        getattr(func, "__call__", None)  # noqa: B004 - an object's async __call__
    )


def takes_host(func: Callable[..., Any]) -> bool:
    """Whether ``func`` accepts a second positional argument (the request's host)."""
    try:
        parameters = list(inspect.signature(func).parameters.values())
    except (TypeError, ValueError):  # a builtin without a signature: origin only
        return False
    positional = 0
    for parameter in parameters:
        if parameter.kind is parameter.VAR_POSITIONAL:
            return True
        if parameter.kind in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD):
            positional += 1
    return positional >= 2


class OriginLookup:
    """``allow_origin_func`` of one policy, cached, single-flight and time-limited.

    - ``func``: the function, ``def`` or ``async def``, taking the origin (``str``) and,
      if it accepts a second positional argument, the request's host (``str | None``:
      the Host header as received, None when absent); only ``True`` allows.
    - ``ttl`` (``float`` seconds): how long an answer is kept; 0 keeps none.
    - ``timeout`` (``float | None`` seconds): past it the lookup refuses; None waits for
      ever (a sync function is then called in the request's thread; with a timeout it
      runs on a daemon lookup thread, reused, ended after ``IDLE`` seconds idle, at most
      ``WORKERS`` busy at once, so that a hung call can be left behind; with all of them
      hung, lookups fail at once with :class:`LookupBusy`).

    Thread-safe. :meth:`invalidate` drops answers; the counters ``calls`` and
    ``failures`` count function calls and failed ones (for tests and metrics).
    """

    LIMIT = 4096
    WORKERS = 32
    IDLE = 60.0  # seconds a lookup thread waits for another job before it ends

    def __init__(self, func: Callable[..., Any], ttl: float, timeout: float | None) -> None:
        self.func = func
        self.is_async = is_async_function(func)
        self.takes_host = takes_host(func)
        self.ttl = ttl
        self.timeout = timeout
        self.calls = 0
        self.failures = 0
        self.log = FailureLog()
        self._answers: dict[Key, tuple[float, bool]] = {}
        self._lock = threading.Lock()
        #: Bumped by :meth:`invalidate`: lookups started before are not kept, nor are
        #: answers an adapter derived from kept ones before (the ASGI adapter's memo).
        self.generation = 0
        self._flights: dict[Key, _Flight] = {}
        # One task per key and event loop (a future belongs to its loop).
        self._tasks: dict[tuple[asyncio.AbstractEventLoop, Key], asyncio.Future[bool]] = {}
        # Sync calls under a timeout run on daemon threads, at most WORKERS at once: a
        # hung call never blocks the process's exit, and hung calls cannot pile up.
        self._slots = threading.BoundedSemaphore(self.WORKERS)
        self._jobs: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._idle = self._threads = 0  # lookup threads waiting for a job, and all of them

    def key(self, origin: str, host: str | None) -> Key:
        """The cache key: the host counts only for a function that takes it."""
        return (origin, host if self.takes_host else None)

    def cached(self, origin: str, host: str | None = None) -> bool | None:
        """The kept answer for ``(origin, host)``, or None if none is fresh."""
        entry = self._answers.get((origin, host if self.takes_host else None))
        if entry is not None and entry[0] > time.monotonic():
            return entry[1]
        return None

    def entry(self, origin: str, host: str | None = None) -> tuple[float, bool] | None:
        """The kept ``(expires, answer)`` for ``(origin, host)`` (``time.monotonic``), or None."""
        return self._answers.get((origin, host if self.takes_host else None))

    def known(self, origin: str, host: str | None) -> bool | None:
        """The answer without awaiting: cached, or a sync function's (called now)."""
        entry = self._answers.get((origin, host if self.takes_host else None))  # hot: inlined
        if entry is not None and entry[0] > time.monotonic():
            return entry[1]
        return None if self.is_async else self.resolve(origin, host)

    def invalidate(self, origin: str | None = None) -> None:
        """Drop the kept answers for ``origin`` (every host), or all of them (None).

        A lookup in flight when this is called still answers the requests waiting
        for it, but its answer is not kept."""
        with self._lock:
            self.generation += 1
            if origin is None:
                self._answers.clear()
            else:
                for key in [key for key in self._answers if key[0] == origin]:
                    del self._answers[key]

    def _keep(self, key: Key, generation: int, answer: bool | None) -> None:
        """Remember an answer (None: a failure, never kept) unless invalidated since."""
        if answer is None or self.ttl <= 0:
            return
        now = time.monotonic()
        with self._lock:
            if generation != self.generation:
                return
            answers = self._answers
            if len(answers) >= self.LIMIT:
                for stale in [k for k, (expires, _) in answers.items() if expires <= now]:
                    del answers[stale]
                if len(answers) >= self.LIMIT:
                    answers.clear()
            answers[key] = (now + self.ttl, answer)

    def _arguments(self, origin: str, host: str | None) -> tuple[str | None, ...] | None:
        if not self.takes_host:
            return (origin,)
        if host is not None and len(host) > MAX_HOST_LENGTH:
            return None  # never hand a huge value to the store
        return (origin, host)

    # --- sync: threads -------------------------------------------------------------------

    def resolve(self, origin: str, host: str | None = None) -> bool:
        """Ask a sync ``func`` (or use the kept answer); blocks at most ``timeout``.

        Concurrent calls for one key share one call of ``func``. Never raises."""
        key = self.key(origin, host)
        with self._lock:
            entry = self._answers.get(key)
            if entry is not None and entry[0] > time.monotonic():
                return entry[1]
            flight = self._flights.get(key)
            leader = flight is None
            if flight is None:
                flight = self._flights[key] = _Flight(self.generation)
        if not leader:
            return flight.wait(self.timeout)
        answer: bool | None = None
        try:
            answer = self._call_sync(origin, host)
        finally:
            with self._lock:
                del self._flights[key]
            self._keep(key, flight.generation, answer)
            flight.done(answer is True)
        return answer is True

    def _call_sync(self, origin: str, host: str | None) -> bool | None:
        """One call of ``func``: its answer, or None when it failed (logged)."""
        arguments = self._arguments(origin, host)
        if arguments is None:
            return False
        self.calls += 1
        try:
            if self.timeout is None:
                result = self.func(*arguments)
            else:
                future = self._in_thread(arguments)
                done, _ = concurrent.futures.wait([future], self.timeout)
                if not done:
                    return self._failed(origin, f"took longer than {self.timeout:g} s", None)
                result = future.result()
        except Exception as error:  # the store's own TimeoutError included
            return self._failed(origin, "raised", error)
        if inspect.isawaitable(result):  # an async function the checks could not see
            _close(result)
            return self._failed(origin, "returned an awaitable on a sync stack", None)
        self.log.succeeded()
        return result is True

    def _in_thread(self, arguments: tuple[str | None, ...]) -> concurrent.futures.Future[Any]:
        """Call a sync ``func`` on a daemon thread (the request's context variables
        copied); a future that fails at once when ``WORKERS`` calls are in flight."""
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        future.set_running_or_notify_cancel()  # running: a caller giving up cannot cancel it
        if not self._slots.acquire(blocking=False):
            future.set_exception(LookupBusy(f"{self.WORKERS} lookups are already in flight"))
            return future
        context = contextvars.copy_context()

        def run() -> None:
            try:
                future.set_result(context.run(self.func, *arguments))
            except Exception as error:
                future.set_exception(error)
            finally:
                self._slots.release()

        with self._lock:  # an idle thread takes it, or a new one starts
            spawn = self._idle == 0
            if spawn:
                self._threads += 1
            else:
                self._idle -= 1
                self._jobs.put(run)
        if spawn:
            threading.Thread(target=self._serve, args=(run,), name=_THREAD, daemon=True).start()
        return future

    def _serve(self, job: Callable[[], None]) -> None:
        """A lookup thread: runs jobs; ends after ``IDLE`` seconds without one."""
        while True:
            job()
            with self._lock:
                self._idle += 1
            try:
                job = self._jobs.get(timeout=self.IDLE)
            except queue.Empty:
                with self._lock:  # jobs are queued under the lock: none is lost
                    try:
                        job = self._jobs.get_nowait()  # queued just before the lock
                    except queue.Empty:
                        self._idle -= 1
                        self._threads -= 1
                        return

    def _failed(self, origin: str, reason: str, error: BaseException | None) -> bool | None:
        """Count and log a failed lookup; None: no answer (refused, never kept)."""
        self.failures += 1
        self.log.failed(origin, reason, error)
        return None

    # --- async: the event loop -----------------------------------------------------------

    async def aresolve(self, origin: str, host: str | None = None) -> bool:
        """Await ``func`` (a sync one runs on the thread pool), or use the kept answer.

        Concurrent calls for one key in one event loop share one call; each waits at
        most ``timeout``. Never raises (cancellation of the caller aside)."""
        key = self.key(origin, host)
        answer = self.cached(origin, host)
        if answer is not None:
            return answer
        loop = asyncio.get_running_loop()
        task = self._tasks.get((loop, key))
        if task is None:
            task = self._tasks[loop, key] = loop.create_task(self._flight(key, origin, host))
        try:
            return await asyncio.wait_for(asyncio.shield(task), self.timeout)
        except TimeoutError:  # the flight itself logs and ends at the same deadline
            return False

    async def _flight(self, key: Key, origin: str, host: str | None) -> bool:
        generation = self.generation
        answer: bool | None = None
        try:
            answer = await self._call_async(origin, host)
        finally:
            del self._tasks[asyncio.get_running_loop(), key]
            self._keep(key, generation, answer)
        return answer is True

    async def _call_async(self, origin: str, host: str | None) -> bool | None:
        arguments = self._arguments(origin, host)
        if arguments is None:
            return False
        self.calls += 1
        call: asyncio.Future[Any] = (
            asyncio.ensure_future(self.func(*arguments))
            if self.is_async
            else asyncio.wrap_future(self._in_thread(arguments))
        )
        done, _ = await asyncio.wait((call,), timeout=self.timeout)
        if not done:
            call.cancel()
            return self._failed(origin, f"took longer than {self.timeout:g} s", None)
        try:
            result = call.result()
        except Exception as error:  # the store's own TimeoutError included
            return self._failed(origin, "raised", error)
        self.log.succeeded()
        return result is True


class LookupBusy(RuntimeError):
    """Every lookup thread is busy (calls slower than their timeout): refused at once."""


class _Flight:
    """One sync lookup in progress: the followers wait on its event."""

    __slots__ = ("answer", "event", "generation")

    def __init__(self, generation: int) -> None:
        self.generation = generation
        self.event = threading.Event()
        self.answer = False

    def wait(self, timeout: float | None) -> bool:
        return self.event.wait(timeout) and self.answer

    def done(self, answer: bool) -> None:
        self.answer = answer
        self.event.set()


def _close(awaitable: object) -> None:
    """Close a coroutine that will never be awaited (no "never awaited" warning)."""
    getattr(awaitable, "close", lambda: None)()
