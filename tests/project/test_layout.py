"""The tree shows its three programs: the engine, the browser model, the adapters.

Read from the source with ``ast`` (nothing is imported), so a violation fails here
whatever the tests that exercise the code do:

- ``corecors.engine`` and ``corecors.browser`` import nothing from each other: the
  browser model is the oracle the engine is tested against (docs/architecture.md);
- no module imports a private module or name (``_x``) of another package: the
  adapters use ``corecors`` and ``corecors.engine``'s re-exports, ``cli`` and
  ``testing`` use ``corecors.browser``'s;
- the engine and the browser model use the standard library only.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = {"corecors": ROOT / "corecors", "corecors.adapters": ROOT / "adapters"}


def modules() -> dict[str, Path]:
    """Every module of the distribution, by its import name."""
    found = {}
    for package, folder in SOURCES.items():
        for path in sorted(folder.rglob("*.py")):
            parts = list(path.relative_to(folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join([package, *parts])] = path
    return found


def package_of(module: str, path: Path) -> str:
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


def imports(module: str, path: Path) -> list[tuple[str, list[str]]]:
    """(module imported, names taken from it) for each import, relative ones resolved."""
    tree = ast.parse(path.read_text(), str(path))
    package = package_of(module, path)
    found: list[tuple[str, list[str]]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((alias.name, []) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.append((base, [alias.name for alias in node.names]))
    return found


def is_private(dotted: str) -> bool:
    return any(part.startswith("_") and not part.startswith("__") for part in dotted.split("."))


MODULES = modules()


def test_the_layout_is_engine_browser_and_adapters() -> None:
    packages = {package_of(name, path) for name, path in MODULES.items()}
    assert {"corecors", "corecors.engine", "corecors.browser", "corecors.adapters"} <= packages
    public_top = {name for name in MODULES if name.count(".") == 1 and not is_private(name)}
    assert public_top == {
        "corecors.__main__",
        "corecors.adapters",
        "corecors.browser",
        "corecors.cli",
        "corecors.engine",
        "corecors.testing",
    }
    # Inside the two subpackages every module is private: their __init__ is the interface.
    for name in MODULES:
        if name.startswith(("corecors.engine.", "corecors.browser.")):
            assert is_private(name.rsplit(".", 1)[1]), name


@pytest.mark.parametrize(("side", "other"), [("engine", "browser"), ("browser", "engine")])
def test_the_engine_and_the_browser_model_are_independent(side: str, other: str) -> None:
    crossing = [
        (name, imported)
        for name, path in MODULES.items()
        if name == f"corecors.{side}" or name.startswith(f"corecors.{side}.")
        for imported, _ in imports(name, path)
        if imported == f"corecors.{other}" or imported.startswith(f"corecors.{other}.")
    ]
    assert crossing == []


def owner(dotted: str) -> str:
    """The package whose private part ``dotted`` is: what precedes its first ``_`` part."""
    parts = dotted.split(".")
    first = next(i for i, part in enumerate(parts) if is_private(part))
    return ".".join(parts[:first])


def test_no_module_reaches_into_another_packages_private_names() -> None:
    reaching = []
    for name, path in MODULES.items():
        own = package_of(name, path)
        for imported, names in imports(name, path):
            if not imported.startswith("corecors"):
                continue
            # A private module belongs to the package above it; a private name to the
            # package of its module: both are that package's and its subpackages' own.
            homes = [(imported, owner(imported))] if is_private(imported) else []
            module_package = package_of(imported, MODULES.get(imported, Path("x.py")))
            homes += [(f"{imported}.{n}", module_package) for n in names if is_private(n)]
            reaching.extend(
                f"{name} imports {dotted}"
                for dotted, home in homes
                if not (own == home or own.startswith(home + "."))
            )
    assert reaching == []


@pytest.mark.parametrize("side", ["engine", "browser"])
def test_the_engine_and_the_model_use_the_standard_library_only(side: str) -> None:
    outside = [
        (name, imported)
        for name, path in MODULES.items()
        if name.startswith(f"corecors.{side}")
        for imported, _ in imports(name, path)
        if imported.split(".")[0] not in {*sys.stdlib_module_names, "corecors", "__future__"}
    ]
    assert outside == []
