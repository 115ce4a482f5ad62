"""The code blocks of docs/dynamic-origins.md, by the name in the comment above each
(``<!-- recipe: NAME -->``): the tests run exactly what the page shows."""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Any

from tests.docs import DOCS, named_blocks

PAGE = DOCS / "dynamic-origins.md"


def blocks() -> dict[str, str]:
    """Every recipe of the page: name -> code."""
    return named_blocks(PAGE)


def block(name: str) -> str:
    return blocks()[name]


def run(name: str, module: str, **given: Any) -> types.ModuleType:
    """Run recipe ``name`` as the module ``module`` (importable by the next recipes),
    with ``given`` names (``REDIS_URL``, ``DATABASE_URL``) defined first."""
    namespace = types.ModuleType(module)
    namespace.__dict__.update(given)
    sys.modules[module] = namespace
    exec(compile(block(name), f"docs/dynamic-origins.md ({name})", "exec"), namespace.__dict__)
    return namespace


def write(name: str, path: Path, prelude: str = "") -> None:
    """Write recipe ``name`` to ``path`` (a module a server imports), after ``prelude``."""
    path.write_text(prelude + block(name))
