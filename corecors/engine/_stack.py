"""Configuration warnings that point at the user's line, not corecors' own.

A ``CORSConfigWarning`` is raised deep inside corecors (``CORSPolicy`` built by
an adapter built by the user's code); a fixed ``stacklevel`` names whichever
corecors frame happens to sit there. :func:`warn_config` walks the stack out of
corecors' files (the core and the adapters, wherever they are installed) and
warns with the stacklevel of the first frame outside them, so the warning
shows the user's ``CORS(app, ...)`` or ``CORSPolicy(...)`` line. (Python 3.12's
``skip_file_prefixes`` does the same; walking the frames works on 3.11 too,
with one code path everywhere.)
"""

from __future__ import annotations

import importlib.util
import os
import sys
import warnings


def _prefixes() -> tuple[str, ...]:
    """The folders of corecors' own code: ``corecors/`` and ``corecors.adapters``' folder
    (``adapters/`` beside it in an editable install)."""
    core = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep  # corecors/
    spec = importlib.util.find_spec("corecors.adapters")  # found, not imported
    locations = spec.submodule_search_locations if spec is not None else None
    adapters = [os.path.abspath(path) + os.sep for path in locations or ()]
    return (core, *adapters)


#: Files under these prefixes are corecors' own frames.
PREFIXES = _prefixes()


def user_stacklevel(prefixes: tuple[str, ...] = PREFIXES) -> int:
    """The ``stacklevel`` that names, for a ``warnings.warn`` in the caller of the
    caller of this function, the first frame outside ``prefixes``. Raises nothing."""
    frame = sys._getframe(2)  # the function that will call warnings.warn
    level = 1
    while frame.f_back is not None and frame.f_code.co_filename.startswith(prefixes):
        frame = frame.f_back
        level += 1
    return level


def warn_config(warning: Warning) -> None:
    """Emit ``warning`` (a ``CORSConfigWarning``) at the user's line. Raises what
    ``warnings.warn`` raises under an ``error`` filter."""
    warnings.warn(warning, stacklevel=user_stacklevel() + 1)
