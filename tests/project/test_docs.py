"""The API reference: generated from the code, current, complete, and a site that builds.

docs/generate.py writes docs/reference/ from ``__all__`` and the docstrings; it
fails on a public name without a docstring, a parameter or field that its
docstring does not describe (the convention: docs/architecture.md,
"Docstrings"), a documented default that differs from the code's, or a code without an
example. These tests fail when the committed pages differ from what it writes
now (run ``make docs`` and commit docs/reference/), when a public name has no
entry, and when ``mkdocs build --strict`` warns (a broken link or anchor).
"""

from __future__ import annotations

import difflib
import importlib
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from corecors import CODES
from corecors.adapters.django.checks import DJANGO_CODES

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "docs" / "reference"


@pytest.fixture(scope="module")
def generate() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_generate", ROOT / "docs" / "generate.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def pages(generate: ModuleType) -> dict[str, str]:
    try:
        result: dict[str, str] = generate.pages()
    except LookupError as error:  # what to write where, e.g. "describe the parameter ..."
        problem = f"docs/generate.py: {error}"
    else:
        return result
    pytest.fail(problem, pytrace=False)


def test_the_committed_reference_is_what_the_code_generates(pages: dict[str, str]) -> None:
    committed = {path.name: path.read_text() for path in REFERENCE.glob("*.md")}
    assert sorted(committed) == sorted(pages), "run `make docs` and commit docs/reference/"
    for name, text in pages.items():
        if committed[name] != text:
            diff = difflib.unified_diff(
                committed[name].splitlines(),
                text.splitlines(),
                "committed",
                "generated",
                n=0,
                lineterm="",
            )
            pytest.fail(
                f"docs/reference/{name} is stale: run `make docs` and commit docs/reference/\n"
                + "\n".join(list(diff)[:20]),
                pytrace=False,
            )


def test_every_public_module_has_a_page(generate: ModuleType, pages: dict[str, str]) -> None:
    modules = generate.public_modules()
    for adapter in ("asgi", "wsgi", "flask", "django"):
        assert f"corecors.adapters.{adapter}" in modules
    assert "corecors" in modules
    for name in modules:
        assert f"[`{name}`]({name}.md)" in pages["index.md"]


def test_every_public_name_is_documented(generate: ModuleType, pages: dict[str, str]) -> None:
    undocumented = []
    for module_name in generate.public_modules():
        module = importlib.import_module(module_name)
        page = pages[f"{module_name}.md"]
        for name in module.__all__:
            # Its own heading, followed by more than the heading: a signature or a type,
            # and the text from its docstring (the generator refuses a missing one).
            section = page.split(f"\n## `{name}`\n", 1)
            if len(section) != 2 or len(section[1].split("\n## ", 1)[0].strip()) < 40:
                undocumented.append(f"{module_name}.{name}")
    assert undocumented == []


def test_a_public_name_without_a_docstring_fails_generation(generate: ModuleType) -> None:
    def helper() -> None:
        pass

    with pytest.raises(LookupError, match="helper has no docstring"):
        generate.callable_section("helper", "helper", helper, "##")


def test_an_undescribed_parameter_fails_generation_saying_where(generate: ModuleType) -> None:
    def described(origin: str, unknown_option: int = 1) -> None:
        """Documented, but one parameter is not described.

        - ``origin`` (``str``): the request's origin.
        """

    message = (
        r"describe the parameter described\.unknown_option in the docstring of described: "
        r"a line '- ``unknown_option`` \(type, default X, unit\): what it means'"
    )
    with pytest.raises(LookupError, match=message):
        generate.callable_section("described", "described", described, "##")


def test_a_documented_default_that_differs_from_the_code_fails(generate: ModuleType) -> None:
    def drifted(max_age: int = 600) -> None:
        """One parameter, whose documented default is no longer the code's.

        - ``max_age`` (``int``, seconds, default 300): how long to cache.
        """

    with pytest.raises(LookupError, match=r"says max_age has default 300, the code 600"):
        generate.callable_section("drifted", "drifted", drifted, "##")


def test_parameter_descriptions_come_from_the_docstring(generate: ModuleType) -> None:
    def fetch(url: str, method: str = "GET", *, timeout: float = 5.0, retries: int = 0) -> str:
        """Fetch a page. ``url`` (``str``): an absolute URL.

        - ``method`` (``str``, default ``"GET"``): the request method, as sent.
        - ``timeout`` (``float``, seconds, default 5.0), ``retries`` (``int``, default 0):
          the bounds of the whole fetch.

        Raises ``ValueError`` for a relative ``url``.
        """

    page = "\n".join(generate.callable_section("fetch", "fetch", fetch, "##"))
    rows = [line for line in page.splitlines() if line.startswith("| `")]
    assert rows == [
        "| `url` | `str` | required | An absolute URL. |",
        "| `method` | `str` | `'GET'` | The request method, as sent. |",
        "| `timeout` | `float` | `5.0` | Keyword-only. **Seconds.** The bounds of the whole fetch."
        " |",
        "| `retries` | `int` | `0` | Keyword-only. The bounds of the whole fetch. |",
    ]
    # Shown once, in the table; the rest of the docstring stays above it.
    assert "- `method`" not in page
    assert "Fetch a page." in page
    assert "Raises `ValueError` for a relative `url`." in page


def test_a_reference_must_lead_to_a_description(generate: ModuleType) -> None:
    def vary(existing: str, timeout: float = 5.0) -> None:
        """Merge. ``existing``, ``timeout``: as :func:`corecors.merge_vary`."""

    message = r"describe the parameter corecors\.merge_vary\.timeout in the docstring of"
    with pytest.raises(LookupError, match=message):
        generate.callable_section("vary", "vary", vary, "##")


def test_a_reference_to_another_docstring_takes_its_text(pages: dict[str, str]) -> None:
    # The ASGI middleware describes its CORSPolicy options "as :class:`corecors.CORSPolicy`":
    # its table shows the text written in CORSPolicy's docstring, units included.
    asgi = pages["corecors.adapters.asgi.md"]
    row = next(line for line in asgi.splitlines() if line.startswith("| `max_age` |"))
    assert "**Seconds, 0 to 86400.**" in row
    assert row.split(" | ")[-1] in pages["corecors.md"]


def test_every_code_has_its_meaning_and_fix(pages: dict[str, str]) -> None:
    rows = {
        match.group(1): match.group(0)
        for match in re.finditer(r"^\| ([EW]\d{3}) \|.*$", pages["codes.md"], re.M)
    }
    assert sorted(rows) == sorted([*CODES, *DJANGO_CODES])
    for code, meaning in [*CODES.items(), *DJANGO_CODES.items()]:
        cells = [cell.strip() for cell in rows[code].strip("|").split(" | ")]
        assert cells[1] == meaning.replace("|", "\\|")
        assert len(cells[-1]) > 5, f"{code} has no fix"  # the fix is the last column


def test_the_site_builds_without_a_warning(generate: ModuleType, tmp_path: Path) -> None:
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},  # the theme's end-of-life banner
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    # Every public name has its anchor in the rendered site.
    for module_name in generate.public_modules():
        html = (tmp_path / "reference" / module_name / "index.html").read_text()
        for name in importlib.import_module(module_name).__all__:
            assert f'id="{name.lower()}"' in html, f"{module_name}.{name}"
