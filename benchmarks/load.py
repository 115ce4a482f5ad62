"""A seeded, concurrent HTTP/1.1 load with hostile clients, and the CORS contract check.

The client writes raw request bytes on asyncio streams: that is the only way to
send several ``Origin`` lines, bytes no HTTP library lets through, or to leave
in the middle of a streamed body. It reads each response in full (Content-Length,
chunked or until close) and keeps every header line as sent, so the check sees
duplicates. Every request is checked against the contract of the soak
configuration (``config.py``); the violations are returned, never only counted.
"""

from __future__ import annotations

import asyncio
import random
import socket
import struct
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from tests.reliability import config

A, B = config.ALLOWED
EVIL = config.REFUSED

READ_TIMEOUT = 15.0  # seconds per response; a loaded machine is slow, a hung server is not
MAX_HEAD = 65536
MAX_BODY = 8 << 20
MAX_CHUNKS = 10_000

HeaderLines = list[tuple[str, str]]


@dataclass(frozen=True)
class Spec:
    """One request of the mix and what the contract says about its response."""

    kind: str  # the mix entry's name, for the report
    method: str
    path: str
    headers: tuple[tuple[str, bytes], ...] = ()
    body: bytes = b""
    grant: str | None = None  # the origin that must be granted; None: no grant at all
    preflight: bool = False  # a preflight, allowed when grant is set
    status: int | None = 200  # None: any status under 500 (odd bytes may be refused by the server)
    app_vary: str | None = None  # a Vary token the application set itself
    body_length: int | None = None  # the full body length, for streams
    leave_after: int | None = None  # read this many body bytes, then reset the connection


def _pre(
    origin: str, method: str = "PUT", headers: str | None = "x-token"
) -> tuple[tuple[str, bytes], ...]:
    lines = [("Origin", origin.encode()), ("Access-Control-Request-Method", method.encode())]
    if headers is not None:
        lines.append(("Access-Control-Request-Headers", headers.encode()))
    return tuple(lines)


Factory = Callable[[random.Random, str], Spec]


def _mix() -> list[tuple[int, Factory]]:
    """(weight, factory) for each kind of request.

    A factory gets the rng (for its own details) and one allowed origin, A or B,
    drawn for every request.
    """
    stream_len = len(config.STREAM_CHUNK) * config.STREAM_CHUNKS
    put = {"body": b'{"name": "soak", "n": 1}'}
    json_type = ("Content-Type", b"application/json")

    def origin(value: str | bytes) -> tuple[str, bytes]:
        return ("Origin", value if isinstance(value, bytes) else value.encode())

    return [
        (18, lambda r, o: Spec("no-origin", "GET", "/items")),
        (18, lambda r, o: Spec("allowed-get", "GET", "/items", (origin(o),), grant=o)),
        (6, lambda r, o: Spec("refused-get", "GET", "/items", (origin(EVIL),))),
        (2, lambda r, o: Spec("null-origin", "GET", "/items", (origin("null"),))),
        (
            8,
            lambda r, o: Spec(
                "allowed-put", "PUT", "/items", (origin(o), json_type), **put, grant=o
            ),
        ),
        (3, lambda r, o: Spec("no-origin-put", "PUT", "/items", (json_type,), **put)),
        (
            10,
            lambda r, o: Spec(
                "allowed-preflight", "OPTIONS", "/items", _pre(o), grant=o, preflight=True
            ),
        ),
        (
            2,
            lambda r, o: Spec(
                "preflight-two-acrh-lines",
                "OPTIONS",
                "/items",
                (*_pre(o, headers="content-type"), ("Access-Control-Request-Headers", b"x-token")),
                grant=o,
                preflight=True,
            ),
        ),
        (
            4,
            lambda r, o: Spec(
                "refused-preflight-origin",
                "OPTIONS",
                "/items",
                _pre(EVIL),
                preflight=True,
                status=400,
            ),
        ),
        (
            3,
            lambda r, o: Spec(
                "refused-preflight-method",
                "OPTIONS",
                "/items",
                _pre(o, "DELETE"),
                preflight=True,
                status=400,
            ),
        ),
        (
            2,
            lambda r, o: Spec(
                "refused-preflight-header",
                "OPTIONS",
                "/items",
                _pre(o, headers="x-other"),
                preflight=True,
                status=400,
            ),
        ),
        (
            2,
            lambda r, o: Spec(
                "oversized-acrh",
                "OPTIONS",
                "/items",
                _pre(o, headers=",".join(f"x-h{i}" for i in range(r.randrange(70, 900)))),
                preflight=True,
                status=400,
            ),
        ),
        (
            3,
            lambda r, o: Spec(
                "several-origin-lines", "GET", "/items", (origin(A), origin(r.choice([B, EVIL, A])))
            ),
        ),
        (
            1,
            lambda r, o: Spec(
                "several-origin-lines-preflight",
                "OPTIONS",
                "/items",
                (origin(B), *_pre(A)),
                preflight=True,
                status=400,
            ),
        ),
        (
            3,
            lambda r, o: Spec(
                "odd-bytes-origin", "GET", "/items", (origin(_odd_origin(r)),), status=None
            ),
        ),
        (
            2,
            lambda r, o: Spec(
                "odd-bytes-preflight",
                "OPTIONS",
                "/items",
                (
                    *_pre(o, headers=None),
                    ("Access-Control-Request-Headers", b"x-token, \xff\xfe\x80"),
                ),
                preflight=True,
                status=None,
            ),
        ),
        (
            5,
            lambda r, o: Spec(
                "app-vary", "GET", "/vary", (origin(o),), grant=o, app_vary="Accept-Encoding"
            ),
        ),
        (2, lambda r, o: Spec("app-vary-no-origin", "GET", "/vary", app_vary="Accept-Encoding")),
        (2, lambda r, o: Spec("raising-route", "GET", "/boom", (origin(o),), grant=o, status=500)),
        (
            1,
            lambda r, o: Spec("raising-route-refused", "GET", "/boom", (origin(EVIL),), status=500),
        ),
        (
            4,
            lambda r, o: Spec(
                "stream", "GET", "/stream", (origin(o),), grant=o, body_length=stream_len
            ),
        ),
        (
            1,
            lambda r, o: Spec(
                "leave-mid-stream",
                "GET",
                "/stream?long=1",
                (origin(o),),
                grant=o,
                leave_after=r.randrange(1, 100_000),
            ),
        ),
    ]


def _odd_origin(rng: random.Random) -> bytes:
    """An Origin no browser sends: obs-text, a stray byte inside, or half a UTF-8 sequence."""
    return rng.choice(
        [
            b"https://app.example.com\xc3",
            b"https://app.ex\xe4mple.com",
            b"https://\x80\x81\xfe.example.com",
            b"https://app.example.com;x",
            b"https://app.example.com/",
            b"HTTPS://APP.EXAMPLE.COM",
            b"https://app.example.com:443",
            b"https://app.example.com@evil.example.org",
        ]
    )


def plan(count: int, seed: int) -> list[Spec]:
    """``count`` requests drawn from the mix with ``random.Random(seed)``: the same every time."""
    rng = random.Random(seed)
    mix = _mix()
    weights = [w for w, _ in mix]
    factories = [f for _, f in mix]
    return [
        rng.choices(factories, weights)[0](rng, rng.choice(config.ALLOWED)) for _ in range(count)
    ]


# --- the contract -----------------------------------------------------------------


def _tokens(lines: HeaderLines, name: str) -> list[str]:
    return [t.strip().lower() for n, v in lines if n == name for t in v.split(",") if t.strip()]


def violations(spec: Spec, status: int, lines: HeaderLines, body: bytes | None) -> list[str]:
    """What is wrong with one response (empty: none); ``lines`` has lower-case names."""
    found: list[str] = []
    values: dict[str, list[str]] = {}
    for name, value in lines:
        values.setdefault(name, []).append(value)
    if spec.status is None:
        if status >= 500:
            found.append(f"status {status} for hostile input")
    elif status != spec.status:
        found.append(f"status {status}, expected {spec.status}")
    acao = values.get("access-control-allow-origin", [])
    acac = values.get("access-control-allow-credentials", [])
    vary = _tokens(lines, "vary")
    duplicated = [t for t, n in Counter(vary).items() if n > 1]
    if duplicated:
        found.append(f"Vary repeats {duplicated}")
    if spec.grant is not None and (spec.status is None or status == spec.status):
        if acao != [spec.grant]:
            found.append(f"Allow-Origin {acao}, expected exactly [{spec.grant!r}]")
        if acac != ["true"]:
            found.append(f"Allow-Credentials {acac}, expected exactly ['true']")
    elif spec.grant is None:
        granted = [n for n in values if n.startswith("access-control-")]
        if spec.preflight and granted:
            found.append(f"refused preflight carries {granted}")
        elif acao or acac:
            found.append(f"no grant expected, got Allow-Origin {acao} Credentials {acac}")
    if spec.preflight:
        if spec.status is not None and not {"origin", "access-control-request-method"} <= set(vary):
            found.append(f"preflight Vary {vary}")
        if spec.grant is not None and "put" not in _tokens(lines, "access-control-allow-methods"):
            found.append("preflight Allow-Methods lacks PUT")
    elif status == 200 or spec.grant is not None:
        # Any other status with no grant may come from the server itself, before
        # the application and its middleware (a parser refusing odd bytes, a 500).
        if "origin" not in vary:
            found.append(f"Vary {vary} lacks Origin")
        if spec.grant is not None and "x-total" not in _tokens(
            lines, "access-control-expose-headers"
        ):
            found.append("Expose-Headers lacks X-Total")
    if spec.app_vary is not None and spec.app_vary.lower() not in vary:
        found.append(f"the application's Vary {spec.app_vary} was dropped: {vary}")
    if body is not None and spec.body_length is not None and len(body) != spec.body_length:
        found.append(f"body {len(body)} bytes, expected {spec.body_length}")
    return found


# --- the client -------------------------------------------------------------------


class TransportError(Exception):
    """The server closed, reset or stalled where a response was due."""


@dataclass
class Result:
    """What one load run saw."""

    requests: int = 0
    elapsed: float = 0.0
    latencies: list[float] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)  # "kind: what" (the first 100 kept)
    violation_count: int = 0
    transport_errors: list[str] = field(default_factory=list)
    retries: int = 0  # a kept-alive connection the server had closed: retried once on a new one
    left_mid_stream: int = 0
    timed_out: bool = False  # the time limit stopped the run before its last request
    kinds: Counter[str] = field(default_factory=Counter)

    def rate(self) -> float:
        return self.requests / self.elapsed if self.elapsed else 0.0

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return 0.0
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def encode(spec: Spec, port: int) -> bytes:
    lines = [f"{spec.method} {spec.path} HTTP/1.1".encode(), f"Host: 127.0.0.1:{port}".encode()]
    lines += [name.encode() + b": " + value for name, value in spec.headers]
    if spec.body or spec.method == "PUT":
        lines.append(b"Content-Length: %d" % len(spec.body))
    return b"\r\n".join(lines) + b"\r\n\r\n" + spec.body


async def read_response(
    reader: asyncio.StreamReader, method: str, leave_after: int | None = None
) -> tuple[int, HeaderLines, bytes | None, bool]:
    """(status, header lines with lower-case names, body or None if left early, keep-alive)."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
        raise TransportError(f"no complete response head ({type(exc).__name__})") from exc
    status_line, *rest = head[:-4].split(b"\r\n")
    version, _, tail = status_line.partition(b" ")
    status = int(tail[:3])
    lines: HeaderLines = []
    for raw in rest:
        name, _, value = raw.partition(b":")
        lines.append((name.decode("latin-1").strip().lower(), value.decode("latin-1").strip()))
    meta = dict(lines)
    keep_alive = version == b"HTTP/1.1" and meta.get("connection", "").lower() != "close"
    if leave_after is not None:
        await reader.read(leave_after)  # some of the body, then the caller resets the connection
        return status, lines, None, False
    if method == "HEAD" or status in (204, 304):
        return status, lines, b"", keep_alive
    if meta.get("transfer-encoding", "").lower() == "chunked":
        return status, lines, await _read_chunked(reader), keep_alive
    if "content-length" in meta:
        try:
            return status, lines, await reader.readexactly(int(meta["content-length"])), keep_alive
        except asyncio.IncompleteReadError as exc:
            raise TransportError("body shorter than Content-Length") from exc
    return status, lines, await reader.read(MAX_BODY), False


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    try:
        for _ in range(MAX_CHUNKS):
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                while (await reader.readuntil(b"\r\n")) != b"\r\n":  # trailers, bounded by EOF
                    pass
                return b"".join(parts)
            parts.append((await reader.readexactly(size + 2))[:-2])
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
        raise TransportError(f"broken chunked body ({type(exc).__name__})") from exc
    raise TransportError(f"more than {MAX_CHUNKS} chunks")


class _Connection:
    def __init__(self) -> None:
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.reused = False

    async def open(self, port: int) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", port, limit=MAX_HEAD)
        self.reused = False

    def close(self, reset: bool = False) -> None:
        if self.writer is not None:
            if reset:  # RST, as a client that goes away does, not a polite FIN
                sock = self.writer.get_extra_info("socket")
                if sock is not None:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.writer.close()
        self.reader = self.writer = None


async def _exchange(
    conn: _Connection, port: int, spec: Spec
) -> tuple[int, HeaderLines, bytes | None, bool]:
    if conn.writer is None:
        await conn.open(port)
    assert conn.reader is not None
    assert conn.writer is not None
    conn.writer.write(encode(spec, port))
    await conn.writer.drain()
    return await asyncio.wait_for(
        read_response(conn.reader, spec.method, spec.leave_after), READ_TIMEOUT
    )


async def _one(conn: _Connection, port: int, spec: Spec, result: Result, check: bool) -> None:
    started = time.perf_counter()
    try:
        try:
            status, lines, body, keep_alive = await _exchange(conn, port, spec)
        except (TransportError, ConnectionError):
            if not conn.reused:
                raise
            # The server closed a kept-alive connection between requests (allowed by
            # HTTP/1.1): what every client does, retry once on a fresh one.
            result.retries += 1
            conn.close()
            status, lines, body, keep_alive = await _exchange(conn, port, spec)
    except (TransportError, OSError, TimeoutError) as exc:
        conn.close()
        result.transport_errors.append(f"{spec.kind}: {type(exc).__name__}: {exc}")
        return
    result.latencies.append(time.perf_counter() - started)
    result.requests += 1
    result.kinds[spec.kind] += 1
    if spec.leave_after is not None:
        result.left_mid_stream += 1
        conn.close(reset=True)
    elif keep_alive:
        conn.reused = True
    else:
        conn.close()
    if check:
        for problem in violations(spec, status, lines, body):
            result.violation_count += 1
            if len(result.violations) < 100:
                result.violations.append(f"{spec.kind}: {problem}")


async def run(
    port: int, specs: list[Spec], concurrency: int, time_limit: float, check: bool = True
) -> Result:
    """Send ``specs`` from ``concurrency`` connections; stop early at ``time_limit`` seconds."""
    result = Result()
    queue = iter(specs)
    deadline = time.monotonic() + time_limit

    async def client() -> None:
        conn = _Connection()
        try:
            for spec in queue:  # shared iterator: each spec is sent once, by one client
                if time.monotonic() > deadline:
                    result.timed_out = True
                    return
                await _one(conn, port, spec, result, check)
        finally:
            conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    result.elapsed = time.perf_counter() - started
    return result
