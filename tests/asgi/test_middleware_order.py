"""The order of ``add_middleware`` calls (docs/fastapi.md): the docs' example answers
preflights before authentication, and the wrong order is pointed out at start-up."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.middleware.gzip import GZipMiddleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.testclient import TestClient

from corecors.adapters.asgi import CORSMiddleware
from tests.docs import python_blocks, section

FRONT = "https://app.example.com"
PREFLIGHT = {
    "Origin": FRONT,
    "Access-Control-Request-Method": "PUT",
    "Access-Control-Request-Headers": "authorization",
}
OPTIONS = {"allow_origins": [FRONT], "allow_methods": ["GET", "PUT"]}


def documented_app() -> Any:
    (snippet,) = python_blocks(section("asgi-order"))
    namespace: dict[str, Any] = {"__name__": __name__}
    exec(compile(snippet, "docs/fastapi.md asgi-order", "exec"), namespace)
    app = namespace["app"]

    @app.put("/items/1")
    def update() -> dict[str, str]:
        return {"ok": "yes"}

    return app


def order_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "not the outermost" in r.getMessage()]


def test_the_documented_order_answers_preflights_before_authentication(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="corecors"), TestClient(documented_app()) as c:
        preflight = c.options("/items/1", headers=PREFLIGHT)
        anonymous = c.put("/items/1", headers={"Origin": FRONT})
        signed_in = c.put("/items/1", headers={"Origin": FRONT, "Authorization": "Bearer s3cret"})
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == FRONT
    # The page can read the 401: it carries the grant.
    assert anonymous.status_code == 401
    assert anonymous.headers["access-control-allow-origin"] == FRONT
    assert signed_in.status_code == 200
    assert order_warnings(caplog) == []


def test_authentication_added_after_cors_is_named_at_start_up(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = FastAPI()
    app.add_middleware(CORSMiddleware, **OPTIONS)

    @app.middleware("http")
    async def require_token(request: Request, call_next: Any) -> Any:
        if request.headers.get("authorization") != "Bearer s3cret":
            return JSONResponse({"detail": "not authenticated"}, status_code=401)
        return await call_next(request)

    with caplog.at_level(logging.WARNING, logger="corecors"), TestClient(app) as client:
        assert len(order_warnings(caplog)) == 1  # at start-up, before any request
        preflight = client.options("/items/1", headers=PREFLIGHT)
        client.options("/items/1", headers=PREFLIGHT)
    # What the warning is about: the preflight never reached corecors.
    assert preflight.status_code == 401
    assert "access-control-allow-origin" not in preflight.headers
    (message,) = order_warnings(caplog)
    assert message.startswith(
        "CORSMiddleware is not the outermost middleware: @app.middleware function "
        "require_token runs before it"
    )
    assert "call app.add_middleware(CORSMiddleware, ...) after every other" in message


class TokenMiddleware:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)


def test_every_middleware_that_may_answer_is_named_and_pass_through_ones_are_not(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = FastAPI()
    app.add_middleware(CORSMiddleware, **OPTIONS)
    app.add_middleware(GZipMiddleware)
    app.add_middleware(TokenMiddleware)
    app.add_middleware(SessionMiddleware, secret_key="k")
    with caplog.at_level(logging.WARNING, logger="corecors"), TestClient(app):
        pass
    (message,) = order_warnings(caplog)
    assert "outermost middleware: TokenMiddleware runs before it" in message


def test_cors_outermost_or_built_directly_is_not_reported(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = FastAPI()
    app.add_middleware(GZipMiddleware)
    app.add_middleware(CORSMiddleware, **OPTIONS)
    wrapped = CORSMiddleware(FastAPI(), **OPTIONS)  # no Starlette to ask
    with caplog.at_level(logging.WARNING, logger="corecors"), TestClient(app):
        TestClient(wrapped).get("/", headers={"Origin": FRONT})
    assert order_warnings(caplog) == []


class WrappingCORS:
    """A class of the user's that builds corecors' middleware inside its own."""

    def __init__(self, app: Any) -> None:
        self.inner = CORSMiddleware(app, **OPTIONS)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.inner(scope, receive, send)


@pytest.mark.parametrize("kind", ["factory", "wrapper"])
def test_a_middleware_built_inside_another_is_not_second_guessed(
    kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    # Starlette accepts any callable as the middleware "class": corecors cannot tell
    # where it stands in the list, and says nothing.
    def factory(app: Any) -> CORSMiddleware:
        return CORSMiddleware(app, **OPTIONS)

    app = FastAPI()
    app.add_middleware(factory if kind == "factory" else WrappingCORS)
    app.add_middleware(TokenMiddleware)
    with caplog.at_level(logging.WARNING, logger="corecors"), TestClient(app) as client:
        preflight = {"Origin": FRONT, "Access-Control-Request-Method": "PUT"}
        assert client.options("/x", headers=preflight).status_code == 200
    assert order_warnings(caplog) == []
