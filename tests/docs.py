"""The documentation's text, for the tests that run its code and check its claims.

The README and the guide pages in docs/ mark the parts that tests read with
``<!-- section: NAME -->``; :func:`section` finds one wherever it is, so a test keeps
working when a section moves from one page to another.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def pages() -> list[Path]:
    """The README and every guide page (the generated reference aside)."""
    guide = sorted(p for p in DOCS.rglob("*.md") if "reference" not in p.relative_to(DOCS).parts)
    return [ROOT / "README.md", *guide]


@cache
def text(page: Path) -> str:
    return page.read_text()


def section(name: str) -> str:
    """The text from ``<!-- section: name -->`` to the next marker or the end of its page."""
    marker = f"<!-- section: {name} -->"
    found = [text(page) for page in pages() if marker in text(page)]
    assert len(found) == 1, f"section {name!r} is on {len(found)} pages, not one"
    return found[0].split(marker, 1)[1].split("<!-- section:", 1)[0]


def python_blocks(markdown: str) -> list[str]:
    """The ```python code blocks of ``markdown``, in order."""
    return re.findall(r"^```python\n(.*?)^```", markdown, re.S | re.M)


def named_blocks(page: Path) -> dict[str, str]:
    """The ```python blocks of ``page`` that follow a ``<!-- recipe: NAME -->`` comment, by
    name: run by the tests that name them (tests/recipes), with the stores they need."""
    found = re.findall(r"<!-- recipe: ([a-z-]+) -->\n```python\n(.*?)^```", text(page), re.S | re.M)
    return dict(found)


def all_text() -> str:
    """Every page, one after the other (for claims that may sit on any page)."""
    return "\n".join(text(page) for page in pages())
