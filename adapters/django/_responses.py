"""Django responses for a decision, and the refusal log: what the middleware and
``cross_origin`` share (both import this module; neither imports the other's code).

Header merging is :func:`corecors.engine.apply_decision`'s (``str`` pairs) when the
application set something to merge; this module moves pairs in and out of
Django's header dict, and never leaves one request's grant on a response object
that a view returns again (a copy is decorated instead).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.http import HttpResponse
from django.http.response import HttpResponseBase, ResponseHeaders

from corecors import Decision
from corecors.engine import (
    ACTUAL_RESPONSE_HEADERS,
    MERGED_HEADERS,
    PREFLIGHT_CONTENT_TYPE,
    RefusalLog,
    apply_decision,
    preflight_parts,
    vary_value,
)

from .._common import log_kind

#: Every refusal of this process, from the middleware and from decorated views
#: answering without it: at most 50 lines a minute, then a count.
REFUSALS = RefusalLog()
#: On a response corecors decorated: (the decision, the Vary and the grants before).
WRITTEN = "_corecors_written"


def log_refusal(decision: Decision) -> None:
    """Log a refused decision once: WARNING when ``settings.DEBUG``, else DEBUG."""
    if decision.refusal is not None:
        level = logging.WARNING if settings.DEBUG else logging.DEBUG
        REFUSALS.log(level, log_kind(decision), decision.refusal)


def preflight_response(decision: Decision) -> HttpResponse:
    """The complete answer to a preflight (Fetch §4.8)."""
    status, headers, body = preflight_parts(decision)
    response = HttpResponse(body, status=status, content_type=PREFLIGHT_CONTENT_TYPE)
    write(response.headers, headers)
    if not decision.allowed:
        # Django logs every 4xx as a WARNING ("Bad Request: /path"): anyone could
        # flood the log with refused preflights. The middleware logged the reason
        # (logger "corecors", bounded); this is Django's own opt-out flag.
        response._has_been_logged = True  # type: ignore[attr-defined]
    return response


def _decorate_store(response: HttpResponseBase, decision: Decision) -> HttpResponseBase:
    """Apply a decision on Django's header dict itself (10x faster than its public API).

    ``ResponseHeaders.__setitem__`` re-validates every value (about a microsecond
    each, more than the whole CORS decision). Ours need no validation: names and
    configured values were validated when the policy was built, and the one
    request value we echo, the origin, passed the core's serialised-origin check
    (ASCII, no CR/LF). The app's Vary value was validated when it was set. The
    result is :func:`corecors.engine.apply_decision`'s.

    Returns the response to send: ``response`` itself the first time, and a copy
    when this object was decorated before (a view that returns one shared
    response object): the copy has the previous request's grants taken out, so
    they never reach another origin or an Origin-less request, and the shared
    object is never written again (concurrent requests may be sending it).
    """
    store = response.headers._store
    vary = store.get("vary")
    # What the headers were before: undone on a copy if this object comes back.
    own: tuple[tuple[str, _Pair], ...] = ()
    if decision.headers and not ACTUAL_RESPONSE_HEADERS.isdisjoint(store):  # rare
        own = tuple((n, store[n]) for n in ACTUAL_RESPONSE_HEADERS if n in store)
    mark = (decision, vary, own)
    if response.__dict__.setdefault(WRITTEN, mark) is not mark:  # decorated before
        response = _copy(response)
        response.__dict__[WRITTEN] = mark
        store = response.headers._store
    if store.keys().isdisjoint(MERGED_HEADERS):  # nothing to merge: an append
        for name, value in decision.headers:
            store[name.lower()] = (name, value)
        if decision.vary:
            store["vary"] = ("Vary", ", ".join(decision.vary))
        return response
    # The one str merge (apply_decision): a grant replaces the app's own copies (a
    # duplicate Access-Control-Allow-Origin fails the request), Vary tokens merge.
    pairs = apply_decision(list(store.values()), decision)
    store.clear()
    for name, value in pairs:
        store[name.lower()] = (name, value)
    return response


_Pair = tuple[str, str]


def _copy(response: HttpResponseBase) -> HttpResponseBase:
    """A shallow copy of a response decorated before, with what corecors wrote
    then undone (a value the view changed since is kept)."""
    copied = object.__new__(type(response))
    copied.__dict__.update(response.__dict__)
    store = dict(response.headers._store)
    decision, vary, own = response.__dict__[WRITTEN]
    for name, value in decision.headers:
        if store.get(name.lower()) == (name, value):
            del store[name.lower()]
    for name, pair in own:
        store.setdefault(name, pair)
    if decision.vary:
        written = ("Vary", vary_value(None if vary is None else vary[1], decision.vary))
        if store.get("vary") == written:
            if vary is None:
                del store["vary"]
            else:
                store["vary"] = vary
    headers = ResponseHeaders({})
    headers._store = store
    copied.headers = headers
    return copied


# Excluded from coverage: the fallback for a future Django whose ResponseHeaders
# has no ``_store`` dict (chosen at import below; this Django has one).
def _decorate_public(  # pragma: no cover
    response: HttpResponseBase, decision: Decision
) -> HttpResponseBase:
    """The same through Django's public header API (validating every value)."""
    headers = response.headers
    pairs = apply_decision(list(headers.items()), decision)
    for name in list(headers):
        del headers[name]
    _public_write(headers, pairs)
    return response


def _store_write(headers: ResponseHeaders, pairs: Iterable[tuple[str, str]]) -> None:
    store = headers._store
    for name, value in pairs:
        store[name.lower()] = (name, value)


def _public_write(  # pragma: no cover - the same fallback, see _decorate_public
    headers: ResponseHeaders, pairs: Iterable[tuple[str, str]]
) -> None:
    for name, value in pairs:
        headers[name] = value


def _has_header_store() -> bool:
    """Whether Django keeps response headers as ``{lower name: (name, value)}`` (3.2+)."""
    headers = ResponseHeaders({"Vary": "Origin"})
    return getattr(headers, "_store", None) == {"vary": ("Vary", "Origin")}


# Chosen once: the fast path on the Django versions we know, the public API otherwise.
if _has_header_store():
    decorate, write = _decorate_store, _store_write
else:  # pragma: no cover - a future Django that stores headers differently
    decorate, write = _decorate_public, _public_write
