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

import contextlib
from collections.abc import Awaitable, Callable
from typing import Any, cast

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.core.signals import setting_changed
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from corecors import CORSConfigError, CORSPolicy, Decision
from corecors.engine import NEEDS_LOOKUP, SAFE_METHODS

from .._common import (
    ORIGIN,
    Instances,
    Policy,
    Routable,
    Router,
    decide_cgi,
    guard_write,
    invalidate_policies,
    resolve_policy,
    sync_problem,
)
from ._cookies import watch_cookies
from ._decorators import HANDLED, VIEW_ATTRIBUTE, request_host, routed_elsewhere, view_policy
from ._responses import decorate, log_refusal, preflight_response
from ._signal_policy import SignalPolicies, enabled_by_signal
from .conf import is_cors_setting, load_policy, warn_if_not_installed
from .signals import check_request_enabled

# On a request: the policy _decide used when it was a view's (else None), the
# settings' preflight decision waiting for routing, the view's preflight answer.
_DECIDED = "_corecors_decided_view"
_NO_ATTRIBUTES: dict[str, object] = {}
_WAITING = "_corecors_waiting_preflight"
_ROUTED = "_corecors_routed_preflight"
# HANDLED for a request rerouted to an undecorated view on a path no policy covers.
_UNCOVERED = CORSPolicy()
_ASKING = "_corecors_asking"  # (policy, view policy, wait) while a lookup is awaited


GetResponse = Callable[[HttpRequest], HttpResponseBase | Awaitable[HttpResponseBase]]

_LIVE = Instances()
_SYNC_FIX = (
    "write allow_origin_func as a plain def, or serve Django under ASGI (asgi.py with "
    "uvicorn, daphne or hypercorn), where the middleware awaits it"
)


class CORSMiddleware:
    """Django middleware applying the policy from the settings (see ``conf``).

    ``get_response`` (``Callable[[HttpRequest], HttpResponseBase]``, sync or
    async): the next layer, as Django passes it. Raises
    :class:`corecors.CORSConfigError` at construction (start-up) for a bad
    configuration; a configuration changed later (``override_settings``) is
    rebuilt on the next request, which then raises it.

    With ``CORECORS_PROTECT_WRITES = True`` (or a policy's ``protect_writes``) a
    refused write (docs/cookies-and-csrf.md) is answered 403 here, before any view;
    its Origin is compared with ``request.get_host()`` (``ALLOWED_HOSTS``
    checked; a disallowed host is no match, never a 500).

    Each refused request is logged on the ``corecors`` logger with its reason
    and fix: at WARNING when ``settings.DEBUG`` is true (``runserver``'s
    console shows it with Django's default logging), else at DEBUG; at most
    50 lines a minute per process, then a count. With ``DEBUG`` on, the cookies of
    a credentialed cross-origin response that browsers will not send back are
    logged too, once per name, naming ``SESSION_COOKIE_SAMESITE`` and its kin
    (docs/cookies.md).

    Dynamic origins (docs/dynamic-origins.md): an ``async def`` ``allow_origin_func``
    is awaited under ASGI and is ``CORSConfigError`` E005 under WSGI (start-up); a
    function taking the host gets ``request.get_host()`` (None for a host Django
    refuses). :meth:`reconfigure` and :meth:`invalidate`, or this module's
    :func:`reconfigure`/:func:`invalidate` for every middleware of the process.
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
            # Django calls an async process_view without a thread hop under ASGI.
            self.process_view = self._aprocess_view  # type: ignore[method-assign,assignment]
        self._router: Router | None = None
        self._reload()  # read the settings now: a bad configuration fails at start-up
        warn_if_not_installed()
        _LIVE.add(self)
        # A weak reference: a middleware that Django drops also drops its receiver.
        setting_changed.connect(self._setting_changed)

    def __call__(self, request: HttpRequest) -> HttpResponseBase | Awaitable[HttpResponseBase]:
        """The sync entry point (or the async one's coroutine under ASGI)."""
        if self.async_mode:
            return self.__acall__(request)
        decision = self._decide(request)
        if decision is not None and decision.status is not None:
            if _WAITING not in request.__dict__:
                return self._preflight(decision)  # a preflight ends here (Fetch §4.8)
            response = cast(HttpResponseBase, self.get_response(request))
            return self._routed_preflight(request, response)
        response = cast(HttpResponseBase, self.get_response(request))
        if HANDLED in request.__dict__:  # a decorated view's policy
            return self._finish(request, response, decision)
        if decision is None:  # a path no policy covers
            return response
        if decision.refusal is not None:
            self._log(decision)
        watch_cookies(request, response, decision)  # DEBUG only
        return decorate(response, decision)

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        """The async entry point: the same steps as ``__call__``, awaiting the view
        (and an ``allow_origin_func`` whose answer is not kept)."""
        if check_request_enabled.has_listeners(None):  # receivers may use the ORM: a thread
            decision = await sync_to_async(self._decide)(request, awaits=True)
        else:
            decision = self._decide(request, awaits=True)
        if decision is NEEDS_LOOKUP:
            decision = await self._looked_up(request)
        if decision is not None and decision.status is not None:
            if _WAITING not in request.__dict__:
                return self._preflight(decision)
            response = await cast(Awaitable[HttpResponseBase], self.get_response(request))
            return self._routed_preflight(request, response)
        response = await cast(Awaitable[HttpResponseBase], self.get_response(request))
        return self._finish(request, response, decision)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponseBase | None:
        """Django's routing step: a decorated view routed through ``request.urlconf``
        (set below this middleware) gets its own policy here, preflights included.

        - ``request`` (``HttpRequest``): the request, as Django routed it.
        - ``view`` (``Callable``): the view Django resolved.
        - ``args``, ``kwargs``: the view's arguments (unused).

        Returns the preflight's response (the view then never runs), else None.
        """
        # The decorator sets the attribute in the view's __dict__: read there, a
        # missing attribute costs no exception (this runs for every routed request).
        policy = getattr(view, "__dict__", _NO_ATTRIBUTES).get(VIEW_ATTRIBUTE)
        decision: Decision | None
        if isinstance(policy, CORSPolicy):
            if request.__dict__.get(HANDLED) is policy:
                return None  # decided with its policy already
            setattr(request, HANDLED, policy)  # the view leaves its response to us
            decision = _guarded(
                policy, request, decide_cgi(policy, request.META, request.method or "")
            )
        elif isinstance(request.__dict__.get(HANDLED), CORSPolicy):
            decision = self._rerouted(request)  # ROOT_URLCONF's view is not the one routed
        else:  # a preflight for a view without its own policy: the settings' answer
            decision = request.__dict__.get(_WAITING)
        if decision is None or decision.status is None:
            return None  # any other request: decorated by _finish, whoever answers it
        self._log(decision)
        response = preflight_response(decision)
        setattr(request, _ROUTED, response)
        return response

    def _rerouted(self, request: HttpRequest) -> Decision | None:
        """The settings' decision for a request that ``_decide`` gave the policy of the
        decorated view ``ROOT_URLCONF`` has at its path, routed by ``request.urlconf``
        to an undecorated view: that view's policy (a lifted ``protect_writes``, its
        origins) stays with it; None for a path the settings do not cover."""
        router = cast(Router, self._router)  # loaded by _decide
        policy = router.single or router.for_path(request.path_info)
        setattr(request, HANDLED, policy or _UNCOVERED)
        return None if policy is None else self._decide_with(policy, request, awaits=False)

    async def _aprocess_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponseBase | None:
        return CORSMiddleware.process_view(self, request, view, args, kwargs)

    def _routed_preflight(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        """A preflight that waited for routing: the view's answer, else the settings'."""
        routed: object = request.__dict__.get(_ROUTED)
        if routed is response:
            return response
        decision: Decision = request.__dict__[_WAITING]
        self._log(decision)
        return preflight_response(decision)

    def _finish(
        self, request: HttpRequest, response: HttpResponseBase, decision: Decision | None
    ) -> HttpResponseBase:
        """Decorate any other response: with the policy of the view Django routed to
        when it has one (``request.urlconf``), never overwritten by the settings'."""
        state = request.__dict__
        if HANDLED in state:  # a decorated view, found by _decide or by process_view
            routed: object = state.get(_ROUTED)
            if routed is response:  # process_view answered a preflight
                return response
            policy = state[HANDLED]
            if policy is _UNCOVERED:  # see _rerouted
                return response
            if decision is None or state.get(_DECIDED) is not policy:
                decision = decide_cgi(policy, request.META, request.method or "")
        elif decision is None:  # a path no policy covers
            return response
        if decision.refusal is not None:
            self._log(decision)
        watch_cookies(request, response, decision)  # DEBUG only
        return decorate(response, decision)

    def _decide(self, request: HttpRequest, *, awaits: bool = False) -> Decision | None:
        """The decision for ``request``; None for a path no policy covers;
        ``NEEDS_LOOKUP`` (only when ``awaits``) for an answer to await (``_looked_up``).
        Refusals are logged where they are answered (``_preflight``, ``_finish``)."""
        router = self._router
        if router is None:  # settings changed since the last request
            router = self._reload()
        # Paths are request.path_info, below the script prefix, as Django routes. A
        # @cross_origin view's own policy replaces the router's (looked for only
        # in a URLconf with decorated views), preflights and error pages included.
        # With decorated views routed through request.urlconf, an OPTIONS request
        # waits for Django's routing to find its view (process_view).
        wait = request.method == "OPTIONS" and routed_elsewhere()
        view = None if wait else view_policy(request)
        policy = view or router.single or router.for_path(request.path_info)
        decision = None if policy is None else self._decide_with(policy, request, awaits)
        if decision is NEEDS_LOOKUP:
            request.__dict__[_ASKING] = (cast(CORSPolicy, policy), view, wait)
            return decision
        if view is None:  # django-cors-headers' signal: for the settings' policies
            decision = self._signalled(request, policy, decision)
        return self._noted(request, decision, view, wait)

    def _noted(
        self,
        request: HttpRequest,
        decision: Decision | None,
        view: CORSPolicy | None,
        wait: bool,
    ) -> Decision | None:
        """``decision``, noted on the request for the steps after the view."""
        if decision is None:
            return None
        if view is not None:
            request.__dict__[_DECIDED] = view
        if wait and decision.status is not None:
            request.__dict__[_WAITING] = decision
        return decision

    def _log(self, decision: Decision) -> None:
        log_refusal(decision)  # the process's one refusal log, shared with cross_origin

    def _preflight(self, decision: Decision) -> HttpResponseBase:
        self._log(decision)
        return preflight_response(decision)

    def _decide_with(self, policy: CORSPolicy, request: HttpRequest, awaits: bool) -> Decision:
        lookup = policy.lookup
        host = request_host(request)() if lookup is not None and lookup.takes_host else None
        decision = decide_cgi(policy, request.META, request.method or "", host, awaits=awaits)
        return decision if decision is NEEDS_LOOKUP else _guarded(policy, request, decision)

    def _signalled(
        self, request: HttpRequest, policy: CORSPolicy | None, decision: Decision | None
    ) -> Decision | None:
        """django-cors-headers' ``check_request_enabled``: a receiver's truthy answer
        grants a request whose path or origin the settings refuse."""
        refused = decision is None or (decision.refusal and decision.refusal.what == "origin")
        if not refused or not enabled_by_signal(request):
            return decision
        router = cast(Router, self._router)
        signalled = self._signal_policies.for_policy(policy or router.policies[0])
        return self._decide_with(signalled, request, awaits=False)  # its function is inline

    async def _looked_up(self, request: HttpRequest) -> Decision | None:
        """The decision once an ``allow_origin_func`` whose answer was not kept has
        answered (awaited: an ``async def``, or a plain one on a lookup thread)."""
        policy, view, wait = request.__dict__.pop(_ASKING)
        lookup = policy.lookup  # NEEDS_LOOKUP: the policy has one
        host = request_host(request)() if lookup.takes_host else None
        allowed = await lookup.aresolve(request.META[ORIGIN], host)
        decision = decide_cgi(policy, request.META, request.method or "", host, allowed)
        return self._noted(request, _guarded(policy, request, decision), view, wait)

    def _reload(self) -> Router:
        router = Router(load_policy().policy)
        self._check(router.policy)
        self._router = router
        self._signal_policies = SignalPolicies()
        return router

    def _check(self, policy: Routable) -> None:
        if not self.async_mode:
            problem = sync_problem(policy, "CORECORS_POLICY", _SYNC_FIX)
            if problem is not None:
                raise problem

    def reconfigure(self, policy: Policy) -> None:
        """Swap the policy. ``policy`` (``CORSPolicy | PathPolicies``): answers instead of the
        settings' until the next change of a CORS setting (``setting_changed``, e.g.
        ``override_settings``), which rebuilds from the settings.

        One attribute assignment of an immutable router: a request in flight finishes
        with the policy it started with; every later one gets the new one. Raises
        :class:`corecors.CORSConfigError` (nothing changes) for a wrong type, or an
        ``async def`` ``allow_origin_func`` under WSGI.
        """
        policy = resolve_policy(policy, {})
        self._check(policy)
        self._router = Router(policy)

    def invalidate(self, origin: str | None = None) -> None:
        """Drop kept ``allow_origin_func`` answers in the settings' policies (``@cross_origin``
        views: their policy's ``lookup``). ``origin`` (``str | None``, default None): the
        origin, or None for all."""
        router = self._router
        if router is not None:
            invalidate_policies(router.policy, origin)
            return
        # Rebuilt on the next request: a CORECORS_POLICY object comes back with its answers.
        with contextlib.suppress(CORSConfigError):
            invalidate_policies(load_policy(emit_warnings=False).policy, origin)

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


def reconfigure(policy: Policy) -> int:
    """:meth:`CORSMiddleware.reconfigure` on every middleware of this process (Django
    builds them; one per handler). ``policy`` (``CORSPolicy | PathPolicies``): the new
    policy. Returns how many there were. Raises :class:`corecors.CORSConfigError` as
    the method does."""
    return _LIVE.reconfigure(policy)


def invalidate(origin: str | None = None) -> int:
    """:meth:`CORSMiddleware.invalidate` on every middleware of this process: for a
    message from another process (docs/dynamic-origins.md). ``origin`` (``str | None``,
    default None): the origin whose kept answers to drop, None for all. Returns their
    number."""
    return _LIVE.invalidate(origin)


def _guarded(policy: CORSPolicy, request: HttpRequest, decision: Decision) -> Decision:
    """``decision``, or the 403 of a write ``protect_writes`` refuses (host: ``get_host()``)."""
    method = request.method or ""
    if policy.writes is None or method in SAFE_METHODS:
        return decision
    return guard_write(policy.writes, request.META, method, decision, request_host(request))
