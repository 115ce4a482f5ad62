"""The ASGI middleware's own options and its configuration errors under Starlette.

``CORSMiddleware`` raises :class:`corecors.CORSConfigError` when it is built,
except when Starlette's or FastAPI's ``build_middleware_stack`` builds it (see
:func:`built_by_starlette`): then it keeps the error, fails the ASGI lifespan
start-up with its message, and raises it on every request (``Unconfigured``).
"""

from __future__ import annotations

import inspect
import logging
from typing import Any

from corecors import CORSConfigError
from corecors.engine import flag_problem

from ._asgi_answers import Answers

logger = logging.getLogger("corecors")


def check_flags(check_websocket_origin: object, debug: object) -> None:
    """E011 for a non-bool ``check_websocket_origin``, or a ``debug`` not a bool or None."""
    problems = []
    if not isinstance(check_websocket_origin, bool):
        problems.append(
            flag_problem(
                "check_websocket_origin",
                check_websocket_origin,
                "use check_websocket_origin=True to refuse WebSocket handshakes "
                "from origins the policy does not allow",
            )
        )
    if debug is not None and not isinstance(debug, bool):
        problem = flag_problem(
            "debug",
            debug,
            "leave debug out to follow the application's debug mode, or set debug=True "
            "to log refusals at WARNING",
        )
        problems.append(problem._replace(message="must be True, False or None"))
    if problems:
        raise CORSConfigError(problems)


def starlette_builder() -> Any:
    """The Starlette or FastAPI application whose ``build_middleware_stack`` is
    constructing us, or None.

    That is the frame that called ``__init__`` (past any subclass ``__init__``): a
    function of that name in a ``starlette`` or ``fastapi`` module, which
    ``app.add_middleware`` defers to the first ASGI scope. Looked up once, at
    construction.
    """
    frame = inspect.currentframe()
    try:
        # Past this function, its callers here, __init__ and any subclass __init__.
        names = ("starlette_builder", "built_by_starlette", "warn_outer_middleware", "__init__")
        while frame is not None and frame.f_code.co_name in names:
            frame = frame.f_back
        if frame is None or frame.f_code.co_name != "build_middleware_stack":
            return None
        module = str(frame.f_globals.get("__name__", ""))
        if module.split(".")[0] not in ("starlette", "fastapi"):
            return None
        return frame.f_locals.get("self")
    finally:
        del frame  # a frame refers to its locals: no reference cycle left behind


def built_by_starlette() -> bool:
    """Whether Starlette's or FastAPI's ``build_middleware_stack`` is constructing us
    (see :func:`starlette_builder`); any other construction raises at once."""
    return starlette_builder() is not None


#: Middleware that never answers a request itself: harmless outside CORS.
_PASS_THROUGH = frozenset(
    {"GZipMiddleware", "SessionMiddleware", "TrustedHostMiddleware", "ProxyHeadersMiddleware"}
)


def outer_middleware(app: Any, ours: type) -> list[str]:
    """The middleware of ``app.user_middleware`` that runs before ``ours`` and may
    answer a request itself, by name (``@app.middleware("http")`` functions by theirs).

    Starlette runs ``user_middleware`` in order, the first outermost, and
    ``add_middleware`` (which ``@app.middleware`` calls) inserts at the front: the
    middleware added last runs first.
    """
    names: list[str] = []
    for entry in getattr(app, "user_middleware", ()):
        cls = getattr(entry, "cls", None)
        if isinstance(cls, type) and issubclass(cls, ours):
            return names
        name = str(getattr(cls, "__name__", repr(cls)))
        dispatch = getattr(entry, "kwargs", {}).get("dispatch")
        if dispatch is not None:  # @app.middleware("http"): BaseHTTPMiddleware(dispatch=f)
            names.append(f"@app.middleware function {getattr(dispatch, '__name__', dispatch)}")
        elif name not in _PASS_THROUGH:
            names.append(name)
    return []  # not found: built some other way


def warn_outer_middleware(ours: type) -> None:
    """Log once, at start-up, the middleware that can answer a preflight before ours.

    A preflight carries no cookies and no Authorization (Fetch §4.8): an
    authentication middleware in front of CORS answers it 401 without CORS headers,
    and the browser reports ``PreflightMissingAllowOriginHeader`` while corecors
    never sees the request (fastapi/fastapi#2693).
    """
    app = starlette_builder()
    outer = outer_middleware(app, ours) if app is not None else []
    if outer:
        logger.warning(
            "CORSMiddleware is not the outermost middleware: %s run%s before it and can "
            "answer a preflight without CORS headers (an authentication check answering "
            "401 makes the browser report PreflightMissingAllowOriginHeader, and corecors "
            "never sees the request). Fix: call app.add_middleware(CORSMiddleware, ...) "
            "after every other app.add_middleware and @app.middleware: the one added last "
            "runs first.",
            ", ".join(outer),
            "s" if len(outer) == 1 else "",
        )


class Unconfigured:
    """The router of a middleware kept with its configuration error: every
    request that needs a policy raises the error."""

    only = None

    def __init__(self, error: CORSConfigError) -> None:
        self.error = error

    def answers_for(self, path: str) -> Answers | None:
        raise CORSConfigError(self.error.problems)  # a fresh traceback each time
