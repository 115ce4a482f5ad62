"""Falcon, ASGI and WSGI: the app wrapped in CORSMiddleware, through Falcon's TestClient.

Falcon's test ``Result`` keeps one value per header name, so a header sent
twice is not visible here; the plain ASGI and WSGI conformance tests check that
the middleware never does so.
"""

from __future__ import annotations

from typing import Any

import falcon
import falcon.asgi
import pytest
from falcon.testing import TestClient

from corecors.adapters.asgi import CORSMiddleware as ASGIMiddleware
from corecors.adapters.wsgi import CORSMiddleware as WSGIMiddleware
from tests.conformance import IDS, SCENARIOS, Scenario, app_response, build, check

from . import FRONT, PREFLIGHT, assert_recipe_answers, run_recipe


def _respond(req: falcon.Request, resp: falcon.Response) -> None:
    status, headers, body = app_response(req.path)
    resp.status = status
    resp.set_headers(headers)
    resp.data = body  # Falcon sends no body for HEAD itself


class Items:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = {"ok": "yes"}


class AsyncItems:
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        resp.media = {"ok": "yes"}


def reference_asgi(**cors: Any) -> ASGIMiddleware:
    app = falcon.asgi.App()

    async def sink(req: falcon.asgi.Request, resp: falcon.asgi.Response, **_: Any) -> None:
        _respond(req, resp)

    app.add_sink(sink, prefix="/")
    return ASGIMiddleware(app, **cors)


def reference_wsgi(**cors: Any) -> WSGIMiddleware:
    app = falcon.App()

    def sink(req: falcon.Request, resp: falcon.Response, **_: Any) -> None:
        _respond(req, resp)

    app.add_sink(sink, prefix="/")
    return WSGIMiddleware(app, **cors)


FACTORIES = {"asgi": reference_asgi, "wsgi": reference_wsgi}


@pytest.mark.parametrize("interface", FACTORIES)
@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_conformance(scenario: Scenario, interface: str) -> None:
    client = TestClient(build(scenario, FACTORIES[interface]))
    result = client.simulate_request(scenario.method, scenario.path, headers=dict(scenario.headers))
    check(scenario, result.status_code, list(result.headers.items()), result.content)


@pytest.mark.parametrize(
    ("label", "app"),
    [
        ("Falcon (ASGI)", falcon.asgi.App()),
        ("Falcon (WSGI)", falcon.App()),
    ],
    ids=["asgi", "wsgi"],
)
def test_readme_recipe(label: str, app: Any) -> None:
    app.add_route("/items", AsyncItems() if isinstance(app, falcon.asgi.App) else Items())
    client = TestClient(run_recipe(label, {"app": app})["app"])
    preflight = client.simulate_options("/items", headers=PREFLIGHT)
    actual = client.simulate_get("/items", headers={"Origin": FRONT})
    other = client.simulate_get("/items", headers={"Origin": "https://evil.example.org"})
    assert_recipe_answers(preflight, actual, other)
    assert actual.json == {"ok": "yes"}
