"""``CORSMiddleware`` for Django: sync under WSGI, async under ASGI, no thread hop.

Put it as high as possible in ``MIDDLEWARE`` (right after SecurityMiddleware):
it answers preflights itself, before any redirect (CommonMiddleware's
APPEND_SLASH), authentication or view, and it decorates every other response,
404s and 500s included, because Django turns a view's exception into a response
before it reaches this middleware.

Per request: read three or four ``request.META`` keys, one ``policy.decide()``,
and write the decision's precomputed header pairs into the response.

A view decorated with :func:`corecors.adapters.django.cross_origin` has its own
policy: once any view is decorated, requests with an ``Origin`` are resolved to
their view first (``django.urls.resolve``), and a decorated view's policy
replaces the settings' one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, cast

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.core.signals import setting_changed
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase, ResponseHeaders

from corecors import CORSPolicy, Decision, PathPolicies, merge_vary
from corecors.policy import ACTUAL_RESPONSE_HEADERS, ACTUAL_VARY

from .conf import is_cors_setting, load_policy
from .decorators import view_policy

GetResponse = Callable[[HttpRequest], HttpResponseBase | Awaitable[HttpResponseBase]]

# The WSGI/ASGI request headers the decision needs, as Django names them in META.
_ORIGIN = "HTTP_ORIGIN"
_REQUEST_METHOD = "HTTP_ACCESS_CONTROL_REQUEST_METHOD"
_REQUEST_HEADERS = "HTTP_ACCESS_CONTROL_REQUEST_HEADERS"
_REQUEST_PRIVATE_NETWORK = "HTTP_ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK"
_PREFLIGHT_CONTENT_TYPE = "text/plain; charset=utf-8"
_VARY_ORIGIN = ("Vary", ", ".join(ACTUAL_VARY))


class CORSMiddleware:
    """Django middleware applying the policy from the settings (see ``conf``)."""

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
        self._policy: CORSPolicy | None = None
        self._routes: PathPolicies | None = None
        self._stale = True
        self._reload()  # read the settings now: a bad configuration fails at start-up
        # A weak reference: a middleware that Django drops also drops its receiver.
        setting_changed.connect(self._setting_changed)

    def __call__(self, request: HttpRequest) -> HttpResponseBase | Awaitable[HttpResponseBase]:
        if self.async_mode:
            return self.__acall__(request)
        if self._policy is not None and _ORIGIN not in request.META:
            # The most common request by far (same-origin, curl, crawlers): no
            # decision to make, only Vary: Origin (what decide() says for it).
            response = cast(HttpResponseBase, self.get_response(request))
            _vary_origin(response)
            return response
        decision = self._decide(request)
        if decision is None:  # a path that no policy covers: no CORS processing
            return cast(HttpResponseBase, self.get_response(request))
        if decision.status is not None:  # a preflight ends here (DESIGN §3)
            return _preflight_response(decision)
        response = cast(HttpResponseBase, self.get_response(request))
        _decorate(response, decision)
        return response

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        if self._policy is not None and _ORIGIN not in request.META:
            response = await cast(Awaitable[HttpResponseBase], self.get_response(request))
            _vary_origin(response)
            return response
        decision = self._decide(request)
        if decision is None:
            return await cast(Awaitable[HttpResponseBase], self.get_response(request))
        if decision.status is not None:
            return _preflight_response(decision)
        response = await cast(Awaitable[HttpResponseBase], self.get_response(request))
        _decorate(response, decision)
        return response

    def _decide(self, request: HttpRequest) -> Decision | None:
        # A @cross_origin view's own policy replaces the settings' (found only
        # once a view has been decorated), preflights and error pages included.
        policy = view_policy(request) or self._policy
        if policy is None:  # per-path policies, or settings changed since the last request
            policy = self._policy_for(request.path_info)
            if policy is None:
                return None
        meta = request.META
        method = request.method or ""
        if method == "OPTIONS":
            return policy.decide(
                method,
                meta.get(_ORIGIN),
                meta.get(_REQUEST_METHOD),
                meta.get(_REQUEST_HEADERS),  # several lines arrive joined with ","
                meta.get(_REQUEST_PRIVATE_NETWORK) == "true",
            )
        return policy.decide(method, meta.get(_ORIGIN))

    def _policy_for(self, path: str) -> CORSPolicy | None:
        if self._stale:
            self._reload()
        if self._policy is not None:
            return self._policy
        return None if self._routes is None else self._routes.for_path(path)

    def _reload(self) -> None:
        policy = load_policy().policy
        if isinstance(policy, CORSPolicy):
            self._policy, self._routes = policy, None
        else:
            self._policy, self._routes = None, policy
        self._stale = False

    def _setting_changed(self, *, setting: str, **kwargs: Any) -> None:
        # Rebuilt lazily, on the next request: override_settings sends one signal
        # per setting (building here would build and warn once per setting), and a
        # bad value then fails the request that uses it, not the unrelated code
        # that changed the settings.
        if is_cors_setting(setting):
            self._stale = True
            self._policy = None

    def __repr__(self) -> str:
        shown = self._policy if self._policy is not None else self._routes
        return f"<CORSMiddleware {shown!r}>"


def _preflight_response(decision: Decision) -> HttpResponse:
    response = HttpResponse(
        decision.body, status=decision.status, content_type=_PREFLIGHT_CONTENT_TYPE
    )
    _write(response.headers, decision.headers)
    _write(
        response.headers,
        (("Content-Length", str(len(decision.body))), ("Vary", ", ".join(decision.vary))),
    )
    if not decision.allowed:
        # Django logs every 4xx as a WARNING ("Bad Request: /path"): anyone could
        # flood the log with refused preflights. corecors already logged the
        # reason at DEBUG (logger "corecors"); this is Django's own opt-out flag.
        response._has_been_logged = True  # type: ignore[attr-defined]
    return response


def _decorate_public(response: HttpResponseBase, decision: Decision) -> None:
    """Apply a decision through Django's public header API (validating every value)."""
    headers = response.headers
    if decision.headers:
        # A granted decision replaces the app's own copies: a duplicate
        # Access-Control-Allow-Origin makes the browser fail the request (Fetch).
        for name in ACTUAL_RESPONSE_HEADERS:
            headers.pop(name, None)
        for name, value in decision.headers:
            headers[name] = value
    vary = headers.pop("Vary", None)  # Django's pop returns the (name, value) pair
    headers["Vary"] = ", ".join(decision.vary) if vary is None else _merged(vary[1], decision.vary)


def _decorate_store(response: HttpResponseBase, decision: Decision) -> None:
    """The same as :func:`_decorate_public`, on the header dict itself (10x faster).

    ``ResponseHeaders.__setitem__`` re-validates every value (about a microsecond
    each, more than the whole CORS decision). Ours need no validation: names and
    configured values were validated when the policy was built, and the one
    request value we echo, the origin, passed the core's serialised-origin check
    (ASCII, no CR/LF). The app's Vary value was validated when it was set.
    """
    store = response.headers._store
    if decision.headers:
        for name in ACTUAL_RESPONSE_HEADERS:  # lower-case, the store's keys
            store.pop(name, None)
        for name, value in decision.headers:
            store[name.lower()] = (name, value)
    vary = store.get("vary")
    store["vary"] = (
        "Vary",
        ", ".join(decision.vary) if vary is None else _merged(vary[1], decision.vary),
    )


def _merged(existing: str, tokens: tuple[str, ...]) -> str:
    """``merge_vary`` for the app's one Vary value, 3x faster in the common case.

    Middleware below this one often set a Vary (``Cookie`` from the session,
    ``Accept-Encoding``...). When no token can be there yet (not even as a
    substring) and the value is not ``*``, appending is the whole merge.
    """
    lower = existing.lower()
    if "*" in lower or not lower.strip(" ,"):
        return merge_vary((existing,), tokens)
    for token in tokens:
        if token.lower() in lower:
            return merge_vary((existing,), tokens)
    return f"{existing.rstrip(' ,')}, {', '.join(tokens)}"


def _vary_origin_store(response: HttpResponseBase) -> None:
    """Vary: Origin and nothing else: the decision for a request without Origin."""
    store = response.headers._store
    vary = store.get("vary")
    store["vary"] = _VARY_ORIGIN if vary is None else ("Vary", _merged(vary[1], ACTUAL_VARY))


def _vary_origin_public(response: HttpResponseBase) -> None:
    vary = response.headers.pop("Vary", None)
    response.headers["Vary"] = "Origin" if vary is None else _merged(vary[1], ACTUAL_VARY)


def _store_write(headers: ResponseHeaders, pairs: tuple[tuple[str, str], ...]) -> None:
    store = headers._store
    for name, value in pairs:
        store[name.lower()] = (name, value)


def _public_write(headers: ResponseHeaders, pairs: tuple[tuple[str, str], ...]) -> None:
    for name, value in pairs:
        headers[name] = value


def _has_header_store() -> bool:
    """Whether Django keeps response headers as ``{lower name: (name, value)}`` (3.2+)."""
    headers = ResponseHeaders({"Vary": "Origin"})
    return getattr(headers, "_store", None) == {"vary": ("Vary", "Origin")}


# Chosen once: the fast path on the Django versions we know, the public API otherwise.
if _has_header_store():
    _decorate, _vary_origin, _write = _decorate_store, _vary_origin_store, _store_write
else:  # pragma: no cover - a future Django that stores headers differently
    _decorate, _vary_origin, _write = _decorate_public, _vary_origin_public, _public_write
