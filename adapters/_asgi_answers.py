"""The ASGI adapter's answers: the core's decisions as latin-1 bytes, remembered.

The core is protocol-neutral (``str`` only); this module encodes a decision
once and keeps the encoded answer in a memo of its own (:class:`Answers`, one
per policy of a middleware, ``bytes`` keys), so a repeated request costs one
dict lookup. ``policy.memo`` keeps only the core's ``str``-keyed decisions
(docs/architecture.md, "The memo"). The answers of an ``allow_origin_func``
that change are ``adapters/_asgi_dynamic.Dynamic``'s, kept in the same memo.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

from corecors import CORSPolicy, Decision
from corecors.engine import (
    MAX_METHOD_LENGTH,
    MAX_ORIGIN_LENGTH,
    MAX_REQUEST_HEADERS_LENGTH,
    Memo,
    Refusal,
    WriteGuard,
    preflight_parts,
    refused_write,
)

from ._asgi_headers import RawHeaders

#: A preflight's CORS request headers: origin, method, headers (or None), private network.
PreflightKey = tuple[bytes, bytes, bytes | None, bool]
Scope = MutableMapping[str, Any]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

_TEXT_PLAIN = (b"content-type", b"text/plain; charset=utf-8")
_ERROR_BODY = b"Internal Server Error"

# Values longer than the core accepts are cut to one byte over the limit before
# decoding, so a hostile 1 MiB header costs a slice, not a 1 MiB decode, and is
# still refused as too long.
ORIGIN_CUT = MAX_ORIGIN_LENGTH + 1
METHOD_CUT = MAX_METHOD_LENGTH + 1
REQUEST_HEADERS_CUT = MAX_REQUEST_HEADERS_LENGTH + 1

#: A request key over this size is never hashed as it is (see Answers.preflight).
MEMO_KEY_BYTES = 1024
#: The largest key a preflight is remembered by: its values cut (5,2xx bytes).
CUT_KEY_BYTES = ORIGIN_CUT + METHOD_CUT + REQUEST_HEADERS_CUT


def _encode(headers: tuple[tuple[str, str], ...] | list[tuple[str, str]]) -> RawHeaders:
    """Header pairs as ASGI wants them: lower-case latin-1 bytes."""
    return tuple((k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers)


#: What any other request's response gets (a memo value): why it was refused (None:
#: allowed; for the refusal log), the grants (Access-Control-*; empty: refused, or no
#: Origin), the block appended as it is (the grants and Vary), and the Vary value
#: (empty for a public policy's answer: no Vary is added). A plain tuple, unpacked
#: on every request (a NamedTuple's unpacking costs three times as much).
Actual = tuple[Refusal | None, RawHeaders, RawHeaders, bytes]


#: A complete preflight response (a memo value): status, header block, body, and why
#: it was refused (None: allowed). A plain tuple: unpacked on every preflight, which
#: costs a third of a NamedTuple's (see Actual).
Preflight = tuple[int, RawHeaders, bytes, Refusal | None]


def _actual_of(decision: Decision) -> Actual:
    grants = _encode(decision.headers)
    vary = ", ".join(decision.vary).encode("latin-1")
    block = (*grants, (b"vary", vary)) if vary else grants  # no Vary: a public policy
    return decision.refusal, grants, block, vary


def cut(key: PreflightKey) -> PreflightKey:
    """A preflight's values cut to one byte over the core's limits: all it decides on."""
    origin, method, headers, private_network = key
    return (
        origin[:ORIGIN_CUT],
        method[:METHOD_CUT],
        None if headers is None else headers[:REQUEST_HEADERS_CUT],
        private_network,
    )


def decoded(key: PreflightKey) -> tuple[str, str, str | None, bool]:
    """A preflight's values as the core takes them (cut, then decoded)."""
    origin, method, headers, private_network = cut(key)
    text = None if headers is None else headers.decode("latin-1")
    return origin.decode("latin-1"), method.decode("latin-1"), text, private_network


class Answers:
    """One policy's encoded answers, remembered by the request's header bytes.

    ``entries`` is the memo's dict, for the middleware's lookup without a call
    (``origin`` for an actual request, :data:`PreflightKey` for a preflight); a
    caller never hashes a request key over ``MEMO_KEY_BYTES``, and calls
    :meth:`actual` or :meth:`preflight` when the lookup missed. ``no_origin`` is
    the answer to a request without ``Origin`` (not a CORS request): ``Vary:
    Origin`` only, or a public policy's grant. ``guard``: the policy's write
    check (``protect_writes``), or None.
    """

    __slots__ = ("entries", "guard", "memo", "no_origin", "policy")

    def __init__(self, policy: CORSPolicy) -> None:
        self.policy = policy
        self.memo = Memo()
        self.entries = self.memo.entries  # cleared in place when full: always this dict
        self.no_origin = _actual_of(policy.decide("GET", None))
        self.guard: WriteGuard | None = policy.writes

    async def actual(self, scope: Scope, origin: bytes) -> Actual:
        """The encoded answer for a request with this ``Origin`` that ``entries`` did
        not hold (``scope``: the request, for an ``allow_origin_func`` taking the host)."""
        answer = _actual_of(self.policy.actual(origin[:ORIGIN_CUT].decode("latin-1")))
        if len(origin) <= MEMO_KEY_BYTES:  # never hash a huge value
            self.memo.put(origin, answer)
        return answer

    async def preflight(self, scope: Scope, key: PreflightKey, small: bool) -> Preflight:
        """The encoded preflight response for ``key`` ``(origin, method, headers or
        None, private network)``, which the caller did not find in ``entries``
        (``small``: it was not too big to look up, see ``MEMO_KEY_BYTES``).

        A request too big to hash is remembered by its values cut to one byte over
        the core's limits, which is all the core decides on: a key of at most
        ``CUT_KEY_BYTES``, so that a flood of 1 MiB headers costs a slice and a
        bounded hash each, not a decision each.
        """
        if not small:
            key = cut(key)
            remembered: Preflight | None = self.entries.get(key)
            if remembered is not None:
                return remembered
        answer = self.encoded_preflight(self.policy.preflight(*decoded(key)))
        self.memo.put(key, answer)
        return answer

    def encoded_preflight(self, decision: Decision) -> Preflight:
        """The preflight response of ``decision``, encoded once per distinct response.

        Hostile requests are too big to remember by their own bytes, but they all
        get the same few responses: those are remembered by the response itself
        (a key of bounded size; its first item, an int, is no request key's).
        """
        key = (decision.status, decision.headers, decision.vary, decision.body)
        parts: tuple[int, RawHeaders, bytes] | None = self.entries.get(key)
        if parts is None:
            status, block, body = preflight_parts(decision)
            parts = (status, _encode(block), body)
            self.memo.put(key, parts)
        return (*parts, decision.refusal)

    def encoded_actual(self, decision: Decision) -> Actual:
        """A decision encoded once: the core keeps one Decision per (origin, answer), so
        the encoding is remembered by the Decision's identity (an int key: no request's)."""
        entry: tuple[Decision, Actual] | None = self.entries.get(id(decision))
        if entry is None or entry[0] is not decision:  # an id may be reused once freed
            entry = (decision, _actual_of(decision))
            self.memo.put(id(decision), entry)
        return entry[1]


_NOT_TRUSTED = (b"*", b"null")  # grants that never trust a write (docs/cookies-and-csrf.md)


def write_answer(
    answers: Answers,
    method: str,
    origin: bytes | None,
    headers: Iterable[tuple[bytes, bytes]],
    grants: RawHeaders,
) -> tuple[Refusal, Preflight] | None:
    """Why ``answers.guard`` (the policy's ``protect_writes``) refuses a write, and the
    403 to send; None when it does not (or there is no guard).

    ``grants``: the request's encoded CORS grant; a credentialed grant of the
    origin itself trusts it at once. The host is the ``Host`` header as the
    server received it (never a URL rebuilt from it).
    """
    guard = answers.guard
    if guard is None or (guard.credentials and grants and grants[0][1] not in _NOT_TRUSTED):
        return None
    site = host = None
    for name, value in headers:
        if name == b"sec-fetch-site":
            site = value[:64].decode("latin-1")
        elif name == b"host":
            host = value[:ORIGIN_CUT].decode("latin-1")
    text = None if origin is None else origin[:ORIGIN_CUT].decode("latin-1")
    refusal = guard.refusal(method, text, site, host)
    if refusal is None:
        return None
    policy = answers.policy
    decision = policy.actual(text) if text is not None else policy.decide("GET", None)
    status, block, body = preflight_parts(refused_write(decision, refusal))
    return refusal, (status, _encode(block), body, refusal)


async def send_preflight(send: Send, answer: Preflight) -> None:
    """Send a complete answer (a preflight's, or a refused write's 403)."""
    status, headers, body, _ = answer
    # A fresh list: an outer middleware may edit it in place.
    await send({"type": "http.response.start", "status": status, "headers": list(headers)})
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def send_error(send: Send, answer: Actual, started: list[bool]) -> None:
    """A 500 with the CORS headers of a granted ``answer``, for an app that failed
    before responding (``started`` empty); nothing otherwise.

    Starlette's ServerErrorMiddleware sits outside user middleware, so its 500
    would reach the browser without CORS headers and show up as a misleading
    CORS error; the caller re-raises for the server to log. (Wrapping the whole
    app instead, CORSMiddleware(app), decorates the framework's own 500 page.)
    """
    _, grants, block, _ = answer
    if not grants or started:
        return
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
