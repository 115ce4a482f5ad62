"""Quart: CORSMiddleware around ``app.asgi_app``, through Quart's test client.

Quart's test client (0.23) reads ``more_body`` from every body message, which ASGI makes
optional: the middleware sends it, and these tests fail if it stops.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from quart import Quart, request

from corecors.adapters.asgi import CORSMiddleware
from tests.conformance import IDS, SCENARIOS, Scenario, app_response, build, check

from . import FRONT, METHODS, PREFLIGHT, assert_recipe_answers, run_recipe


def reference_quart_app(**cors: Any) -> Quart:
    """The reference application as Quart views, behind the middleware."""
    app = Quart(__name__)

    # provide_automatic_options=False: OPTIONS requests that are not preflights
    # reach the view, like every other actual request.
    @app.route("/<path:path>", methods=METHODS, provide_automatic_options=False)
    async def anything(path: str) -> tuple[bytes, int, list[tuple[str, str]]]:
        status, headers, body = app_response(request.path)
        # Quart's test client hands back what the view returned, also for HEAD.
        return (b"" if request.method == "HEAD" else body), status, headers

    app.asgi_app = CORSMiddleware(app.asgi_app, **cors)  # type: ignore[method-assign]
    return app


async def send(app: Quart, method: str, path: str, headers: dict[str, str]) -> Any:
    response = await app.test_client().open(path, method=method, headers=headers)
    return response, await response.get_data()


@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_conformance(scenario: Scenario) -> None:
    app = build(scenario, reference_quart_app)
    response, body = asyncio.run(send(app, scenario.method, scenario.path, dict(scenario.headers)))
    check(scenario, response.status_code, list(response.headers.items()), body)


def test_readme_recipe() -> None:
    app = Quart(__name__)

    @app.get("/items")
    async def items() -> dict[str, str]:
        return {"ok": "yes"}

    run_recipe("Quart", {"app": app})

    async def exchange() -> list[Any]:
        return [
            await send(app, "OPTIONS", "/items", PREFLIGHT),
            await send(app, "GET", "/items", {"Origin": FRONT}),
            await send(app, "GET", "/items", {"Origin": "https://evil.example.org"}),
        ]

    (preflight, _), (actual, body), (other, _) = asyncio.run(exchange())
    assert_recipe_answers(preflight, actual, other)
    assert body == b'{"ok":"yes"}\n'
