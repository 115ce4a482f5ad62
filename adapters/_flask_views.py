"""Flask's ``@cross_origin`` views: the view's policy takes over the request.

In Flask's ``request_started`` signal (after routing, before any
``before_request`` hook), so that a hook or an outer decorator that answers
first (a 401) answers with the view's policy, and the view's preflights never
reach those hooks; the wrapper does it itself when the view is called without
the signal (docs/per-route.md).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, cast

from flask import Flask, after_this_request, current_app, request, request_started
from werkzeug.wrappers import Response

from corecors import CORSPolicy
from corecors.engine import preflight_parts

from ._flask_routes import (
    VIEW_ATTRIBUTE,
    RouteOptions,
    View,
    decorate,
    refused_write_response,
    route_table,
)
from .wsgi import ROUTE_HANDLED

# Set on the environ of a request whose decorated view's policy has taken over
# (request_started), and the answer it gives before any hook (a preflight).
_STARTED = "corecors.view_started"
_ANSWER = "corecors.view_answer"


def _start(app: Flask, policy: CORSPolicy, automatic_options: bool = True) -> Response | None:
    """A decorated view's policy takes over the request: the answer to a preflight
    (or to an OPTIONS request that is none), else None and the response decorated
    on its way out, whoever makes it (a hook, an error handler or the view). Decided
    once, refusals logged through the app's route table."""
    environ = request.environ
    environ[_STARTED] = True
    refused = refused_write_response(policy)
    if refused is not None:  # protect_writes: no hook, no view runs
        return refused
    method = request.method
    decision = route_table(app).decide(policy, environ, method)
    if decision.status is not None:  # a preflight, answered here: the view never runs
        environ[ROUTE_HANDLED] = True
        status, headers, body = preflight_parts(decision)
        return current_app.response_class(body, status=status, headers=headers)
    if method == "OPTIONS" and automatic_options:  # not a preflight: Flask's answer, decorated
        return decorate(current_app.make_default_options_response(), decision)

    @after_this_request  # runs first among the after-request functions, on error pages too
    def after(response: Response) -> Response:
        return decorate(response, decision)

    return None


def _on_request_started(sender: Flask, **_: object) -> None:
    """Flask's ``request_started`` signal, sent after routing and before any
    ``before_request`` hook: a ``@cross_origin`` view's policy takes over here,
    so that a hook or an outer decorator that answers first (a 401) answers
    with the view's policy, and its preflights never reach those hooks."""
    view = sender.view_functions.get(request.endpoint or "")
    options = getattr(view, VIEW_ATTRIBUTE, None)
    if not isinstance(options, RouteOptions):
        return
    automatic = getattr(view, _AUTOMATIC, True)
    flask_answers = getattr(request.url_rule, "provide_automatic_options", False)
    if not automatic and request.method == "OPTIONS" and flask_answers:
        return  # flask-cors' automatic_options=False: Flask's own OPTIONS answer, untouched
    answer = _start(sender, options.policy(sender), automatic)
    if answer is not None:
        request.environ[_ANSWER] = answer
        hooks = sender.before_request_funcs.setdefault(None, [])
        if _answer not in hooks:  # the app's first hook from now on
            hooks.insert(0, _answer)


def _answer() -> Response | None:
    """The app's first ``before_request`` hook: the answer ``request_started`` made."""
    answer: Response | None = request.environ.get(_ANSWER)
    return answer


def decorate_view(view: View, options: RouteOptions, automatic_options: bool = True) -> View:
    """The ``@cross_origin`` wrapper: a sync or async view answering its own preflights.

    Its policy normally takes over in ``request_started`` (connected on first
    use); the wrapper does it itself when the view is called without it.
    ``automatic_options=False`` (flask-cors' option): an ``OPTIONS`` request that
    is not a preflight runs the view, and the route answers ``OPTIONS`` only if
    it lists the method (Flask answers it otherwise, without CORS headers).
    """
    if not _connected:
        request_started.connect(_on_request_started)
        _connected.append(True)

    def before() -> Response | None:
        if _STARTED in request.environ:
            return None
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        return _start(app, options.policy(app), automatic_options)

    if inspect.iscoroutinefunction(view):

        @functools.wraps(view)
        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            preflight = before()
            return preflight if preflight is not None else await view(*args, **kwargs)

        wrapper: Callable[..., Any] = async_wrapper
    else:

        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            preflight = before()
            return preflight if preflight is not None else view(*args, **kwargs)

    # Flask routes OPTIONS to the view instead of answering it itself, so that an
    # app without any CORS still answers the preflight (with this view's policy).
    setattr(wrapper, VIEW_ATTRIBUTE, options)
    setattr(wrapper, _AUTOMATIC, automatic_options)
    if automatic_options:
        wrapper.required_methods = {"OPTIONS"}  # type: ignore[attr-defined]
        wrapper.provide_automatic_options = False  # type: ignore[attr-defined]
    return cast(View, wrapper)


_connected: list[bool] = []
_AUTOMATIC = "_corecors_automatic_options"  # on a wrapper: cross_origin(automatic_options=)
