"""flask-cors in one import: ``from corecors.adapters.flask_cors import CORS, cross_origin``.

flask-cors' ``CORS(app, **kwargs)`` / ``init_app`` and ``@cross_origin(**kwargs)``
with flask-cors' option names and defaults (every origin, method and header
allowed until configured), its ``app.config`` keys (``CORS_ORIGINS``,
``CORS_SUPPORTS_CREDENTIALS``, ...) and ``resources=`` (path regexes, each
with its own options), translated onto :mod:`corecors.adapters.flask`: the
policies are :class:`corecors.CORSPolicy` objects, ``resources`` a
:class:`corecors.PathPolicies` of compiled regexes, and preflights are answered
before Flask's routing.

What flask-cors did unsafely is not kept (docs/migrating-from-flask-cors.md);
each such use is logged once per process at WARNING on the ``corecors``
logger, with the corecors spelling.
"""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Callable, Mapping
from typing import Any

try:
    from flask import Blueprint, Flask
except ImportError as exc:  # pragma: no cover - exercised in a subprocess test
    raise ImportError(
        'corecors.adapters.flask_cors needs Flask; install it with: pip install "corecors[flask]"'
    ) from exc

from corecors import ConfigProblem, CORSConfigError, CORSConfigWarning, CORSPolicy, PathPolicies
from corecors.engine import warn_config

from . import flask as _flask
from ._common import positional_problem
from ._flask_cors_options import (
    ALL_METHODS as _ALL_METHODS,
)
from ._flask_cors_options import (
    DEFAULTS,
    KEYWORDS,
    config_options,
    parse_resources,
    policy_options,
)
from ._flask_routes import RouteOptions, View, register_blueprint_options
from ._flask_views import decorate_view

__all__ = [
    "ACL_ALLOW_HEADERS",
    "ACL_CREDENTIALS",
    "ACL_EXPOSE_HEADERS",
    "ACL_MAX_AGE",
    "ACL_METHODS",
    "ACL_ORIGIN",
    "ACL_REQUEST_HEADERS",
    "ACL_REQUEST_HEADER_PRIVATE_NETWORK",
    "ACL_REQUEST_METHOD",
    "ACL_RESPONSE_PRIVATE_NETWORK",
    "ALL_METHODS",
    "CORS",
    "cross_origin",
]

#: flask-cors' default methods (``methods`` when unset).
ALL_METHODS = _ALL_METHODS
#: ``Access-Control-Allow-Origin`` (flask-cors' constant name).
ACL_ORIGIN = "Access-Control-Allow-Origin"
#: ``Access-Control-Allow-Methods`` (flask-cors' constant name).
ACL_METHODS = "Access-Control-Allow-Methods"
#: ``Access-Control-Allow-Headers`` (flask-cors' constant name).
ACL_ALLOW_HEADERS = "Access-Control-Allow-Headers"
#: ``Access-Control-Expose-Headers`` (flask-cors' constant name).
ACL_EXPOSE_HEADERS = "Access-Control-Expose-Headers"
#: ``Access-Control-Allow-Credentials`` (flask-cors' constant name).
ACL_CREDENTIALS = "Access-Control-Allow-Credentials"
#: ``Access-Control-Max-Age`` (flask-cors' constant name).
ACL_MAX_AGE = "Access-Control-Max-Age"
#: ``Access-Control-Allow-Private-Network`` (flask-cors' constant name).
ACL_RESPONSE_PRIVATE_NETWORK = "Access-Control-Allow-Private-Network"
#: ``Access-Control-Request-Method`` (flask-cors' constant name).
ACL_REQUEST_METHOD = "Access-Control-Request-Method"
#: ``Access-Control-Request-Headers`` (flask-cors' constant name).
ACL_REQUEST_HEADERS = "Access-Control-Request-Headers"
#: ``Access-Control-Request-Private-Network`` (flask-cors' constant name).
ACL_REQUEST_HEADER_PRIVATE_NETWORK = "Access-Control-Request-Private-Network"


class CORS(_flask.CORS):
    """flask-cors' ``CORS``: CORS for a Flask app (or a blueprint), flask-cors' options.

    - ``app`` (``Flask | Blueprint | None``, default None): the app, a blueprint
      (its routes get the policy wherever it is registered), or None for an
      app factory (call ``init_app`` later).
    - ``**kwargs``: flask-cors' options, with its defaults: ``resources``
      (``r"/*"``; a path regex, a list of them, or a dict regex -> options;
      matched from the path's start, case-sensitively, longest pattern first),
      ``origins`` (``"*"``; origins, regexes matched whole, or ``"*"``),
      ``methods`` (every method), ``allow_headers`` (``"*"``),
      ``expose_headers`` (None), ``supports_credentials`` (False), ``max_age``
      (None; seconds as int, str or ``timedelta``), ``send_wildcard`` (False:
      ``"*"`` reflects the origin), ``always_send``, ``automatic_options``,
      ``vary_header``, ``intercept_exceptions`` (True), ``allow_private_network``
      (False). One string stands for a list of one.

    Options are merged as flask-cors does: defaults, then ``app.config``'s
    ``CORS_*`` keys, then these keyword arguments, then ``init_app``'s, then a
    resource's own. ``"*"`` with ``supports_credentials=True`` answers ``*``
    without credentials (never a reflected origin); regex header names allow
    nothing; each is logged once. Raises :class:`corecors.CORSConfigError` for
    an unknown option or a bad value, naming flask-cors' option.
    """

    def __init__(self, app: Flask | Blueprint | None = None, **kwargs: Any) -> None:
        _check_names(kwargs)
        self._apps = []  # the middleware of each initialised app (reconfigure, invalidate)
        self._options = {}
        self._flask_cors = dict(kwargs)
        if isinstance(app, Blueprint):
            options = {k: v for k, v in kwargs.items() if k != "resources"}
            if "resources" in kwargs:
                raise _on_blueprint(kwargs["resources"], app.name)
            where = f"CORS(blueprint {app.name!r})"
            register_blueprint_options(app, RouteOptions(_one_policy(options), where))
        elif app is not None:
            self.init_app(app)

    def init_app(self, app: Flask, **kwargs: Any) -> None:
        """Wrap ``app.wsgi_app`` (once per app); ``kwargs`` win over the constructor's.

        - ``app`` (``Flask``): the app; its ``app.config`` is read now.
        - ``**kwargs``: flask-cors' options, as for :class:`CORS`.

        Raises :class:`corecors.CORSConfigError` for a bad configuration and
        ``RuntimeError`` when the app already has corecors.
        """
        _check_names(kwargs)
        self._flask_cors = {**self._flask_cors, **kwargs}
        super().init_app(app)

    def resolve(self, config: Mapping[str, Any]) -> PathPolicies:
        """The per-path policies for an app with this ``config`` (flask-cors' merge order).

        - ``config`` (``Mapping[str, Any]``): a mapping like ``app.config``.

        Returns a :class:`corecors.PathPolicies` of compiled path regexes; raises
        :class:`corecors.CORSConfigError`.
        """
        options = {**DEFAULTS, **config_options(config), **self._flask_cors}
        rules = parse_resources(options.pop("resources"))
        for _, own in rules:
            _check_names(own)
        return PathPolicies([(pattern, build({**options, **own})) for pattern, own in rules])

    def __repr__(self) -> str:
        return f"CORS({', '.join(f'{k}={v!r}' for k, v in self._flask_cors.items())})"


def cross_origin(*args: object, **kwargs: Any) -> Callable[[View], View]:
    """flask-cors' ``@cross_origin(**kwargs)``: one view's own policy, flask-cors' options.

    - ``*args``: none; a positional argument raises :class:`corecors.CORSConfigError`
      (``@cross_origin`` needs its parentheses).
    - ``**kwargs``: the options of :class:`CORS` but ``resources``, merged over
      flask-cors' defaults and ``app.config``'s ``CORS_*`` keys on the first request.

    The view's policy replaces the app's, preflights included (answered before
    the view runs). Returns the decorator; raises :class:`corecors.CORSConfigError`
    at decoration time for an unknown option or a bad value.
    """
    if args:
        raise positional_problem(args)
    _check_names(kwargs)
    automatic = kwargs.get("automatic_options", True) is not False
    options = {k: v for k, v in kwargs.items() if k != "resources"}
    resolve = _one_policy(options, {"automatic_options": True})  # honoured by the view
    resolve({})  # the values are checked here, at import

    def decorator(view: View) -> View:
        shown = f"@cross_origin on view {getattr(view, '__qualname__', view)!r}"
        return decorate_view(view, RouteOptions(resolve, shown), automatic_options=automatic)

    return decorator


def build(options: Mapping[str, Any]) -> CORSPolicy:
    """One CORSPolicy from a full set of flask-cors options.

    - ``options`` (``Mapping[str, Any]``): every flask-cors option but ``resources``.

    Raises :class:`corecors.CORSConfigError` naming flask-cors' options; its
    ``CORSConfigWarning`` points at the user's line.
    """
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", CORSConfigWarning)
            policy = CORSPolicy(**policy_options(options), vocabulary=_name)
    except CORSConfigError as exc:
        raise CORSConfigError([p.render(_name, _name) for p in exc.problems]) from None
    for item in caught:
        if isinstance(item.message, CORSConfigWarning):  # pragma: no branch
            warn_config(CORSConfigWarning(item.message.problem.render(_name, _name)))
    return policy


def _one_policy(
    kwargs: Mapping[str, Any], honoured: Mapping[str, Any] | None = None
) -> Callable[[Mapping[str, Any]], CORSPolicy]:
    """A route's resolver: flask-cors' defaults, ``app.config``, then ``kwargs``;
    ``honoured`` overrides options the route applies itself (not logged as ignored)."""

    def resolve(config: Mapping[str, Any]) -> CORSPolicy:
        own = {k: v for k, v in config_options(config).items() if k != "resources"}
        return build({**DEFAULTS, **own, **kwargs, **(honoured or {})})

    return resolve


def _name(option: str) -> str:
    return KEYWORDS.get(option, option)


def _check_names(options: Mapping[str, Any]) -> None:
    unknown = [name for name in options if name not in DEFAULTS]
    if unknown:
        raise CORSConfigError([_unknown(name, options[name]) for name in unknown])


def _unknown(name: str, value: object) -> ConfigProblem:
    close = difflib.get_close_matches(name, DEFAULTS, n=1)
    fix = f"did you mean {close[0]}?" if close else f"use one of {', '.join(DEFAULTS)}"
    if name.startswith("allow_") or name == "policy":
        fix += " (corecors' own option names go with corecors.adapters.flask.CORS)"
    return ConfigProblem("E011", name, value, "is not a flask-cors option", fix)


def _on_blueprint(value: object, name: str) -> CORSConfigError:
    return CORSConfigError(
        [
            ConfigProblem(
                "E011",
                "resources",
                value,
                f"is per-path, and CORS(blueprint {name!r}) covers the blueprint's routes",
                "remove it, or put the rules on the app: CORS(app, resources=...)",
            )
        ]
    )
