"""The shared conformance table through the ASGI adapter, with Starlette's real TestClient.

Three applications behind the middleware: the reference app in raw ASGI
(wrapped directly), a Starlette app and a FastAPI app (``add_middleware``, so
the middleware sits inside the framework's error and exception layers).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from starlette.testclient import TestClient

from corecors.adapters.asgi import CORSMiddleware
from tests.conformance import IDS, SCENARIOS, Scenario, build, check

from .helpers import reference_asgi_app, reference_fastapi_app, reference_starlette_app


def _built(factory: Callable[..., Any]) -> Callable[..., Any]:
    """Starlette builds its middleware on the first request; build it now, inside
    ``build()``, so that a risky configuration warns where the table expects it."""

    def make(**cors: Any) -> Any:
        app = factory(**cors)
        app.middleware_stack = app.build_middleware_stack()
        return app

    return make


FACTORIES: dict[str, Callable[..., Any]] = {
    "asgi": lambda **cors: CORSMiddleware(reference_asgi_app, **cors),
    "starlette": _built(reference_starlette_app),
    "fastapi": _built(reference_fastapi_app),
}


@pytest.mark.parametrize("framework", FACTORIES)
@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_conformance(scenario: Scenario, framework: str) -> None:
    app = build(scenario, FACTORIES[framework])
    with TestClient(app) as client:
        response = client.request(scenario.method, scenario.path, headers=dict(scenario.headers))
    check(scenario, response.status_code, response.headers.multi_items(), response.content)
