"""Per-route CORS for Flask: the machinery behind ``CORS(blueprint)`` and ``@cross_origin``.

The public names live in :mod:`corecors.adapters.flask`; this module holds how
a route's own policy is found and applied, in three places:

- :meth:`RouteTable.preflight_policy`, called for ``OPTIONS`` requests by the
  middleware of ``CORS(app)`` (or by :class:`RoutePreflights`, a WSGI layer put
  in front of an app that has a ``CORS(blueprint)`` but no ``CORS(app)``): a
  preflight for a route with its own policy is answered with it before Flask
  runs (Fetch §4.8, "CORS-preflight fetch"). The route is found the way Flask
  will find it, by matching ``app.url_map`` with the request's
  ``Access-Control-Request-Method`` as the method. Only preflights, and only on
  apps that have route policies, pay for that match (remembered per path).
- Flask's ``request_started`` signal (connected by the first ``@cross_origin``),
  sent after routing and before any ``before_request`` hook: a decorated
  view's policy takes over there, so that a hook or an outer decorator that
  answers first (a 401) answers with the view's policy and a preflight is
  answered by the app's first hook, before the user's; the response is
  decorated, error pages included, with :func:`flask.after_this_request`.
  The view wrapper does the same when the view is called without the signal.
- an ``after_request`` function of every ``CORS(blueprint)``: it decorates the
  responses of the blueprint's routes, error pages included.
- writes (``protect_writes``): the middleware asks :meth:`RouteTable.preflight_policy`
  for a write's route policy when the app's policy protects writes (a route may
  lift it); a ``CORS(blueprint)``'s before-request function and the
  ``@cross_origin`` wrapper refuse a write their own policy protects (403, the
  view never runs).

Most specific wins: a view's policy, then the innermost blueprint's, then the
app's. Whichever decorates a response marks the WSGI environ with
:data:`ROUTE_HANDLED`; the app-level middleware then leaves the response alone.
A route policy decorates a copy of the response, never the object the view
returned, which may be shared by every request.
"""

from __future__ import annotations

import copy
import logging
import weakref
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from flask import (
    Blueprint,
    Flask,
    current_app,
    request,
)
from flask.sansio.blueprints import BlueprintSetupState
from werkzeug.datastructures import Headers
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RoutingException
from werkzeug.wrappers import Response

from corecors import ConfigProblem, CORSPolicy, Decision
from corecors.engine import SAFE_METHODS, RefusalLog, apply_decision, preflight_parts

from ._common import REQUEST_METHOD, decide_cgi, guard_write, protects_writes
from .wsgi import ROUTE_HANDLED, send_preflight

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["ROUTE_HANDLED", "RouteOptions", "RoutePreflights", "RouteTable"]

View = TypeVar("View", bound=Callable[..., Any])
#: The view attribute holding a ``@cross_origin``'s :class:`RouteOptions`.
VIEW_ATTRIBUTE = "corecors_route"
#: ``app.extensions`` key of an app's :class:`RouteTable`.
TABLE_KEY = "corecors.routes"
_ACRM = REQUEST_METHOD  # Access-Control-Request-Method, as CGI names it
logger = logging.getLogger("corecors")
#: How many preflight routes an app remembers (see :meth:`RouteTable.for_preflight`).
MEMO_SIZE = 256


class RouteOptions:
    """Options given to ``CORS(blueprint)`` or ``cross_origin``, resolved once per app.

    ``resolve`` turns an ``app.config`` into a policy (keyword options win,
    option by option, as for ``CORS(app)``); a route ignores ``CORS_POLICY``,
    which is the app's own policy. ``where`` names the route in the log line of a
    policy that allows no origin (``@cross_origin()`` without options allows
    every origin in flask-cors and none in corecors).
    """

    __slots__ = ("_by_app", "_resolve", "where")

    def __init__(self, resolve: Callable[[Mapping[str, Any]], object], where: str) -> None:
        self._resolve = resolve
        self.where = where
        self._by_app: weakref.WeakKeyDictionary[Flask, CORSPolicy] = weakref.WeakKeyDictionary()

    def policy(self, app: Flask) -> CORSPolicy:
        """The policy on ``app``; raises CORSConfigError for a bad merged configuration."""
        policy = self._by_app.get(app)
        if policy is None:
            config = {k: v for k, v in app.config.items() if k != "CORS_POLICY"}
            if "CORS_PROTECT_WRITES" not in config and _app_protects_writes(app):
                # CORS(app, protect_writes=True) holds on this route too, unless the
                # route's own options say protect_writes=False: a decorator written to
                # add an origin must not silently lift the app's write protection.
                config["CORS_PROTECT_WRITES"] = True
            # Options without policy= (checked when given) always make one CORSPolicy.
            policy = self._by_app[app] = cast(CORSPolicy, self._resolve(config))
            options = policy.options
            if not (
                policy.allow_origins
                or options["allow_origin_regex"]
                or options["allow_origin_func"]
            ):
                logger.warning(
                    "%s on %r allows no origin, so every cross-origin request to it is refused "
                    "(corecors allows nothing until configured, unlike flask-cors): pass "
                    "allow_origins=[...] or set app.config['CORS_ALLOW_ORIGINS']",
                    self.where,
                    app.name,
                )
        return policy


def _app_protects_writes(app: Flask) -> bool:
    """Whether ``CORS(app, ...)`` protects writes (on any of its path policies)."""
    return protects_writes(getattr(app.extensions.get("corecors"), "policy", None))


def not_one_policy(value: object, where: str) -> ConfigProblem:
    return ConfigProblem(
        "E011",
        "policy",
        value,
        f"must be a CORSPolicy on {where}",
        "pass a CORSPolicy (per-path rules belong to the app: CORS(app, policy=PathPolicies(...)))",
    )


class RouteTable:
    """An app's route policies: its blueprints' by registered name, its views' by attribute."""

    __slots__ = ("_any_view", "_memo", "app", "blueprints", "layer", "refusals")

    def __init__(self, app: Flask) -> None:
        self.app = app
        #: The app's one refusal log: its routes' policies and ``CORS(app)`` log through it.
        self.refusals = RefusalLog()
        self.blueprints: dict[str, CORSPolicy] = {}
        self.layer: RoutePreflights | None = None
        # Found on the first preflight: Flask takes no new routes after its first request.
        self._any_view: bool | None = None
        self._memo: dict[tuple[object, ...], CORSPolicy | None] = {}

    def decide(self, policy: CORSPolicy, environ: WSGIEnvironment, method: str) -> Decision:
        """A route policy's decision; its refusal logged (WARNING while ``app.debug``)."""
        decision = decide_cgi(policy, environ, method)
        if decision.refusal is not None:
            level = logging.WARNING if self.app.debug else logging.DEBUG
            self.refusals.log(level, decision.kind, decision.refusal)
        return decision

    def for_endpoint(self, endpoint: str) -> CORSPolicy | None:
        """The most specific route policy of ``endpoint``: its view's, then its blueprints'."""
        view = self.app.view_functions.get(endpoint)
        options = getattr(view, VIEW_ATTRIBUTE, None)
        if isinstance(options, RouteOptions):
            return options.policy(self.app)
        name = endpoint
        while "." in name:  # "parent.child.view": the child's blueprint, then the parent's
            name = name.rpartition(".")[0]
            policy = self.blueprints.get(name)
            if policy is not None:
                return policy
        return None

    def preflight_policy(self, environ: WSGIEnvironment) -> CORSPolicy | None:
        """The route policy for an ``OPTIONS`` request, if it is a preflight (Fetch §4.8),
        or for a write (any other method; its ``protect_writes`` is the route's)."""
        method = environ["REQUEST_METHOD"]
        if method != "OPTIONS":
            return self.for_preflight(environ, method)
        if environ.get(_ACRM) and "HTTP_ORIGIN" in environ:
            return self.for_preflight(environ, environ[_ACRM])
        return None

    def for_preflight(self, environ: WSGIEnvironment, method: str) -> CORSPolicy | None:
        """The route policy of the route a preflight asks about (None: no route policy).

        Matching ``app.url_map`` costs tens of microseconds, so the answers for
        up to :data:`MEMO_SIZE` (host, path, method) are remembered: the routes
        and their policies do not change once the app serves requests.
        """
        if not self.blueprints:
            if self._any_view is None:
                views = self.app.view_functions.values()
                self._any_view = any(hasattr(view, VIEW_ATTRIBUTE) for view in views)
            if not self._any_view:
                return None
        get = environ.get
        key = (
            get("HTTP_HOST"),
            get("SERVER_NAME"),
            get("SCRIPT_NAME"),
            get("PATH_INFO"),
            get("wsgi.url_scheme"),
            method,
        )
        memo = self._memo
        if key in memo:
            return memo[key]
        policy = self._match(environ, method)
        if len(memo) >= MEMO_SIZE:
            memo.clear()  # atomic, unlike evicting one entry while other threads read
        memo[key] = policy
        return policy

    def _match(self, environ: WSGIEnvironment, method: str) -> CORSPolicy | None:
        app = self.app
        try:
            adapter = app.create_url_adapter(app.request_class(environ))
            if adapter is None:  # pragma: no cover - only without a request
                return None
            endpoint, _ = adapter.match(method=method)
        except (HTTPException, RoutingException):  # no such route, or a redirect: not ours
            return None
        return self.for_endpoint(cast(str, endpoint))


def route_table(app: Flask) -> RouteTable:
    """The app's route table, created on first use.

    ``CORS(app)`` hooks :meth:`RouteTable.preflight_policy` into its middleware.
    An app without it (yet) gets a :class:`RoutePreflights` layer, outermost on
    ``app.wsgi_app``, when a blueprint with a policy is registered.
    """
    table = app.extensions.get(TABLE_KEY)
    if not isinstance(table, RouteTable):
        table = app.extensions[TABLE_KEY] = RouteTable(app)
    return table


def add_preflight_layer(app: Flask, table: RouteTable) -> None:
    """Answer route preflights in front of an app that has no ``CORS(app)``."""
    if table.layer is None and "corecors" not in app.extensions:
        table.layer = RoutePreflights(app.wsgi_app, table)
        app.wsgi_app = table.layer  # type: ignore[method-assign]


class RoutePreflights:
    """WSGI layer answering preflights for routes with their own policy, before Flask.

    Every other request goes on unchanged (one comparison of the method).
    """

    __slots__ = ("app", "table")

    def __init__(self, app: WSGIApplication, table: RouteTable) -> None:
        self.app = app
        self.table = table

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ["REQUEST_METHOD"] == "OPTIONS":
            policy = self.table.preflight_policy(environ)
            if policy is not None:
                decision = self.table.decide(policy, environ, "OPTIONS")
                return send_preflight(decision, start_response)
        return self.app(environ, start_response)


def register_blueprint_options(blueprint: Blueprint, options: RouteOptions) -> None:
    """``CORS(blueprint)``: a policy for the blueprint's routes on every app it joins."""

    def on_register(state: BlueprintSetupState) -> None:
        name = f"{state.name_prefix}.{state.name}".lstrip(".")
        app = cast(Flask, state.app)
        table = route_table(app)
        table.blueprints[name] = options.policy(app)
        add_preflight_layer(app, table)

    try:
        blueprint.record(on_register)
        blueprint.before_request(_guard_route_write)
        blueprint.after_request(_decorate_route_response)
    except AssertionError:  # Flask's "setup method can no longer be called"
        raise RuntimeError(
            f"CORS(blueprint) on {blueprint.name!r} after it was registered would not apply: "
            "call CORS(blueprint, ...) before app.register_blueprint(...)"
        ) from None


def _guard_route_write() -> Response | None:
    """A blueprint's before-request function: the route's policy refuses a write (403)."""
    table = cast(RouteTable, current_app.extensions[TABLE_KEY])  # made on registration
    policy = table.for_endpoint(request.endpoint or "")
    return None if policy is None else refused_write_response(policy)


def refused_write_response(policy: CORSPolicy) -> Response | None:
    """The 403 of a write the route's ``protect_writes`` refuses (logged), else None."""
    method = request.method
    if policy.writes is None or method in SAFE_METHODS:
        return None
    environ = request.environ
    decision = guard_write(policy.writes, environ, method, decide_cgi(policy, environ, method))
    if decision.status is None or decision.refusal is None:
        return None
    route_table(current_app).refusals.log(  # the app's one refusal log
        logging.WARNING if current_app.debug else logging.DEBUG, "write", decision.refusal
    )
    environ[ROUTE_HANDLED] = True
    status, headers, body = preflight_parts(decision)
    return current_app.response_class(body, status=status, headers=headers)


def _decorate_route_response(response: Response) -> Response:
    """A blueprint's after-request function: apply the route's most specific policy."""
    environ = request.environ
    if ROUTE_HANDLED not in environ:
        table = cast(RouteTable, current_app.extensions[TABLE_KEY])  # made on registration
        # Flask runs a blueprint's hook only for its routes (and its nested
        # blueprints'), so the innermost blueprint with a policy is always found.
        policy = table.for_endpoint(request.endpoint or "")
        if policy is not None:  # pragma: no branch
            return decorate(response, table.decide(policy, environ, request.method))
    return response


def decorate(response: Response, decision: Decision) -> Response:
    """An actual request's decision applied to a copy of a Flask response; marks the environ.

    A copy: a view may return one response object for every request, and the
    grant for one origin must never stay on it for the next request (the ASGI
    adapter copies the message for the same reason). The body is shared.
    """
    request.environ[ROUTE_HANDLED] = True
    decorated = copy.copy(response)
    decorated.headers = Headers(apply_decision(response.headers.to_wsgi_list(), decision))
    return decorated
