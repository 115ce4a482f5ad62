"""The ASGI adapter's answers: the core's decisions as latin-1 bytes, remembered.

The core is protocol-neutral (``str`` only); this module encodes a decision
once and keeps the encoded answer in a memo of its own (:class:`Answers`, one
per policy, ``bytes`` keys), so a repeated request costs one dict lookup. The
core's memo keeps its own ``str`` answers apart. :func:`merge_raw` is the
header merge on ``bytes`` pairs (the ``str`` one is
:func:`corecors.response.apply_decision`; a test proves them equivalent).
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, NamedTuple

from corecors import CORSPolicy, Decision
from corecors.decision import ACTUAL_RESPONSE_HEADERS, MAX_METHOD_LENGTH, Refusal
from corecors.memo import Memo
from corecors.origins import MAX_ORIGIN_LENGTH
from corecors.response import preflight_parts, vary_value
from corecors.tokens import MAX_REQUEST_HEADERS_LENGTH

RawHeaders = tuple[tuple[bytes, bytes], ...]
#: A preflight's CORS request headers: origin, method, headers (or None), private network.
PreflightKey = tuple[bytes, bytes, bytes | None, bool]

# Values longer than the core accepts are cut to one byte over the limit before
# decoding, so a hostile 1 MiB header costs a slice, not a 1 MiB decode, and is
# still refused as too long.
ORIGIN_CUT = MAX_ORIGIN_LENGTH + 1
METHOD_CUT = MAX_METHOD_LENGTH + 1
REQUEST_HEADERS_CUT = MAX_REQUEST_HEADERS_LENGTH + 1

# A key over this size is never hashed as it is (see Answers.preflight).
MEMO_KEY_BYTES = 1024
#: The largest key a preflight is remembered by: its values cut (5,2xx bytes).
CUT_KEY_BYTES = ORIGIN_CUT + METHOD_CUT + REQUEST_HEADERS_CUT

#: A granted decision replaces the application's own copies of these: a duplicate
#: Access-Control-Allow-Origin makes the browser fail the request (Fetch).
GRANT_NAMES = frozenset(name.encode("latin-1") for name in ACTUAL_RESPONSE_HEADERS)
#: Response header names (lower case) that need more than appending.
SPECIAL_NAMES = GRANT_NAMES | {b"vary"}


def _encode(headers: tuple[tuple[str, str], ...] | list[tuple[str, str]]) -> RawHeaders:
    """Header pairs as ASGI wants them: lower-case latin-1 bytes."""
    return tuple((k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers)


class Actual(NamedTuple):
    """What any other request's response gets, ready to append (a memo value)."""

    refusal: Refusal | None  # why it was refused, for the middleware's refusal log
    grants: RawHeaders  # Access-Control-* (empty: refused, or no Origin)
    block: RawHeaders  # the grants and Vary, appended as they are
    vary: bytes  # empty for a public policy's answer: no Vary is added


class Preflight(NamedTuple):
    """A complete preflight response: status, header block, body (a memo value)."""

    status: int
    headers: RawHeaders
    body: bytes
    refusal: Refusal | None


def _actual_of(decision: Decision) -> Actual:
    grants = _encode(decision.headers)
    vary = ", ".join(decision.vary).encode("latin-1")
    block = (*grants, (b"vary", vary)) if vary else grants  # no Vary: a public policy
    return Actual(decision.refusal, grants, block, vary)


class Answers:
    """One policy's encoded answers, remembered by the request's header bytes.

    ``no_origin`` is the answer to a request without ``Origin`` (not a CORS
    request): ``Vary: Origin`` only, or a public policy's grant. A policy whose
    answers may change (``allow_origin_func``: the core keeps no memo for it)
    has no memo here either.
    """

    __slots__ = ("_memo", "entries", "no_origin", "policy")

    def __init__(self, policy: CORSPolicy) -> None:
        self.policy = policy
        self._memo = None if policy.memo is None else Memo()
        #: The remembered answers, for a lookup without a call (empty without a memo);
        #: a caller never hashes a request key over ``MEMO_KEY_BYTES`` (see ``preflight``).
        self.entries: dict[Hashable, Any] = {} if self._memo is None else self._memo.entries
        self.no_origin = _actual_of(policy.decide("GET", None))

    def actual(self, origin: bytes) -> Actual:
        """The encoded answer for a request with this ``Origin``."""
        memo = self._memo
        if memo is None or len(origin) > MEMO_KEY_BYTES:  # never hash a huge value
            return self._actual(origin)
        answer: Actual | None = memo.entries.get(origin)
        if answer is None:
            answer = self._actual(origin)
            memo.put(origin, answer)
        return answer

    def _actual(self, origin: bytes) -> Actual:
        return _actual_of(self.policy.actual(origin[:ORIGIN_CUT].decode("latin-1")))

    def preflight(self, key: PreflightKey, small: bool) -> Preflight:
        """The encoded preflight response for ``key`` ``(origin, method, headers or
        None, private network)``, which the caller did not find in ``entries``
        (``small``: it was not too big to look up, see ``MEMO_KEY_BYTES``).

        A request too big to hash is remembered by the values cut to one byte over
        the core's limits, which is all the core decides on: a key of at most
        ``CUT_KEY_BYTES``, so that a flood of 1 MiB headers costs a slice and a
        bounded hash each, not a decision each.
        """
        memo = self._memo
        if memo is None:
            return self._preflight(key)
        if not small:
            origin, method, headers, private_network = key
            key = (
                origin[:ORIGIN_CUT],
                method[:METHOD_CUT],
                None if headers is None else headers[:REQUEST_HEADERS_CUT],
                private_network,
            )
            remembered: Preflight | None = memo.entries.get(key)
            if remembered is not None:
                return remembered
        answer = self._preflight(key)
        memo.put(key, answer)
        return answer

    def _preflight(self, key: PreflightKey) -> Preflight:
        """The preflight response, encoded once per distinct response.

        Hostile requests are too big to remember by their own bytes, but they all
        get the same few responses: those are remembered by the response itself
        (a key of bounded size; its first item, an int, is no request key's).
        """
        origin, method, headers, private_network = key
        decision = self.policy.preflight(
            origin[:ORIGIN_CUT].decode("latin-1"),
            method[:METHOD_CUT].decode("latin-1"),
            None if headers is None else headers[:REQUEST_HEADERS_CUT].decode("latin-1"),
            private_network,
        )
        memo = self._memo
        parts_key = (decision.status, decision.headers, decision.vary, decision.body)
        parts: Preflight | None = None if memo is None else memo.entries.get(parts_key)
        if parts is None:
            status, block, body = preflight_parts(decision)
            parts = Preflight(status, _encode(block), body, None)
            if memo is not None:
                memo.put(parts_key, parts)
        return Preflight(parts.status, parts.headers, parts.body, decision.refusal)


def merge_raw(app_headers: list[Any], grants: RawHeaders, vary: bytes) -> list[Any]:
    """:func:`corecors.response.apply_decision` on ``bytes`` pairs, names in any case.

    The application's headers (not modified) with its Vary merged with ``vary``
    (or, when that is empty, a public policy's answer, left as it is) and, when
    ``grants`` is not empty, its own copies of the grant headers replaced by
    them. Applications may send names in any case (Django's ASGI handler sends
    ``b"Vary"``); the grants and Vary added are lower case, as ASGI wants.
    """
    headers: list[Any] = []
    app_vary: list[str] = []
    for header in app_headers:
        name = header[0].lower()
        if name == b"vary":
            app_vary.append(header[1].decode("latin-1"))
            if not vary:  # the application's Vary stays as it is, in its place
                headers.append(header)
        elif not (grants and name in GRANT_NAMES):
            headers.append(header)
    headers += grants
    if vary:  # never replacing or duplicating the application's own tokens
        tokens = tuple(vary.decode("latin-1").split(", "))
        merged = vary_value(", ".join(app_vary) if app_vary else None, tokens)
        headers.append((b"vary", merged.encode("latin-1")))
    return headers


# Response header names seen that need no merging, as the application writes
# them: learned on first sight (a bounded set), so that the common case costs one
# set lookup per header whatever the case of the names.
ORDINARY: set[bytes] = set()


def needs_merge(name: bytes) -> bool:
    """Whether a response header name not in ``ORDINARY`` needs more than appending."""
    if name.lower() in SPECIAL_NAMES:
        return True
    if len(ORDINARY) >= Memo.LIMIT:
        ORDINARY.clear()
    ORDINARY.add(name)
    return False
