"""The version matrix: the test suite on each Python and on the oldest and newest frameworks.

The main cell is ``make test`` (the project's .venv: every check, the browser
tests, coverage). These cells run the rest of the suite in their own virtual
environments under .nox/, each with the ``test`` extra:

- ``oldest``: the lowest version each extra of pyproject.toml allows;
- ``newest``: the newest releases (pip's choice for this Python: Django 6
  needs Python 3.12).

They leave out what only the main cell runs (the browser and soak suites,
which start real browsers and long-running servers). ``.ci/run`` runs
``nox`` after ``make test``; ``nox -s "tests(3.13-newest)"`` runs one cell.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import nox

nox.options.default_venv_backend = "uv|venv"  # uv installs in seconds; venv + pip if absent
nox.options.reuse_venv = "yes"
nox.options.error_on_missing_interpreters = True  # a missing Python fails, never skips

#: The lowest version each extra allows (pyproject.toml's ``>=``), and the
#: Werkzeug that Flask 3.0.0 was released with. FastAPI 0.115.0 wants an older
#: Starlette; its later 0.115.x releases accept 0.40.
OLDEST = [
    "starlette==0.40.0",
    "fastapi>=0.115,<0.116",
    "flask==3.0.0",
    "werkzeug==3.0.0",
    "django==5.2.0",
]


def interpreter(version: str) -> str:
    """The newest pyenv-installed Python ``version`` (e.g. "3.12"), by path: pyenv's
    ``python3.12`` shim only works while that version is selected. Else ``version``,
    for nox to find on PATH."""
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    found = [p for p in root.glob(f"{version}.*/bin/python{version}") if p.is_file()]
    if not found:
        return version
    newest = max(found, key=lambda p: [int(n) for n in re.findall(r"\d+", p.parts[-3])])
    return str(newest)


#: (Python, framework versions) of each cell.
CELLS = [("3.11", "oldest"), ("3.12", "newest"), ("3.13", "newest")]

#: What only the main cell runs: browser-driving and long real-server suites.
MAIN_CELL_ONLY = [
    "--ignore=tests/e2e",
    "--ignore=tests/reliability",
    "-m",
    "not browser and not soak",
]


@nox.session
@nox.parametrize(
    "python,frameworks",
    [(interpreter(py), fw) for py, fw in CELLS],
    ids=[f"{py}-{fw}" for py, fw in CELLS],
)
def tests(session: nox.Session, frameworks: str) -> None:
    """The suite without the browser tests, on one Python and one set of framework versions."""
    pins = OLDEST if frameworks == "oldest" else []
    started = time.monotonic()
    session.install("--upgrade", "-e", ".[test]", *pins)
    installed = time.monotonic()
    session.run("python", "-m", "tests.cell_versions")  # the versions under test, in the log
    session.run(
        "python", "-m", "pytest", "-q", "-p", "no:cacheprovider", *MAIN_CELL_ONLY, *session.posargs
    )
    session.log(
        f"cell {session.name}: install {installed - started:.0f} s, "
        f"tests {time.monotonic() - installed:.0f} s"
    )
