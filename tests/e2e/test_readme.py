"""The README's quickstart works as written, and shows the screenshot the e2e suite takes."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from starlette.testclient import TestClient

from tests.docs import section
from tests.servers import ROOT

README = (ROOT / "README.md").read_text()
QUICKSTART = section("quickstart")
FRONT = "http://localhost:3000"
PREFLIGHT = {
    "Origin": FRONT,
    "Access-Control-Request-Method": "PUT",
    "Access-Control-Request-Headers": "authorization,content-type",
}


def snippet(framework: str) -> dict[str, Any]:
    """Run the quickstart's code block for ``framework`` and return its namespace."""
    found = re.search(rf"\*\*{framework}[^\n]*\n\n```python\n(.*?)```", QUICKSTART, re.S)
    assert found, f"no {framework} quickstart"
    assert len(found.group(1).splitlines()) <= 12, "a quickstart is about ten lines"
    # Flask(__name__) needs a real module name to find its root path.
    namespace: dict[str, Any] = {"__name__": __name__}
    exec(compile(found.group(1), f"README {framework}", "exec"), namespace)
    return namespace


def test_fastapi_quickstart_allows_the_front_end() -> None:
    client = TestClient(snippet("FastAPI")["app"])
    response = client.options("/items/1", headers=PREFLIGHT)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == FRONT
    assert response.headers["access-control-allow-credentials"] == "true"


def test_flask_quickstart_allows_the_front_end() -> None:
    app = snippet("Flask")["app"]
    assert isinstance(app, Flask)
    response = app.test_client().options("/items/1", headers=PREFLIGHT)
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == FRONT
    assert response.headers["Access-Control-Allow-Credentials"] == "true"


def test_django_quickstart_names_the_settings_the_example_uses() -> None:
    # Django settings cannot be exec'd in a shared test process; check the
    # snippet against examples/django_app/settings.py, which the e2e suite runs.
    settings = (ROOT / "examples" / "django_app" / "settings.py").read_text()
    block = QUICKSTART.split("**Django**", 1)[1].split("```", 2)[1]
    for line in ('"corecors.adapters.django"', '"corecors.adapters.django.CORSMiddleware"'):
        assert line in block
        assert line in settings
    for name in re.findall(r"^(CORS_\w+) =", block, re.M):
        assert f"\n{name} = " in settings


def test_readme_shows_the_screenshot_the_e2e_suite_takes() -> None:
    assert "/main/docs/demo.png)" in README  # absolute: the README is the PyPI page too
    assert (ROOT / "docs" / "demo.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
