"""``cross_origin``: one Django view with its own CORS policy.

::

    from corecors.adapters.django import cross_origin

    @cross_origin(allow_origins=["https://partner.example.com"])
    def widget(request): ...

On that view the policy replaces the one from the settings, preflights
included. With the corecors middleware installed, the middleware finds the
view first (``django.urls.resolve(request.path_info)``, done only in a URLconf
that routes to a decorated view) and applies the view's policy, also to the view's error
pages; without it, the decorated view answers its own preflights and decorates
its own responses.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar, cast

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.urls import URLResolver, get_resolver
from django.utils import translation

from corecors import ConfigProblem, CORSConfigError, CORSPolicy, Decision
from corecors.engine import SAFE_METHODS

from .._common import decide_cgi, guard_write, positional_problem, protects_writes, resolve_policy
from ._responses import decorate, log_refusal, preflight_response

__all__ = ["HANDLED", "cross_origin", "decorated_views", "routed_elsewhere", "view_policy"]

View = TypeVar("View", bound=Callable[..., Any])
#: The attribute of a decorated view holding its CORSPolicy.
VIEW_ATTRIBUTE = "corecors_policy"
# Set on a request whose view policy the middleware applies: that policy.
HANDLED = "_corecors_view_policy_applied"
# Every decorated view (its wrapper), wherever it is routed.
_views: weakref.WeakSet[Callable[..., Any]] = weakref.WeakSet()
# Per root resolver and number of decorated views: whether some are routed elsewhere.
_hidden: dict[tuple[object, int], bool] = {}
# Whether a URLconf (its resolver) routes to any decorated view, found once each.
_with_views: dict[object, bool] = {}
#: How many (URLconf, path) the middleware remembers the view policy of.
MEMO_SIZE = 256
_memo: dict[tuple[object, str], object] = {}


def cross_origin(
    *args: object, policy: CORSPolicy | None = None, **options: Any
) -> Callable[[View], View]:
    """Give one view its own policy: the keyword options of :class:`corecors.CORSPolicy`,
    or ``policy=`` a ``CORSPolicy``.

    Works on function views, ``async def`` views and ``as_view()`` results
    (Django class-based views, Django REST framework's ``APIView``); put it
    outermost, or under decorators that keep the view's attributes
    (``functools.wraps``). The policy is built when the decorator runs:
    a bad option raises :class:`corecors.CORSConfigError` at import, and a
    risky one warns then (``CORSConfigWarning``) and in ``manage.py check``.

    - ``policy`` (``CORSPolicy | None``, default None): the view's policy, instead of
      the options (a ``PathPolicies`` is an error: per-path rules belong to
      ``CORECORS_POLICY``).
    - ``*args``: none; any positional argument raises :class:`corecors.CORSConfigError`
      (the options are keywords only).
    - ``**options``: the keyword options of :class:`corecors.CORSPolicy`. Without
      ``protect_writes`` the view keeps the settings' write protection
      (``CORECORS_PROTECT_WRITES``, or a ``CORECORS_POLICY`` that protects writes,
      read when the decorator runs); ``protect_writes=False`` lifts it on this view.

    Returns the decorator; the decorated view keeps its name and attributes.
    """
    if args:
        raise positional_problem(args)
    view_cors = _view_policy(policy, options)

    def decorator(view: View) -> View:
        if iscoroutinefunction(view):

            @functools.wraps(view)
            async def async_wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
                if request.__dict__.get(HANDLED) is not None:
                    return await view(request, *args, **kwargs)
                decision = _decide(view_cors, request)
                if decision.status is not None:
                    return preflight_response(decision)
                response = await cast(Awaitable[HttpResponseBase], view(request, *args, **kwargs))
                return decorate(response, decision)

            wrapper: Callable[..., Any] = markcoroutinefunction(async_wrapper)
        else:

            @functools.wraps(view)
            def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
                if request.__dict__.get(HANDLED) is not None:
                    return view(request, *args, **kwargs)
                decision = _decide(view_cors, request)
                if decision.status is not None:
                    return preflight_response(decision)
                return decorate(view(request, *args, **kwargs), decision)

        setattr(wrapper, VIEW_ATTRIBUTE, view_cors)
        _views.add(wrapper)
        return cast(View, wrapper)

    return decorator


def _view_policy(policy: CORSPolicy | None, options: dict[str, Any]) -> CORSPolicy:
    """The decorated view's policy, from ``policy=`` or the options; CORSConfigError if bad.

    Options that do not say ``protect_writes`` keep the settings' (read now): a
    decorator written to add an origin must not silently lift the write protection."""
    if policy is None and "protect_writes" not in options and _settings_protect_writes():
        options = {**options, "protect_writes": True}
    built = resolve_policy(policy, options)
    if not isinstance(built, CORSPolicy):
        raise CORSConfigError(
            [
                ConfigProblem(
                    "E011",
                    "policy",
                    built,
                    "must be a CORSPolicy on a view",
                    "pass a CORSPolicy; per-path rules belong to CORECORS_POLICY",
                )
            ]
        )
    return built


def _settings_protect_writes() -> bool:
    """Whether the settings protect writes: ``CORECORS_PROTECT_WRITES``, or a
    ``CORECORS_POLICY`` that does (on any of its path policies); False before
    the settings are configured."""
    source = settings if settings.configured else None  # None: every getattr default
    custom = getattr(source, "CORECORS_POLICY", None)
    if custom is not None:
        return protects_writes(custom)
    return getattr(source, "CORECORS_PROTECT_WRITES", False) is True


def view_policy(request: HttpRequest) -> CORSPolicy | None:
    """The policy of the decorated view ``request`` resolves to (None: not decorated).

    Resolves only in a URLconf that routes to a decorated view (looked for once
    per URLconf); marks the request so that the view leaves the response to the
    middleware.
    """
    resolver = get_resolver(getattr(request, "urlconf", None))
    with_views = _with_views.get(resolver)
    if with_views is None:
        with_views = _with_views[resolver] = any(True for _ in _walk(resolver.url_patterns))
    if not with_views:
        return None
    # Resolving costs tens of microseconds: remember up to MEMO_SIZE paths per
    # URLconf (a changed ROOT_URLCONF is a new resolver, hence new keys).
    key = (resolver, request.path_info)
    if key in _memo:
        policy = _memo[key]
    else:
        policy = _resolved_policy(resolver, request.path_info)
        if len(_memo) >= MEMO_SIZE:
            _memo.clear()  # atomic, unlike evicting one entry while other threads read
        _memo[key] = policy
    if isinstance(policy, CORSPolicy):
        setattr(request, HANDLED, policy)
        return policy
    return None


def routed_elsewhere() -> bool:
    """Whether some decorated view is not routed by ``ROOT_URLCONF``.

    Such a view is reached through ``request.urlconf``, which a middleware
    below corecors sets (host or tenant routing) after corecors has seen the
    request: preflights then wait for Django's routing (the middleware's
    ``process_view``). Known once the view's module is imported; found once
    per root URLconf and number of decorated views.
    """
    resolver = get_resolver()
    key = (resolver, len(_views))
    hidden = _hidden.get(key)
    if hidden is None:
        routed = set(_callbacks(resolver.url_patterns))
        hidden = _hidden[key] = any(view not in routed for view in list(_views))
    return hidden


def _callbacks(patterns: Any) -> Iterator[object]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _callbacks(pattern.url_patterns)
        else:
            yield pattern.callback


def _resolved_policy(resolver: URLResolver, path: str) -> object:
    """The ``VIEW_ATTRIBUTE`` of the view ``path`` resolves to (None: no view).

    ``i18n_patterns`` match only the active language's prefix, and the
    middleware runs before ``LocaleMiddleware`` activates the request's: resolve
    in the language of the path's prefix, as ``LocaleMiddleware`` will (the
    default language for a path without one), so that ``/fr/...`` finds its view
    and the answer depends on the path alone.
    """
    language = translation.get_language_from_path(path) or settings.LANGUAGE_CODE
    try:
        with translation.override(language):
            return getattr(resolver.resolve(path).func, VIEW_ATTRIBUTE, None)
    except Http404:  # Resolver404: no view at all
        return None


def decorated_views() -> Iterator[tuple[str, CORSPolicy]]:
    """(dotted name, policy) of each decorated view in the root URLconf."""
    yield from _walk(get_resolver().url_patterns)


def _walk(patterns: Any) -> Iterator[tuple[str, CORSPolicy]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns)
            continue
        callback = pattern.callback  # a URLPattern's view
        policy = getattr(callback, VIEW_ATTRIBUTE, None)
        if isinstance(policy, CORSPolicy):
            named = getattr(callback, "view_class", callback)
            yield f"{named.__module__}.{named.__qualname__}", policy


def _decide(policy: CORSPolicy, request: HttpRequest) -> Decision:
    """The view's decision (a refused write's 403 included), its refusal logged."""
    method = request.method or ""
    decision = decide_cgi(policy, request.META, method)
    if policy.writes is not None and method not in SAFE_METHODS:  # protect_writes
        decision = guard_write(policy.writes, request.META, method, decision, request_host(request))
    log_refusal(decision)  # without the middleware, nothing else logs it
    return decision


def request_host(request: HttpRequest) -> Callable[[], str | None]:
    """The request's host as Django reports it (``get_host()``, ``ALLOWED_HOSTS``
    checked, proxies per ``USE_X_FORWARDED_HOST``), asked only when needed; None
    for a disallowed host, which Django itself answers 400 elsewhere."""

    def host() -> str | None:
        try:
            return request.get_host()
        except DisallowedHost:
            return None

    return host
