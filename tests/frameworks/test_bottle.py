"""Bottle: the app wrapped in the WSGI CORSMiddleware. Bottle has no test client of
its own; werkzeug's (a generic WSGI client) drives it, as in tests/wsgi."""

from __future__ import annotations

from typing import Any

import bottle
import pytest
from werkzeug.test import Client

from corecors.adapters.wsgi import CORSMiddleware
from tests.conformance import IDS, SCENARIOS, Scenario, app_response, build, check

from . import FRONT, METHODS, PREFLIGHT, assert_recipe_answers, run_recipe


def reference_bottle_app(**cors: Any) -> CORSMiddleware:
    app = bottle.Bottle()

    @app.route("/<path:path>", method=METHODS)
    def anything(path: str) -> bytes:
        status, headers, body = app_response(bottle.request.path)
        bottle.response.status = status
        for name, value in headers:
            bottle.response.set_header(name, value)
        return body  # Bottle sends no body for HEAD itself

    return CORSMiddleware(app, **cors)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_conformance(scenario: Scenario) -> None:
    app = build(scenario, reference_bottle_app)
    response = Client(app).open(
        scenario.path, method=scenario.method, headers=dict(scenario.headers)
    )
    check(scenario, response.status_code, response.headers.to_wsgi_list(), response.get_data())


def test_readme_recipe() -> None:
    app = bottle.Bottle()

    @app.get("/items")
    def items() -> dict[str, str]:
        return {"ok": "yes"}

    client = Client(run_recipe("Bottle", {"app": app})["app"])
    preflight = client.options("/items", headers=PREFLIGHT)
    actual = client.get("/items", headers={"Origin": FRONT})
    other = client.get("/items", headers={"Origin": "https://evil.example.org"})
    assert_recipe_answers(preflight, actual, other)
    assert actual.json == {"ok": "yes"}
