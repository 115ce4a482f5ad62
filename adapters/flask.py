"""Flask integration: ``CORS(app, allow_origins=[...])`` or ``CORS().init_app(app)``.

``CORS`` wraps ``app.wsgi_app`` in :class:`corecors.adapters.wsgi.CORSMiddleware`,
so preflights are answered before Flask's routing (routes need no ``OPTIONS``)
and every response Flask produces, its 404, 405 and 500 error pages included,
gets the CORS headers.

Per route: ``CORS(blueprint, ...)`` for a blueprint's routes and
``@cross_origin(...)`` for one view; the most specific policy wins (view, then
blueprint, then app).
"""

from __future__ import annotations

import difflib
import logging
import warnings
from collections.abc import Callable, Mapping
from typing import Any

try:
    from flask import Blueprint, Flask
except ImportError as exc:  # pragma: no cover - exercised in a subprocess test
    raise ImportError(
        'corecors.adapters.flask needs Flask; install it with: pip install "corecors[flask]"'
    ) from exc

from corecors import ConfigProblem, CORSConfigError, CORSConfigWarning, CORSPolicy
from corecors.engine import OPTION_NAMES, warn_config

from ._common import Policy, policies_of, positional_problem, resolve_policy, sync_problem
from ._cookie_watch import CookieWatch
from ._flask_routes import (
    RouteOptions,
    View,
    not_one_policy,
    register_blueprint_options,
    route_table,
)
from ._flask_views import decorate_view
from .wsgi import SYNC_FIX, CORSMiddleware

__all__ = ["CORS", "cross_origin"]

logger = logging.getLogger("corecors")

#: ``app.config`` key -> option name: each option of the schema (``corecors.engine.SCHEMA``)
#: upper-cased; ``CORS_POLICY`` holds a CORSPolicy or PathPolicies.
CONFIG_KEYS: dict[str, str] = {f"CORS_{name.upper()}": name for name in ("policy", *OPTION_NAMES)}
_VALID = frozenset(CONFIG_KEYS.values())

# flask-cors names with a different corecors spelling (or none). Silently ignoring
# a leftover ``CORS_ORIGINS`` would leave a migrated app refusing every origin, so
# these are configuration errors whose fix names the corecors equivalent.
_FLASK_CORS_RENAMED: dict[str, str] = {
    "origins": "allow_origins",
    "methods": "allow_methods",
    "supports_credentials": "allow_credentials",
    "resources": "policy",
}
_FLASK_CORS_DROPPED: dict[str, str] = {
    "send_wildcard": 'allow_origins=["*"] always answers "*"',
    "vary_header": "Vary: Origin is sent whenever the answer depends on the origin",
    "automatic_options": "preflights are answered before Flask's routing",
    "always_send": "the headers are sent whenever the Origin is allowed",
    "intercept_exceptions": "error pages always get the CORS headers",
}
_FLASK_CORS_CONFIG_KEYS = tuple(
    f"CORS_{name.upper()}" for name in (*_FLASK_CORS_RENAMED, *_FLASK_CORS_DROPPED)
)
# Django's setting names (django-cors-headers') written in a Flask app's config.
_DJANGO_NAMES: dict[str, str] = {
    "CORS_ALLOWED_ORIGINS": "CORS_ALLOW_ORIGINS",
    "CORS_ALLOWED_ORIGIN_REGEXES": "CORS_ALLOW_ORIGIN_REGEX",
    "CORS_ALLOW_ALL_ORIGINS": "CORS_ALLOW_ORIGINS = ['*']",
    "CORS_PREFLIGHT_MAX_AGE": "CORS_MAX_AGE",
    "CORS_URLS_REGEX": "CORS_POLICY = PathPolicies([...])",
}
_RENAME_NOTES = {
    "allow_origins": " (exact origins and https://*.example.com patterns; regexes go in {regex})",
    "policy": ' with a PathPolicies, e.g. PathPolicies([("/api/*", CORSPolicy(...))])',
}


class CORS:
    """CORS for a Flask app, configured by keyword arguments or ``app.config``.

    ``CORS(app, allow_origins=["https://app.example.com"])``, or for an app
    factory ``cors = CORS(); ... cors.init_app(app)``. The options are those of
    :class:`corecors.CORSPolicy`, or ``policy=`` (a ``CORSPolicy`` or a
    ``PathPolicies``, e.g. a policy for a blueprint's ``/api/*`` only).

    ``init_app`` also reads ``app.config``: ``CORS_ALLOW_ORIGINS``,
    ``CORS_ALLOW_CREDENTIALS``, ... (each option name upper-cased) and
    ``CORS_POLICY``. Keyword arguments win over configuration, option by
    option; a ``policy=`` keyword replaces the configuration entirely, and
    keyword options replace a configured ``CORS_POLICY``. The configuration is
    read once, when ``init_app`` runs.

    Nothing is allowed until configured (flask-cors allows every origin by
    default): with no origin, pattern, regex or function configured, every
    cross-origin request is refused, and ``init_app`` logs one WARNING on the
    ``corecors`` logger saying how to allow the front end.

    The middleware of an initialised app is ``app.extensions["corecors"]``.

    - ``app`` (``Flask | Blueprint | None``, default None): the app, or a blueprint
      whose routes get their own policy; None for an app factory (call ``init_app``
      later).
    - ``**options``: the keyword options of :class:`corecors.CORSPolicy`, or ``policy=``
      (a ``CORSPolicy`` or ``PathPolicies``); they win over ``app.config``.

    Each refused request is logged on the ``corecors`` logger with its reason
    and fix: at WARNING while ``app.debug`` is true (``flask run --debug``;
    shown on the console with no logging set up), else at DEBUG; at most 50
    lines a minute, then a count. While ``app.debug`` is true, the cookies of a
    credentialed cross-origin response that browsers will not send back are logged
    too, once per name (docs/cookies.md).

    Raises :class:`corecors.CORSConfigError` for an unknown option (flask-cors'
    names get their corecors equivalent, others the closest option) and, through
    ``init_app``, for a bad configuration or an unknown ``CORS_*`` key in
    ``app.config`` (Django's names get their Flask key), naming the keyword or
    the ``app.config`` key. Refusal log lines name the options the same way.

    ``CORS(blueprint, ...)`` gives the blueprint's routes their own policy on
    every app the blueprint is registered with (any ``url_prefix``, under
    another name, nested in another blueprint), whether or not the app has
    ``CORS(app)``. The options are read with ``app.config`` when the blueprint
    is registered (``CORS_POLICY`` aside: it is the app's own policy); errors
    raise :class:`CORSConfigError` from ``register_blueprint``. Preflights for
    those routes are answered before Flask runs; their responses, error pages
    included, get the blueprint's policy instead of the app's. When the app
    protects writes, a blueprint whose options do not say ``protect_writes`` keeps
    that protection; ``protect_writes=False`` lifts it.
    """

    def __init__(self, app: Flask | Blueprint | None = None, **options: Any) -> None:
        problems = [
            _unknown_option(name, value, in_config=False)
            for name, value in options.items()
            if name not in _VALID
        ]
        if isinstance(app, Blueprint):
            problems = [_on_route(p, f"blueprint {app.name!r}") for p in problems]
        if problems:
            raise CORSConfigError(problems)
        self._apps: list[CORSMiddleware] = []  # the middleware of each initialised app
        # policy=None is the same as no policy= at all.
        self._options = {k: v for k, v in options.items() if not (k == "policy" and v is None)}
        if isinstance(app, Blueprint):
            where = f"blueprint {app.name!r}"
            register_blueprint_options(app, self._route_options(where, f"CORS({where})"))
        elif app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Wrap ``app.wsgi_app`` with the CORS middleware (once per app).

        ``app`` (``Flask``): the app; its ``app.config`` is read now. Raises
        :class:`corecors.CORSConfigError` for a bad configuration and
        ``RuntimeError`` when the app already has corecors.
        """
        if "corecors" in app.extensions:
            raise RuntimeError(
                f"CORS is already initialised on {app!r}; call CORS(app) or init_app(app) "
                "once per app (a second layer would answer preflights twice)"
            )
        policy = self.resolve(app.config)
        if _allows_nothing(policy):
            logger.warning(
                "CORS on %r allows no origin, so every cross-origin request is refused "
                "(corecors allows nothing until configured, unlike flask-cors): pass "
                "allow_origins=[...] or set app.config['CORS_ALLOW_ORIGINS']",
                app.name,
            )
        # app.debug is read on each refusal: app.run(debug=True) sets it after CORS(app).
        debug = lambda: app.debug  # noqa: E731
        table = route_table(app)
        if table.layer is None:  # the middleware answers route preflights too
            middleware = CORSMiddleware(app.wsgi_app, policy=policy, debug=debug)
            middleware.route_policy = table.preflight_policy
            app.wsgi_app = middleware  # type: ignore[method-assign]
        else:  # blueprints registered first: their preflight layer stays outermost
            middleware = CORSMiddleware(table.layer.app, policy=policy, debug=debug)
            middleware.route_policy = table.preflight_policy  # a route's protect_writes
            table.layer.app = middleware
        middleware.refusals = table.refusals  # one log for the app and its routes
        session = {app.config.get("SESSION_COOKIE_NAME", "session"): "SESSION_COOKIE"}
        middleware.cookies = CookieWatch(table.refusals, "flask", session)
        app.extensions["corecors"] = middleware
        self._apps.append(middleware)

    def reconfigure(self, policy: Policy) -> None:
        """Swap the policy. ``policy`` (``CORSPolicy | PathPolicies``): the new policy, given
        to :meth:`corecors.adapters.wsgi.CORSMiddleware.reconfigure` of the middleware of
        every app this ``CORS`` initialised (``app.extensions["corecors"]``): an atomic
        swap; a request in flight finishes with the policy it started with. Route
        policies (blueprints, ``cross_origin``) keep theirs. Raises
        :class:`corecors.CORSConfigError` for a wrong type or an ``async def``
        ``allow_origin_func`` (Flask is synchronous: E005)."""
        for middleware in self._apps:
            middleware.reconfigure(policy)

    def invalidate(self, origin: str | None = None) -> None:
        """Drop kept ``allow_origin_func`` answers in the policies of every app this ``CORS``
        initialised (docs/dynamic-origins.md). ``origin`` (``str | None``, default None):
        the origin, or None for all."""
        for middleware in self._apps:
            middleware.invalidate(origin)

    def resolve(self, config: Mapping[str, Any]) -> Policy:
        """The policy for an app with this ``config`` (keyword arguments win).

        ``config`` (``Mapping[str, Any]``): a mapping like ``app.config``. Returns a
        ``CORSPolicy`` or ``PathPolicies``. Raises :class:`corecors.CORSConfigError`
        naming ``app.config['CORS_...']`` for a problem in the configuration.
        """
        problems = [
            _unknown_option(key, config[key], in_config=True)
            for key in config
            if isinstance(key, str) and key.startswith("CORS_") and key not in CONFIG_KEYS
        ]
        if problems:
            raise CORSConfigError(problems)
        configured = {name: config[key] for key, name in CONFIG_KEYS.items() if key in config}
        kwargs = self._options
        if "policy" in kwargs:  # a policy= keyword replaces the configuration entirely
            merged = dict(kwargs)
        elif kwargs:  # keyword options win, option by option, and replace CORS_POLICY
            merged = {**configured, **kwargs}
            merged.pop("policy", None)
        else:
            merged = dict(configured)
        policy = merged.pop("policy", None)
        # Name the app.config key the user actually wrote, not the option name.
        from_config = {name for name in configured if name not in kwargs}
        vocabulary = _vocabulary(from_config, by_config=bool(configured) and not kwargs)
        try:
            with warnings.catch_warnings():
                # Re-issued below, in the vocabulary of what the user wrote.
                warnings.simplefilter("ignore", CORSConfigWarning)
                resolved = resolve_policy(policy, merged, vocabulary)
        except CORSConfigError as exc:
            raise CORSConfigError(
                [_config_problem(p) if p.option in from_config else p for p in exc.problems]
            ) from None
        problem = sync_problem(resolved, "allow_origin_func", SYNC_FIX)  # Flask cannot await
        if problem is not None:
            raise CORSConfigError(
                [_config_problem(p) if p.option in from_config else p for p in problem.problems]
            )
        if policy is None:  # a policy= object warned when it was built
            for notice in policies_of(resolved)[0].config_warnings:
                shown = _config_problem(notice) if notice.option in from_config else notice
                warn_config(CORSConfigWarning(shown))
        return resolved

    def _route_options(self, where: str, shown: str) -> RouteOptions:
        """These options for one route or blueprint; their values are checked now."""
        policy = self._options.get("policy")
        if policy is not None and not isinstance(policy, CORSPolicy):
            raise CORSConfigError([not_one_policy(policy, where)])
        if policy is None:  # the values alone, without app.config: errors surface at import
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", CORSConfigWarning)
                policy = CORSPolicy(**self._options)
        problem = sync_problem(policy, "allow_origin_func", SYNC_FIX)  # Flask cannot await
        if problem is not None:
            raise CORSConfigError([_on_route(p, where) for p in problem.problems])
        return RouteOptions(self.resolve, shown)

    def __repr__(self) -> str:
        return f"CORS({', '.join(f'{k}={v!r}' for k, v in self._options.items())})"


def cross_origin(*args: object, **options: Any) -> Callable[[View], View]:
    """Decorate one view with its own CORS policy (flask-cors' decorator name).

    ``@app.route(...)`` above ``@cross_origin(allow_origins=[...])``. The options
    are :class:`corecors.CORSPolicy`'s, or ``policy=`` a ``CORSPolicy``; they are
    merged with ``app.config`` as for ``CORS(app)`` (``CORS_POLICY`` aside), on
    the first request that needs them. This policy replaces the blueprint's and
    the app's on this view, preflights and error pages included (except that,
    when the app protects writes, options that do not say ``protect_writes``
    keep that protection; ``protect_writes=False`` lifts it), and works
    without any ``CORS(app)``: the view then answers its own preflights (it
    accepts ``OPTIONS``; Flask's automatic ``OPTIONS`` answer is turned off for
    it). Sync and ``async`` views alike.

    - ``*args``: none; any positional argument raises :class:`corecors.CORSConfigError`
      (the options are keywords only).
    - ``**options``: the keyword options of :class:`corecors.CORSPolicy`, or
      ``policy=`` (a ``CORSPolicy``).

    Returns the decorator. Raises :class:`CORSConfigError` at decoration time for an
    unknown option, flask-cors' option names (with the corecors name to use), or a
    bad value, and for positional arguments (``@cross_origin`` without parentheses).
    """
    if args:
        raise positional_problem(args)
    try:
        cors = CORS(**options)
    except CORSConfigError as exc:
        raise CORSConfigError([_on_route(p, "a view") for p in exc.problems]) from None
    cors._route_options("a view", "a view")  # the values are checked here, at import

    def decorator(view: View) -> View:
        shown = f"@cross_origin on view {getattr(view, '__qualname__', view)!r}"
        return decorate_view(view, cors._route_options("a view", shown))

    return decorator


def _on_route(problem: ConfigProblem, where: str) -> ConfigProblem:
    """flask-cors' ``resources=`` on a blueprint or a view: per-path rules are the app's."""
    if problem.option != "resources":
        return problem
    return problem._replace(
        message=f"is flask-cors' per-path option; the policy of {where} covers its routes",
        fix='remove it; per-path rules go on the app: CORS(app, policy=PathPolicies([("/api/*", '
        "CORSPolicy(...))]))",
    )


def _config_problem(problem: ConfigProblem) -> ConfigProblem:
    """A core problem in app.config's vocabulary (``app.config['CORS_MAX_AGE']``)."""
    return problem.render(_config_item)


def _config_key(option: str) -> str:
    return f"CORS_{option.upper()}"


def _config_item(option: str) -> str:
    return f"app.config[{_config_key(option)!r}]"


def _vocabulary(from_config: set[str], by_config: bool) -> Any:
    """How refusals name an option: its ``app.config`` key when the user configured it
    there (every option, when the app is configured through ``app.config`` only)."""

    def name(option: str) -> str:
        return _config_item(option) if option in from_config or by_config else option

    return name


def _unknown_option(name: str, value: object, in_config: bool) -> ConfigProblem:
    """An option corecors does not have; flask-cors' names get their corecors equivalent."""
    prefix = "CORS_" if in_config else ""
    shown = f"app.config[{name!r}]" if in_config else name
    bare = name.lower().removeprefix("cors_") if in_config else name
    if bare in _FLASK_CORS_RENAMED:
        new = _FLASK_CORS_RENAMED[bare]
        new_name = f"{prefix}{new.upper()}" if in_config else new
        fix = f"rename it {new_name}" + _RENAME_NOTES.get(new, "").format(
            regex="CORS_ALLOW_ORIGIN_REGEX" if in_config else "allow_origin_regex"
        )
        return ConfigProblem("E011", shown, value, "is flask-cors' name for this option", fix)
    if bare in _FLASK_CORS_DROPPED:
        fix = f"remove it: {_FLASK_CORS_DROPPED[bare]}"
        return ConfigProblem(
            "E011", shown, value, "is a flask-cors option that corecors does not need", fix
        )
    if in_config and name in _DJANGO_NAMES:
        fix = (
            f"use {_DJANGO_NAMES[name]}: a Flask app's keys are the CORSPolicy options upper-cased"
        )
        return ConfigProblem("E011", shown, value, "is Django's setting name", fix)
    known = [f"{prefix}{option.upper()}" if in_config else option for option in _VALID]
    close = difflib.get_close_matches(name, known, n=1)
    fix = f"did you mean {close[0]}?" if close else "remove it"
    choices = ", ".join(sorted(known))
    return ConfigProblem(
        "E011", shown, value, "is not a corecors option", f"{fix} (the options: {choices})"
    )


def _allows_nothing(policy: Policy) -> bool:
    return not any(
        p.allow_origins or p.options["allow_origin_regex"] or p.options["allow_origin_func"]
        for p in policies_of(policy)
    )
