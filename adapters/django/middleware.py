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

from collections.abc import Awaitable, Callable
from typing import Any, cast

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.core.signals import setting_changed
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from corecors import Decision

from .._common import Router, decide_cgi
from ._decorators import view_policy
from ._responses import decorate, log_refusal, preflight_response
from .conf import is_cors_setting, load_policy, warn_if_not_installed

GetResponse = Callable[[HttpRequest], HttpResponseBase | Awaitable[HttpResponseBase]]


class CORSMiddleware:
    """Django middleware applying the policy from the settings (see ``conf``).

    ``get_response`` (``Callable[[HttpRequest], HttpResponseBase]``, sync or
    async): the next layer, as Django passes it. Raises
    :class:`corecors.CORSConfigError` at construction (start-up) for a bad
    configuration; a configuration changed later (``override_settings``) is
    rebuilt on the next request, which then raises it.

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
            return preflight_response(decision)  # a preflight ends here (Fetch §4.8)
        response = cast(HttpResponseBase, self.get_response(request))
        if decision is not None:
            decorate(response, decision)
        return response

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        """The async entry point: the same steps as ``__call__``, awaiting the view."""
        decision = self._decide(request)
        if decision is not None and decision.status is not None:
            return preflight_response(decision)
        response = await cast(Awaitable[HttpResponseBase], self.get_response(request))
        if decision is not None:
            decorate(response, decision)
        return response

    def _decide(self, request: HttpRequest) -> Decision | None:
        """The decision for ``request``; None for a path no policy covers."""
        router = self._router
        if router is None:  # settings changed since the last request
            router = self._reload()
        # The path is path_info, below the script prefix (as for view_policy). A
        # @cross_origin view's own policy replaces the router's (looked for only
        # in a URLconf with decorated views), preflights and error pages included.
        policy = view_policy(request) or router.single or router.for_path(request.path_info)
        if policy is None:
            return None
        decision = decide_cgi(policy, request.META, request.method or "")
        log_refusal(decision)
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
