"""Litestar: the app wrapped in CORSMiddleware, through Litestar's TestClient.

Wrapped, not as Litestar's app-level ``DefineMiddleware``: Litestar runs that
only on a matched route, so its 404 and 405 would leave without CORS headers.
"""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar, Request, Response, get, route
from litestar.testing import TestClient

from corecors.adapters.asgi import CORSMiddleware
from tests.conformance import IDS, SCENARIOS, Scenario, app_response, build, check

from . import FRONT, METHODS, PREFLIGHT, run_recipe


@route("/{path:path}", http_method=METHODS)
async def reference(request: Request[Any, Any, Any]) -> Response[bytes]:
    """The conformance table's reference application, for any method and path."""
    status, headers, body = app_response(request.url.path)
    return Response(
        b"" if request.method == "HEAD" else body,
        status_code=status,
        headers={k: v for k, v in headers if k != "Content-Type"},
        media_type="text/plain",
    )


def reference_litestar_app(**cors: Any) -> CORSMiddleware:
    return CORSMiddleware(Litestar(route_handlers=[reference]), **cors)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_conformance(scenario: Scenario) -> None:
    app = build(scenario, reference_litestar_app)
    with TestClient(app) as client:
        response = client.request(scenario.method, scenario.path, headers=dict(scenario.headers))
    check(scenario, response.status_code, response.headers.multi_items(), response.content)


@get("/items")
async def index() -> dict[str, str]:
    return {"ok": "yes"}


def test_readme_recipe() -> None:
    app = run_recipe("Litestar", {"index": index})["app"]
    assert isinstance(app, CORSMiddleware)
    with TestClient(app) as client:
        preflight = client.options("/items", headers=PREFLIGHT)
        actual = client.get("/items", headers={"Origin": FRONT})
        other = client.get("/items", headers={"Origin": "https://evil.example.org"})
        # What Litestar answers before any route's middleware could run.
        not_found = client.get("/nowhere", headers={"Origin": FRONT})
        not_allowed = client.post("/items", headers={"Origin": FRONT})
        unrouted_preflight = client.options("/nowhere", headers=PREFLIGHT)
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == FRONT
    assert actual.json() == {"ok": "yes"}
    assert actual.headers["access-control-allow-origin"] == FRONT
    assert "access-control-allow-origin" not in other.headers
    assert other.headers["vary"] == "Origin"
    for answer, status in ((not_found, 404), (not_allowed, 405), (unrouted_preflight, 200)):
        assert answer.status_code == status
        assert answer.headers["access-control-allow-origin"] == FRONT
        assert "Origin" in answer.headers["vary"]
