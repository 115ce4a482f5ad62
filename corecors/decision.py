"""The outcome of one CORS check, ready for an adapter to apply."""

from __future__ import annotations

from typing import Literal, NamedTuple

Kind = Literal["none", "preflight", "actual"]
Headers = tuple[tuple[str, str], ...]
RawHeaders = tuple[tuple[bytes, bytes], ...]


class Decision(NamedTuple):
    """What to do with one request.

    ``headers`` never contains ``Vary``: adapters merge ``vary`` into the
    response's own Vary header instead of replacing it. ``raw_headers`` and
    ``raw_vary`` are the same data as lower-case latin-1 bytes, for ASGI.
    ``body`` is the preflight response body (empty for other kinds).

    A NamedTuple rather than a dataclass: it is immutable and building one per
    request costs a single tuple allocation.
    """

    kind: Kind
    allowed: bool
    status: int | None
    headers: Headers
    vary: tuple[str, ...]
    reason: str | None
    body: bytes = b""
    raw_headers: RawHeaders = ()
    raw_vary: bytes = b""


def encode_headers(headers: Headers) -> RawHeaders:
    """Header pairs as ASGI wants them: lower-case latin-1 bytes."""
    return tuple((k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers)
