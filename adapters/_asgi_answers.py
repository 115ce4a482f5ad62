"""The ASGI adapter's answers: the core's decisions as latin-1 bytes, remembered.

The core is protocol-neutral (``str`` only); this module encodes a decision
once and keeps the encoded answer in the policy's one memo (``corecors.memo``)
under ``bytes`` keys, so a repeated request costs one dict lookup
(docs/architecture.md, "The memo").
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from corecors import CORSPolicy, Decision
from corecors.decision import ACTUAL_RESPONSE_HEADERS, MAX_METHOD_LENGTH, Refusal
from corecors.memo import Memo
from corecors.origins import MAX_ORIGIN_LENGTH
from corecors.response import preflight_parts, vary_value
from corecors.tokens import MAX_REQUEST_HEADERS_LENGTH
from corecors.writes import refused_write

RawHeaders = tuple[tuple[bytes, bytes], ...]

# A granted decision replaces the application's own copies of these: a duplicate
# Access-Control-Allow-Origin makes the browser fail the request (Fetch).
GRANT_NAMES = frozenset(name.encode("latin-1") for name in ACTUAL_RESPONSE_HEADERS)

# Values longer than the core accepts are cut to one byte over the limit before
# decoding, so a hostile 1 MiB header costs a slice, not a 1 MiB decode, and is
# still refused as too long.
ORIGIN_CUT = MAX_ORIGIN_LENGTH + 1
METHOD_CUT = MAX_METHOD_LENGTH + 1
REQUEST_HEADERS_CUT = MAX_REQUEST_HEADERS_LENGTH + 1

_NOT_TRUSTED = (b"*", b"null")  # grants that never trust a write (corecors.writes)

# Encoded answers are kept in the policy's memo (corecors.memo, bytes keys);
# a key over this size is never hashed.
_MEMO_KEY_BYTES = 1024


def _encode(headers: tuple[tuple[str, str], ...] | list[tuple[str, str]]) -> RawHeaders:
    """Header pairs as ASGI wants them: lower-case latin-1 bytes."""
    return tuple((k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers)


class Actual(NamedTuple):
    """What any other request's response gets, ready to append (a memo value)."""

    kind: str  # "actual", for the refusal log
    refusal: Refusal | None  # why it was refused, for the middleware's refusal log
    grants: RawHeaders  # Access-Control-* (empty: refused, or no Origin)
    block: RawHeaders  # the grants and Vary, appended as they are
    vary: bytes  # empty for a public policy's answer: no Vary is added


class Preflight(NamedTuple):
    """A complete preflight response: status, header block, body (a memo value)."""

    kind: str  # "preflight"
    refusal: Refusal | None
    status: int
    headers: RawHeaders
    body: bytes


def _actual_of(decision: Decision) -> Actual:
    grants = _encode(decision.headers)
    vary = ", ".join(decision.vary).encode("latin-1")
    block = (*grants, (b"vary", vary)) if vary else grants  # no Vary: a public policy
    return Actual("actual", decision.refusal, grants, block, vary)


def no_origin_answer(policy: CORSPolicy) -> Actual:
    """The encoded answer for a request without ``Origin`` (not a CORS request):
    ``Vary: Origin`` only, or a public policy's grant. The middleware keeps one
    per policy of its router, built at construction."""
    return _actual_of(policy.decide("GET", None))


def actual_answer(policy: CORSPolicy, origin: bytes) -> Actual:
    """The encoded answer for a request with this ``Origin``, remembered by its bytes."""
    memo = policy.memo
    remembered = memo is not None and len(origin) <= _MEMO_KEY_BYTES  # never hash a huge value
    if remembered:
        answer: Actual | None = memo.entries.get(origin)  # type: ignore[union-attr]
        if answer is not None:
            return answer
    answer = _actual_of(policy.actual(origin[:ORIGIN_CUT].decode("latin-1")))
    if remembered:
        memo.put(origin, answer)  # type: ignore[union-attr]
    return answer


def preflight_answer(
    policy: CORSPolicy, origin: bytes, method: bytes, headers: bytes | None, private_network: bool
) -> Preflight:
    """The encoded preflight response, remembered by the request's header bytes."""
    memo = policy.memo
    size = len(origin) + len(method) + (0 if headers is None else len(headers))
    remembered = memo is not None and size <= _MEMO_KEY_BYTES  # never hash a huge value
    key = (origin, method, headers, private_network)
    if remembered:
        answer: Preflight | None = memo.entries.get(key)  # type: ignore[union-attr]
        if answer is not None:
            return answer
    decision = policy.preflight(
        origin[:ORIGIN_CUT].decode("latin-1"),
        method[:METHOD_CUT].decode("latin-1"),
        None if headers is None else headers[:REQUEST_HEADERS_CUT].decode("latin-1"),
        private_network,
    )
    answer = _encoded_preflight(memo, decision)
    if remembered:
        memo.put(key, answer)  # type: ignore[union-attr]
    return answer


def _encoded_preflight(memo: Memo | None, decision: Decision) -> Preflight:
    """The preflight response of ``decision``, encoded once per distinct response.

    Hostile requests are too big to remember by their own bytes, but they all
    get the same few responses: those are remembered by the response itself
    (a key of bounded size; its first item, an int, is no request key's).
    """
    key = (decision.status, decision.headers, decision.vary, decision.body)
    parts: Preflight | None = None if memo is None else memo.entries.get(key)
    if parts is None:
        status, block, body = preflight_parts(decision)
        parts = Preflight("parts", None, status, _encode(block), body)
        if memo is not None:
            memo.put(key, parts)
    return Preflight("preflight", decision.refusal, parts.status, parts.headers, parts.body)


def write_answer(
    policy: CORSPolicy,
    method: str,
    origin: bytes | None,
    headers: Iterable[tuple[bytes, bytes]],
    grants: RawHeaders,
) -> Preflight | None:
    """The 403 of a write ``policy.writes`` refuses (corecors.writes), else None.

    ``grants``: the request's encoded CORS grant; a credentialed grant of the
    origin itself trusts it at once. The host is the ``Host`` header as the
    server received it (never a URL rebuilt from it).
    """
    if policy.writes.credentials and grants and grants[0][1] not in _NOT_TRUSTED:  # type: ignore[union-attr]
        return None
    site = host = None
    for name, value in headers:
        if name == b"sec-fetch-site":
            site = value[:64].decode("latin-1")
        elif name == b"host":
            host = value[:ORIGIN_CUT].decode("latin-1")
    text = None if origin is None else origin[:ORIGIN_CUT].decode("latin-1")
    refusal = policy.writes.refusal(method, text, site, host)  # type: ignore[union-attr]
    if refusal is None:
        return None
    decision = policy.actual(text) if text is not None else policy.decide("GET", None)
    status, block, body = preflight_parts(refused_write(decision, refusal))
    return Preflight("write", refusal, status, _encode(block), body)


def merged(app_headers: list[Any], grants: RawHeaders, vary: bytes) -> list[Any]:
    """The app's headers with its Vary merged and, when granting, its own grants replaced."""
    headers: list[Any] = []
    app_vary: list[str] = []
    for header in app_headers:
        name = header[0]
        if name == b"vary":
            app_vary.append(header[1].decode("latin-1"))
        elif not (grants and name in GRANT_NAMES):
            headers.append(header)
    headers += grants
    if not vary:  # a public policy adds no Vary: the application's stays as it was
        headers += [header for header in app_headers if header[0] == b"vary"]
        return headers
    if app_vary:  # never replacing or duplicating the application's own tokens
        tokens = tuple(vary.decode("latin-1").split(", "))
        vary = vary_value(", ".join(app_vary), tokens).encode("latin-1")
    headers.append((b"vary", vary))
    return headers


def read_cors_headers(
    headers: Iterable[tuple[bytes, bytes]],
) -> tuple[bytes | None, bytes | None, bytes | None, bool]:
    """A possible preflight's CORS request headers, in one pass: ``(origin, method,
    headers, private_network)``; several Access-Control-Request-Headers lines add up."""
    origin = request_method = request_headers = None
    private_network = False
    for name, value in headers:
        if name == b"origin":
            origin = value if origin is None else join_lines(origin, value, ORIGIN_CUT)
        elif name == b"access-control-request-method":
            request_method = (
                value if request_method is None else join_lines(request_method, value, METHOD_CUT)
            )
        elif name == b"access-control-request-headers":
            request_headers = (
                value
                if request_headers is None
                else join_lines(request_headers, value, REQUEST_HEADERS_CUT)
            )
        elif name == b"access-control-request-private-network":
            private_network = value == b"true"
    return origin, request_method, request_headers, private_network


def join_lines(first: bytes, more: bytes, cut: int) -> bytes:
    """Two lines of one request header as one value (rare), kept bounded by ``cut``."""
    return first[:cut] + b"," + more[:cut]
