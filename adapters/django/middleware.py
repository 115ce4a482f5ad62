"""``CORSMiddleware`` for Django: sync under WSGI, async under ASGI, no thread hop.

Put it as high as possible in ``MIDDLEWARE`` (right after SecurityMiddleware):
it answers preflights itself, before any redirect (CommonMiddleware's
APPEND_SLASH), authentication or view, and it decorates every other response,
404s and 500s included, because Django turns a view's exception into a response
before it reaches this middleware.

Per request: the router's policy, ``decide_cgi`` on ``request.META`` (the
adapter toolkit, shared with WSGI), and the decision's precomputed header pairs
written into the response (docs/architecture.md).

A view decorated with :func:`corecors.adapters.django.cross_origin` has its own
policy: in a URLconf that routes to a decorated view, requests are resolved
to their view first (``django.urls.resolve``, remembered per path), and a
decorated view's policy replaces the router's.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, cast

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.core.signals import setting_changed
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase, ResponseHeaders

from corecors import Decision
from corecors.decision import ACTUAL_RESPONSE_HEADERS
from corecors.memo import RefusalLog
from corecors.response import PREFLIGHT_CONTENT_TYPE, preflight_parts, vary_value
from corecors.writes import SAFE_METHODS

from .._common import Router, decide_cgi, guard_write, log_kind
from ._decorators import request_host, view_policy
from .conf import is_cors_setting, load_policy, warn_if_not_installed

GetResponse = Callable[[HttpRequest], HttpResponseBase | Awaitable[HttpResponseBase]]


class CORSMiddleware:
    """Django middleware applying the policy from the settings (see ``conf``).

    ``get_response`` (``Callable[[HttpRequest], HttpResponseBase]``, sync or
    async): the next layer, as Django passes it. Raises
    :class:`corecors.CORSConfigError` at construction (start-up) for a bad
    configuration; a configuration changed later (``override_settings``) is
    rebuilt on the next request, which then raises it.

    With ``CORECORS_PROTECT_WRITES = True`` (or a policy's ``protect_writes``) a
    refused write (:mod:`corecors.writes`) is answered 403 here, before any view;
    its Origin is compared with ``request.get_host()`` (``ALLOWED_HOSTS``
    checked; a disallowed host is no match, never a 500).

    Each refused request is logged on the ``corecors`` logger with its reason
    and fix: at WARNING when ``settings.DEBUG`` is true (``runserver``'s
    console shows it with Django's default logging), else at DEBUG; at most
    50 lines a minute per process, then a count.
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response
        # Under ASGI Django hands us an async get_response; marking ourselves as
        # a coroutine function keeps the whole chain in the event loop (a sync
        # middleware would cost a thread hop per request).
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)
        self._router: Router | None = None
        self._refusals = RefusalLog()
        self._reload()  # read the settings now: a bad configuration fails at start-up
        warn_if_not_installed()
        # A weak reference: a middleware that Django drops also drops its receiver.
        setting_changed.connect(self._setting_changed)

    def __call__(self, request: HttpRequest) -> HttpResponseBase | Awaitable[HttpResponseBase]:
        """The sync entry point (or the async one's coroutine under ASGI)."""
        if self.async_mode:
            return self.__acall__(request)
        decision = self._decide(request)
        if decision is not None and decision.status is not None:
            return _preflight_response(decision)  # a preflight ends here (Fetch §4.8)
        response = cast(HttpResponseBase, self.get_response(request))
        if decision is not None:
            _decorate(response, decision)
        return response

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        """The async entry point: the same steps as ``__call__``, awaiting the view."""
        decision = self._decide(request)
        if decision is not None and decision.status is not None:
            return _preflight_response(decision)
        response = await cast(Awaitable[HttpResponseBase], self.get_response(request))
        if decision is not None:
            _decorate(response, decision)
        return response

    def _decide(self, request: HttpRequest) -> Decision | None:
        """The decision for ``request``; None for a path no policy covers."""
        router = self._router
        if router is None:  # settings changed since the last request
            router = self._reload()
        # The one place the path is read: path_info, below the script prefix. A
        # @cross_origin view's own policy replaces the router's (looked for only
        # in a URLconf with decorated views), preflights and error pages included.
        policy = view_policy(request) or router.single or router.for_path(request.path_info)
        if policy is None:
            return None
        method = request.method or ""
        decision = decide_cgi(policy, request.META, method)
        writes = policy.writes
        if writes is not None and method not in SAFE_METHODS:  # protect_writes
            decision = guard_write(writes, request.META, method, decision, request_host(request))
        if decision.refusal is not None:
            level = logging.WARNING if settings.DEBUG else logging.DEBUG
            self._refusals.log(level, log_kind(decision), decision.refusal)
        return decision

    def _reload(self) -> Router:
        router = self._router = Router(load_policy().policy)
        return router

    def _setting_changed(self, *, setting: str, **kwargs: Any) -> None:
        # Rebuilt lazily, on the next request: override_settings sends one signal
        # per setting (building here would build and warn once per setting), and a
        # bad value then fails the request that uses it, not the unrelated code
        # that changed the settings.
        if is_cors_setting(setting):
            self._router = None

    def __repr__(self) -> str:
        shown = None if self._router is None else self._router.policy
        return f"<CORSMiddleware {shown!r}>"


def _preflight_response(decision: Decision) -> HttpResponse:
    status, headers, body = preflight_parts(decision)
    response = HttpResponse(body, status=status, content_type=PREFLIGHT_CONTENT_TYPE)
    _write(response.headers, headers)
    if not decision.allowed:  # a refused preflight or write (403)
        # Django logs every 4xx as a WARNING ("Bad Request: /path"): anyone could
        # flood the log with refused preflights. The middleware logged the reason
        # (logger "corecors", bounded); this is Django's own opt-out flag.
        response._has_been_logged = True  # type: ignore[attr-defined]
    return response


def _decorate_store(response: HttpResponseBase, decision: Decision) -> None:
    """Apply a decision on Django's header dict itself (10x faster than its public API).

    ``ResponseHeaders.__setitem__`` re-validates every value (about a microsecond
    each, more than the whole CORS decision). Ours need no validation: names and
    configured values were validated when the policy was built, and the one
    request value we echo, the origin, passed the core's serialised-origin check
    (ASCII, no CR/LF). The app's Vary value was validated when it was set. The
    result equals :func:`corecors.response.apply_decision`'s (tested).
    """
    store = response.headers._store
    if decision.headers:
        # A granted decision replaces the app's own copies: a duplicate
        # Access-Control-Allow-Origin makes the browser fail the request (Fetch).
        for name in ACTUAL_RESPONSE_HEADERS:  # lower-case, the store's keys
            store.pop(name, None)
        for name, value in decision.headers:
            store[name.lower()] = (name, value)
    if not decision.vary:  # a public policy's answer: the app's Vary stays as it is
        return
    vary = store.get("vary")
    store["vary"] = ("Vary", vary_value(None if vary is None else vary[1], decision.vary))


# Excluded from coverage: the fallback for a future Django whose ResponseHeaders
# has no ``_store`` dict (chosen at import below; this Django has one).
def _decorate_public(  # pragma: no cover
    response: HttpResponseBase, decision: Decision
) -> None:
    """The same through Django's public header API (validating every value)."""
    headers = response.headers
    if decision.headers:
        for name in ACTUAL_RESPONSE_HEADERS:
            headers.pop(name, None)
        _write(headers, decision.headers)
    if not decision.vary:
        return
    vary = headers.pop("Vary", None)  # Django's pop returns the (name, value) pair
    headers["Vary"] = vary_value(None if vary is None else vary[1], decision.vary)


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
    _decorate, _write = _decorate_store, _store_write
else:  # pragma: no cover - a future Django that stores headers differently
    _decorate, _write = _decorate_public, _public_write
