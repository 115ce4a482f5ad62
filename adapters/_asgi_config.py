"""The ASGI middleware's own options and its configuration errors under Starlette.

``CORSMiddleware`` raises :class:`corecors.CORSConfigError` when it is built,
except when Starlette's or FastAPI's ``build_middleware_stack`` builds it (see
:func:`built_by_starlette`): then it keeps the error, fails the ASGI lifespan
start-up with its message, and raises it on every request (``Unconfigured``).
"""

from __future__ import annotations

import inspect

from corecors import CORSConfigError, CORSPolicy
from corecors.engine import flag_problem


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


def built_by_starlette() -> bool:
    """Whether Starlette's or FastAPI's ``build_middleware_stack`` is constructing us.

    Looked up only when the configuration is bad: the frame that called
    ``__init__`` (past any subclass ``__init__``) is a function of that name in
    a ``starlette`` or ``fastapi`` module, which ``app.add_middleware`` defers
    to the first ASGI scope. Any other construction raises at once.
    """
    frame = inspect.currentframe()
    try:
        # Past this function, __init__ and any subclass __init__ (a short, finite chain).
        while frame is not None and frame.f_code.co_name in ("built_by_starlette", "__init__"):
            frame = frame.f_back
        if frame is None or frame.f_code.co_name != "build_middleware_stack":
            return False
        module = str(frame.f_globals.get("__name__", ""))
        return module.split(".")[0] in ("starlette", "fastapi")
    finally:
        del frame  # a frame refers to its locals: no reference cycle left behind


class Unconfigured:
    """The router of a middleware kept with its configuration error: every
    request that needs a policy raises the error."""

    single = None

    def __init__(self, error: CORSConfigError) -> None:
        self.error = error

    def for_path(self, path: str) -> CORSPolicy | None:
        raise CORSConfigError(self.error.problems)  # a fresh traceback each time
