"""The README's "FastAPI / Starlette" section: its snippets run and do what the text says."""

from __future__ import annotations

import ast
import inspect
import re
from typing import Any

from starlette.testclient import TestClient

from corecors.adapters.asgi import CORSMiddleware
from tests.docs import section

SECTION = section("asgi")
SNIPPETS = re.findall(r"```python\n(.*?)```", SECTION, re.S)


def run(snippet: str) -> Any:
    namespace: dict[str, Any] = {}
    exec(compile(snippet, "README asgi section", "exec"), namespace)
    app = namespace["app"]

    @app.get("/{path:path}")
    def anything() -> dict[str, str]:
        return {"ok": "yes"}

    return app


def test_the_section_has_the_migration_and_the_extras() -> None:
    assert len(SNIPPETS) == 2
    assert "from corecors.adapters.asgi import CORSMiddleware" in SNIPPETS[0]
    assert "# Migrating from Starlette's CORSMiddleware" in section("asgi-migration")


def test_migration_snippet() -> None:
    client = TestClient(run(SNIPPETS[0]))
    response = client.options(
        "/items",
        headers={
            "Origin": "http://localhost:5173",
            "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "http://localhost:5173"
    assert response.headers["access-control-allow-credentials"] == "true"
    assert response.headers["access-control-allow-methods"] == "PATCH"
    assert response.headers["access-control-allow-headers"] == "authorization"


def test_extras_snippet() -> None:
    app = run(SNIPPETS[1])
    client = TestClient(app)
    api = client.get("/api/items", headers={"Origin": "https://app.example.com"})
    assert api.headers["access-control-allow-origin"] == "https://app.example.com"
    assert api.headers["access-control-allow-credentials"] == "true"
    public = client.get("/public/logo", headers={"Origin": "https://elsewhere.example.org"})
    assert public.headers["access-control-allow-origin"] == "*"
    other = client.get("/other", headers={"Origin": "https://app.example.com"})
    assert "access-control-allow-origin" not in other.headers
    assert "vary" not in other.headers
    middleware = [m for m in app.user_middleware if m.cls is CORSMiddleware]
    assert middleware[0].kwargs["check_websocket_origin"] is True


def test_documented_defaults_are_the_real_ones() -> None:
    parameters = inspect.signature(CORSMiddleware).parameters
    documented = re.findall(r"`(\w+)=([^`]+)`", SECTION.split("```", 1)[0])
    assert len(documented) == 8
    for name, default in documented:
        assert ast.literal_eval(default) == parameters[name].default, name
