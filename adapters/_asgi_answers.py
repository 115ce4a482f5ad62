"""The ASGI adapter's answers: the core's decisions as latin-1 bytes, remembered.

The core is protocol-neutral (``str`` only); this module encodes a decision
once and keeps the encoded answer in the policy's one memo (``corecors.memo``)
under ``bytes`` keys, so a repeated request costs one dict lookup
(docs/architecture.md, "The memo").
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from time import monotonic
from typing import Any, NamedTuple

from corecors import CORSPolicy, Decision
from corecors.engine import (
    ASK,
    MAX_METHOD_LENGTH,
    MAX_ORIGIN_LENGTH,
    MAX_REQUEST_HEADERS_LENGTH,
    Memo,
    Refusal,
    preflight_parts,
    refused_write,
)

RawHeaders = tuple[tuple[bytes, bytes], ...]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

_TEXT_PLAIN = (b"content-type", b"text/plain; charset=utf-8")
_ERROR_BODY = b"Internal Server Error"

# Values longer than the core accepts are cut to one byte over the limit before
# decoding, so a hostile 1 MiB header costs a slice, not a 1 MiB decode, and is
# still refused as too long.
ORIGIN_CUT = MAX_ORIGIN_LENGTH + 1
METHOD_CUT = MAX_METHOD_LENGTH + 1
REQUEST_HEADERS_CUT = MAX_REQUEST_HEADERS_LENGTH + 1

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


def actual_answer(policy: CORSPolicy, origin: bytes) -> Actual | None:
    """The encoded answer for a request with this ``Origin``, remembered by its bytes;
    None under an ``allow_origin_func`` (its answers change): await :func:`looked_up_actual`."""
    memo = policy.memo
    remembered = len(origin) <= _MEMO_KEY_BYTES  # never hash a huge value
    if remembered:
        answer: Actual | None = memo.entries.get(origin)
        if answer is not None:
            return answer
    if policy.lookup is not None:
        return None
    answer = _actual_of(policy.actual(origin[:ORIGIN_CUT].decode("latin-1")))
    if remembered:
        memo.put(origin, answer)
    return answer


def preflight_answer(
    policy: CORSPolicy, origin: bytes, method: bytes, headers: bytes | None, private_network: bool
) -> Preflight | None:
    """The encoded preflight response, remembered by the request's header bytes; None
    under an ``allow_origin_func``: await :func:`looked_up_preflight`."""
    memo = policy.memo
    size = len(origin) + len(method) + (0 if headers is None else len(headers))
    remembered = size <= _MEMO_KEY_BYTES  # never hash a huge value
    key = (origin, method, headers, private_network)
    if remembered:
        answer: Preflight | None = memo.entries.get(key)
        if answer is not None:
            return answer
    if policy.lookup is not None:
        return None
    decision = policy.preflight(
        origin[:ORIGIN_CUT].decode("latin-1"),
        method[:METHOD_CUT].decode("latin-1"),
        None if headers is None else headers[:REQUEST_HEADERS_CUT].decode("latin-1"),
        private_network,
    )
    answer = _encoded_preflight(memo, decision)
    if remembered:
        memo.put(key, answer)
    return answer


def _encoded_preflight(memo: Memo, decision: Decision) -> Preflight:
    """The preflight response of ``decision``, encoded once per distinct response.

    Hostile requests are too big to remember by their own bytes, but they all
    get the same few responses: those are remembered by the response itself
    (a key of bounded size; its first item, an int, is no request key's).
    """
    key = (decision.status, decision.headers, decision.vary, decision.body)
    parts: Preflight | None = memo.entries.get(key)
    if parts is None:
        status, block, body = preflight_parts(decision)
        parts = Preflight("parts", None, status, _encode(block), body)
        memo.put(key, parts)
    return Preflight("preflight", decision.refusal, parts.status, parts.headers, parts.body)


# --- allow_origin_func: answers that change, awaited ---------------------------------------
# The origins only the function may allow are remembered by (request bytes, host) with
# the lookup's generation and the kept answer's expiry: a kept answer costs one dict
# lookup and a clock read; static answers of the same policy by the request bytes
# alone, as without a function.


def kept_actual(policy: CORSPolicy, origin: bytes, host: str | None) -> Actual | None:
    """The encoded answer from the function's kept answer; None: see :func:`looked_up_actual`."""
    kept = policy.memo.entries.get((origin, host))
    if kept is None or kept[0] != policy.lookup.generation or kept[1] <= monotonic():  # type: ignore[union-attr]
        return None
    return kept[2]  # type: ignore[no-any-return]


async def looked_up_actual(policy: CORSPolicy, origin: bytes, host: str | None) -> Actual:
    """The encoded answer under an ``allow_origin_func``: the core decides (the static
    rules, then the function's kept answer), awaiting the function when it must."""
    text = origin[:ORIGIN_CUT].decode("latin-1")
    generation = policy.lookup.generation  # type: ignore[union-attr]
    allowed = await _ask(policy, text, host)
    answer = _encoded_actual(policy.memo, policy.actual(text, host, allowed))
    if len(origin) <= _MEMO_KEY_BYTES:
        _remember(policy, text, host, origin, (origin, host), generation, answer)
    return answer


async def _ask(policy: CORSPolicy, origin: str, host: str | None) -> bool | None:
    """The function's answer for an origin only it may allow (awaited: a sync function
    runs on a thread, the event loop stays free); None for one the static rules answer."""
    lookup = policy.lookup
    allowed = lookup.cached(origin, host)  # type: ignore[union-attr]
    if allowed is None and policy.matcher.allow_origin(origin) == ASK:
        allowed = await lookup.aresolve(origin, host)  # type: ignore[union-attr]
    return allowed


def _remember(
    policy: CORSPolicy,
    text: str,
    host: str | None,
    static_key: object,
    key: object,
    generation: int,
    answer: object,
) -> None:
    """Remember an answer: a static one by the request alone, a kept one until it expires."""
    if policy.matcher.allow_origin(text) != ASK:  # a static answer: it never changes
        policy.memo.put(static_key, answer)
        return
    entry = policy.lookup.entry(text, host)  # type: ignore[union-attr]
    if entry is not None:
        policy.memo.put(key, (generation, entry[0], answer))


def kept_preflight(
    policy: CORSPolicy,
    origin: bytes,
    method: bytes,
    headers: bytes | None,
    private_network: bool,
    host: str | None,
) -> Preflight | None:
    """The preflight response from the function's kept answer, or None."""
    kept = policy.memo.entries.get((origin, method, headers, private_network, host))
    if kept is None or kept[0] != policy.lookup.generation or kept[1] <= monotonic():  # type: ignore[union-attr]
        return None
    return kept[2]  # type: ignore[no-any-return]


async def looked_up_preflight(
    policy: CORSPolicy,
    origin: bytes,
    method: bytes,
    headers: bytes | None,
    private_network: bool,
    host: str | None,
) -> Preflight:
    """The preflight response under an ``allow_origin_func`` (see :func:`looked_up_actual`)."""
    request = (
        origin[:ORIGIN_CUT].decode("latin-1"),
        method[:METHOD_CUT].decode("latin-1"),
        None if headers is None else headers[:REQUEST_HEADERS_CUT].decode("latin-1"),
        private_network,
    )
    generation = policy.lookup.generation  # type: ignore[union-attr]
    allowed = await _ask(policy, request[0], host)
    answer = _encoded_preflight(policy.memo, policy.preflight(*request, host, allowed))
    if len(origin) + len(method) + (0 if headers is None else len(headers)) <= _MEMO_KEY_BYTES:
        key = (origin, method, headers, private_network)
        _remember(policy, request[0], host, key, (*key, host), generation, answer)
    return answer


def _encoded_actual(memo: Memo, decision: Decision) -> Actual:
    """A decision encoded once: the core keeps one Decision per (origin, answer), so the
    encoding is remembered by the Decision's identity (an int key: no other layer's)."""
    entry: tuple[Decision, Actual] | None = memo.entries.get(id(decision))
    if entry is None or entry[0] is not decision:  # an id may be reused once freed
        entry = (decision, _actual_of(decision))
        memo.put(id(decision), entry)
    return entry[1]


_NOT_TRUSTED = (b"*", b"null")  # grants that never trust a write (docs/cookies-and-csrf.md)


def write_answer(
    policy: CORSPolicy,
    method: str,
    origin: bytes | None,
    headers: Iterable[tuple[bytes, bytes]],
    grants: RawHeaders,
) -> Preflight | None:
    """The 403 of a write ``policy.writes`` refuses (protect_writes), else None.

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


async def send_preflight(send: Send, answer: Preflight) -> None:
    # A fresh list: an outer middleware may edit it in place.
    await send(
        {"type": "http.response.start", "status": answer.status, "headers": list(answer.headers)}
    )
    await send({"type": "http.response.body", "body": answer.body, "more_body": False})


async def send_error(send: Send, block: RawHeaders) -> None:
    """A 500 with the CORS headers, for an app that failed before responding.

    Starlette's ServerErrorMiddleware sits outside user middleware, so its 500
    would reach the browser without CORS headers and show up as a misleading
    CORS error; the caller re-raises for the server to log. (Wrapping the whole
    app instead, CORSMiddleware(app), decorates the framework's own 500 page.)
    """
    # The client may already be gone; the application's exception matters more
    # than ours, so a failure to send the 500 must not replace it.
    with contextlib.suppress(Exception):
        await send(
            {
                "type": "http.response.start",
                "status": 500,
                "headers": [
                    *block,
                    _TEXT_PLAIN,
                    (b"content-length", b"%d" % len(_ERROR_BODY)),
                ],
            }
        )
        await send({"type": "http.response.body", "body": _ERROR_BODY, "more_body": False})
