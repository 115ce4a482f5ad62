"""The outcome of one CORS check, ready for an adapter to apply."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, NamedTuple

Kind = Literal["none", "preflight", "actual"]
Headers = tuple[tuple[str, str], ...]

MAX_METHOD_LENGTH = 64

ACTUAL_VARY = ("Origin",)
PREFLIGHT_VARY = ("Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers")
PNA_VARY = (*PREFLIGHT_VARY, "Access-Control-Request-Private-Network")

#: Response headers a granted actual request sets; an adapter removes the
#: application's own copies of these so that exactly one of each is sent.
ACTUAL_RESPONSE_HEADERS = frozenset(
    {
        "access-control-allow-origin",
        "access-control-allow-credentials",
        "access-control-expose-headers",
    }
)


class Refusal(NamedTuple):
    """Why a request was refused, in parts an adapter can word in its own vocabulary.

    - ``what`` (``str``): the part that failed: ``"origin"``, ``"method"``,
      ``"headers"`` or ``"private-network"``.
    - ``text`` (``str``): the reason worded with the ``CORSPolicy`` keywords, as in
      ``Decision.reason`` (built without formatting: refusals are on the hot path of
      hostile traffic).
    - ``template`` (``str``): the reason with the fields ``{value}`` and ``{option}``.
    - ``value`` (``str``, default ``""``): the request's value, already shortened and
      quoted.
    - ``option`` (``str | None``, default None): the option that would allow it, by its
      ``CORSPolicy`` keyword; None when there is none to name.
    """

    what: str
    text: str  # the template rendered with the CORSPolicy keywords: Decision.reason
    template: str
    value: str = ""
    option: str | None = None

    def render(self, name: Callable[[str], str] | None = None) -> str:
        """The reason as text. Raises nothing.

        - ``name`` (``Callable[[str], str] | None``, default None): maps an option
          keyword to the user's spelling (e.g. Django's ``CORS_ALLOWED_ORIGINS``);
          None keeps the keywords.
        """
        if name is None:
            return self.text
        return self.template.format(value=self.value, option=name(self.option or ""))


class Decision(NamedTuple):
    """What to do with one request; build it by keyword. Fields:

    - ``kind`` (``"none"``, ``"preflight"`` or ``"actual"``): ``"none"``: the request
      has no ``Origin``, no CORS processing (the response still varies on
      ``Origin``); ``"preflight"``: an ``OPTIONS`` request with ``Origin`` and
      ``Access-Control-Request-Method`` (Fetch §4.8, CORS-preflight request),
      answered by the adapter without reaching the application; ``"actual"``: any
      other request with an ``Origin``, which reaches the application.
    - ``allowed`` (``bool``): whether the origin (and, for a preflight, the method,
      headers and private-network request) is allowed. A refused actual request still
      reaches the application, without CORS headers: the browser hides the response.
    - ``status`` (``int | None``): a preflight's response status, 200 when allowed,
      400 when refused; None for the other kinds (the application's status stands).
    - ``headers`` (``str`` pairs): the ``Access-Control-*`` headers to add; never
      ``Vary``: adapters merge ``vary`` into the response's own Vary header instead
      of replacing it (corecors.response does).
    - ``vary`` (``tuple[str, ...]``): the header names the response varies on.
    - ``reason`` (``str | None``): why the request was refused, for the server log
      (None when allowed); never sent to the client.
    - ``body`` (``bytes``, default ``b''``): the preflight response body: empty when
      allowed, a short reason when refused, empty for the other kinds.
    - ``refusal`` (``Refusal | None``, default None): ``reason`` in parts, for
      adapters that word it themselves.

    An empty ``vary`` (a public policy's answer, the same for every origin) adds
    no Vary at all.

    Every header name and value is a ``str``; an adapter encodes them as its
    protocol needs (the ASGI adapter to latin-1 bytes, once, in the memo).
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
    refusal: Refusal | None = None


# The body of a refused preflight, by what failed: says what, never echoes the request.
REFUSAL_BODIES = {
    what: f"CORS preflight refused: {what} not allowed (the server log, logger 'corecors', "
    "says why)".encode("ascii")
    for what in ("origin", "method", "headers", "private-network")
}
NO_ORIGIN = Decision(
    kind="none",
    allowed=False,
    status=None,
    headers=(),
    vary=ACTUAL_VARY,
    reason="no Origin header",
)
