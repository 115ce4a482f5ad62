"""Django responses for a decision, and the refusal log: what the middleware and
``cross_origin`` share (both import this module; neither imports the other's code
at run time).

Header merging is :func:`corecors.response.apply_decision`'s (``str`` pairs);
this module only moves pairs in and out of Django's header dict.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.http import HttpResponse
from django.http.response import HttpResponseBase, ResponseHeaders

from corecors import Decision
from corecors.memo import RefusalLog
from corecors.response import (
    MERGED_HEADERS,
    PREFLIGHT_CONTENT_TYPE,
    apply_decision,
    preflight_parts,
)

#: Every refusal of this process, from the middleware and from decorated views
#: answering without it: at most 50 lines a minute, then a count.
REFUSALS = RefusalLog()


def log_refusal(decision: Decision) -> None:
    """Log a refused decision once: WARNING when ``settings.DEBUG``, else DEBUG."""
    if decision.refusal is not None:
        level = logging.WARNING if settings.DEBUG else logging.DEBUG
        REFUSALS.log(level, decision.kind, decision.refusal)


def preflight_response(decision: Decision) -> HttpResponse:
    """The complete answer to a preflight (Fetch §4.8)."""
    status, headers, body = preflight_parts(decision)
    response = HttpResponse(body, status=status, content_type=PREFLIGHT_CONTENT_TYPE)
    write(response.headers, headers)
    if not decision.allowed:
        # Django logs every 4xx as a WARNING ("Bad Request: /path"): anyone could
        # flood the log with refused preflights. The refusal was logged (logger
        # "corecors", bounded); this is Django's own opt-out flag.
        response._has_been_logged = True  # type: ignore[attr-defined]
    return response


def _decorate_store(response: HttpResponseBase, decision: Decision) -> None:
    """Apply a decision on Django's header dict itself (10x faster than its public API).

    ``ResponseHeaders.__setitem__`` re-validates every value (about a microsecond
    each, more than the whole CORS decision). Ours need no validation: names and
    configured values were validated when the policy was built, and the one
    request value we echo, the origin, passed the core's serialised-origin check
    (ASCII, no CR/LF). The app's own values were validated when they were set.
    """
    store = response.headers._store
    if store.keys().isdisjoint(MERGED_HEADERS):  # nothing to merge: an append, as in apply_decision
        for name, value in decision.headers:
            store[name.lower()] = (name, value)
        if decision.vary:
            store["vary"] = ("Vary", ", ".join(decision.vary))
        return
    pairs = apply_decision(list(store.values()), decision)
    store.clear()
    for name, value in pairs:
        store[name.lower()] = (name, value)


# Excluded from coverage: the fallback for a future Django whose ResponseHeaders
# has no ``_store`` dict (chosen at import below; this Django has one).
def _decorate_public(  # pragma: no cover
    response: HttpResponseBase, decision: Decision
) -> None:
    """The same through Django's public header API (validating every value)."""
    headers = response.headers
    pairs = apply_decision(list(headers.items()), decision)
    for name in list(headers):
        del headers[name]
    _public_write(headers, pairs)


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
