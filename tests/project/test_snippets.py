"""Every ```python block of the README and of every guide page runs as written.

Blocks of a page run in order in one namespace, as a reader would paste them;
``GIVENS`` adds, before a block, what its text assumes the reader already has
(an app, a view function), and nothing else. The tests beside each feature
then check that the blocks do what the text around them says (for example
tests/asgi/test_readme_section.py, tests/frameworks/); this one guarantees that
no block is left unexecuted, including blocks added later.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.docs import ROOT, named_blocks, pages, python_blocks, text

#: (page, block index) -> code run just before that block, in its namespace.
GIVENS = {
    # "CORS(app, policy=...)" is an alternative to the first block, on a fresh app.
    ("flask.md", 2): "from flask import Flask\napp = Flask('docs')",
    ("flask.md", 3): (
        "from flask import Flask\napp = Flask('docs')\n"
        "from corecors import CORSPolicy\nmy_policy = CORSPolicy(allow_origins=['*'])\n"
        "def application(environ, start_response):\n"
        "    start_response('200 OK', [])\n    return [b'ok']"
    ),
    ("other-frameworks.md", 0): (
        "from litestar import get\n@get('/')\nasync def index() -> str:\n    return 'ok'"
    ),
    ("other-frameworks.md", 1): "from quart import Quart\napp = Quart('docs')",
    ("other-frameworks.md", 2): "import falcon.asgi\napp = falcon.asgi.App()",
    ("other-frameworks.md", 3): "import falcon\napp = falcon.App()",
    ("other-frameworks.md", 4): "import bottle\napp = bottle.Bottle()",
}


def blocks() -> list[tuple[Path, int, str]]:
    """Every block but the named ones (``<!-- recipe: NAME -->``), which the tests that
    name them run with the servers they need (tests/recipes)."""
    return [
        (page, index, code)
        for page in pages()
        for index, code in enumerate(python_blocks(text(page)))
        if code not in named_blocks(page).values()
    ]


def by_page() -> dict[Path, list[tuple[int, str]]]:
    found: dict[Path, list[tuple[int, str]]] = {}
    for page, index, code in blocks():
        found.setdefault(page, []).append((index, code))
    return found


@pytest.fixture(autouse=True)
def logging_as_it_was() -> Iterator[None]:
    """The debugging page configures logging (``basicConfig``, the ``corecors`` level):
    put it back, so that later tests see the logging they set up themselves."""
    root, corecors = logging.getLogger(), logging.getLogger("corecors")
    handlers, levels = list(root.handlers), (root.level, corecors.level)
    yield
    root.handlers[:] = handlers
    root.setLevel(levels[0])
    corecors.setLevel(levels[1])


@pytest.mark.parametrize("page", list(by_page()), ids=lambda page: page.name)
def test_every_python_block_of_the_page_runs(page: Path) -> None:
    namespace: dict[str, Any] = {"__name__": __name__}  # Litestar looks the module up
    for index, code in by_page()[page]:
        given = GIVENS.get((page.name, index))
        if given:
            exec(compile(given, f"given for {page.name} block {index}", "exec"), namespace)
        with warnings.catch_warnings():
            # A block may show a configuration that warns (W003 in FastAPI's tutorial);
            # what it warns is checked where the feature is tested.
            warnings.simplefilter("ignore")
            exec(compile(code, f"{page.relative_to(ROOT)} block {index}", "exec"), namespace)


def test_every_given_is_for_a_block_that_exists() -> None:
    existing = {(page.name, index) for page, index, _ in blocks()}
    assert set(GIVENS) <= existing
    assert len(blocks()) >= 25  # the README and the guide have that many at least


def test_every_named_block_is_run_by_a_test_that_names_it() -> None:
    sources = "\n".join(
        path.read_text() for path in (ROOT / "tests").rglob("*.py") if path.name != "docs.py"
    )
    for page in pages():
        for name in named_blocks(page):
            assert f'"{name}"' in sources, f"no test runs the block {name!r} of {page.name}"
