"""CORSMiddleware in frameworks beyond FastAPI, Flask and Django, each through its own test client.

Each module builds the conformance table's reference application in one
framework, runs the table through it, and runs the docs' recipe for it (docs/other-frameworks.md).
"""

from __future__ import annotations

import re
from typing import Any

from tests.docs import section

SECTION = section("frameworks")
METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]
FRONT = "https://app.example.com"  # the origin every recipe allows
PREFLIGHT = {"Origin": FRONT, "Access-Control-Request-Method": "GET"}


def run_recipe(framework: str, namespace: dict[str, Any]) -> dict[str, Any]:
    """Run the README's recipe for ``framework`` in ``namespace``; return the namespace.

    The recipe is the code block after the bold ``**framework**`` label; it must
    stay short (the few lines a user adds to an app they already have).
    """
    found = re.search(
        rf"\*\*{re.escape(framework)}\*\*[^\n]*\n\n```python\n(.*?)```", SECTION, re.S
    )
    assert found, f"no {framework} recipe in the README's frameworks section"
    code = [line for line in found.group(1).splitlines() if line and not line.startswith("from ")]
    assert len(code) <= 3, f"the {framework} recipe is {len(code)} lines besides imports"
    exec(compile(found.group(1), f"README {framework}", "exec"), namespace)
    return namespace


def assert_recipe_answers(preflight: Any, actual: Any, other: Any) -> None:
    """The recipe's three answers: an allowed preflight and GET from FRONT, a refused GET.

    Each is a response with ``status_code`` and a case-insensitive ``headers``
    mapping (every framework's test client gives one).
    """
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == FRONT
    assert actual.headers["Access-Control-Allow-Origin"] == FRONT
    assert "Access-Control-Allow-Origin" not in other.headers
    assert other.headers["Vary"] == "Origin"
