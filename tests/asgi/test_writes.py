"""protect_writes through the ASGI middleware (Starlette's and FastAPI's test clients)."""

from __future__ import annotations

import asyncio
import logging

import pytest
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from corecors import CORSPolicy, PathPolicies
from corecors.adapters.asgi import CORSMiddleware
from corecors.engine._writes import WRITE_REFUSAL_BODY
from tests.writes import APP, EVIL, HOST, OPTIONS, ROWS, Row, check, ids

METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]


def counting_app(ran: list[str], **middleware: object) -> Starlette:
    async def endpoint(request: Request) -> PlainTextResponse:
        ran.append(request.url.path)
        return PlainTextResponse("ran")

    routes = [Route("/{path:path}", endpoint, methods=METHODS)]
    return Starlette(routes=routes, middleware=[Middleware(CORSMiddleware, **middleware)])


@pytest.mark.parametrize("row", ROWS, ids=ids)
def test_the_table(row: Row) -> None:
    ran: list[str] = []
    client = TestClient(counting_app(ran, **OPTIONS), base_url=f"http://{HOST}")
    response = client.request(row.method, "/items", headers=row.headers())
    body = response.content if row.method != "HEAD" else WRITE_REFUSAL_BODY
    check(row, response.status_code, body, len(ran))


def test_the_403_carries_vary_and_the_grant_of_a_readable_origin(
    caplog: pytest.LogCaptureFixture,
) -> None:
    ran: list[str] = []
    reads = CORSPolicy(allow_origins=[EVIL], protect_writes=True)  # reads only: no credentials
    client = TestClient(counting_app(ran, policy=reads, debug=True), base_url=f"http://{HOST}")
    with caplog.at_level(logging.WARNING, "corecors"):
        response = client.post("/x", headers={"Origin": EVIL, "Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403
    assert ran == []
    assert response.headers["access-control-allow-origin"] == EVIL  # the page may read the 403
    assert response.headers["vary"] == "Origin"
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    [line] = caplog.messages
    assert line.startswith("CORS write refused: cross-origin 'POST' from origin")
    assert "add its origin to allow_origins with allow_credentials=True" in line


def test_the_host_is_the_header_the_server_received_never_the_url() -> None:
    # A hostile Host cannot make a foreign Origin "same-origin": it is compared as received.
    ran: list[str] = []
    client = TestClient(counting_app(ran, **OPTIONS), base_url="http://evil.example")
    assert client.post("/x", headers={"Origin": "http://evil.example"}).status_code == 200
    assert client.post("/x", headers={"Origin": "http://api.example.com"}).status_code == 403
    no_host = counting_app(ran, **OPTIONS)

    async def call() -> list[dict[str, object]]:
        sent: list[dict[str, object]] = []
        scope = {
            "type": "http",
            "method": "POST",
            "path": "/x",
            "headers": [(b"origin", EVIL.encode())],
        }

        async def receive() -> dict[str, object]:
            return {"type": "http.request", "body": b""}

        async def send(message: dict[str, object]) -> None:
            sent.append(message)

        await no_host(scope, receive, send)  # type: ignore[arg-type]
        return sent

    assert asyncio.run(call())[0]["status"] == 403


def test_a_path_rule_without_protection_is_exempt_exactly_as_routed() -> None:
    ran: list[str] = []
    protected = CORSPolicy(**OPTIONS)  # type: ignore[arg-type]
    hooks = CORSPolicy(allow_origins=[APP], allow_credentials=True)
    rules = PathPolicies([("/hooks/stripe", hooks), ("/api/*", protected), ("/open/*", None)])
    client = TestClient(counting_app(ran, policy=rules), base_url=f"http://{HOST}")
    attack = {"Origin": EVIL, "Sec-Fetch-Site": "cross-site"}
    assert client.post("/hooks/stripe", headers=attack).status_code == 200
    # Exact: neither a longer path nor another case escapes the protected rule.
    assert client.post("/api/hooks/stripe", headers=attack).status_code == 403
    assert client.post("/hooks/stripe/x", headers=attack).status_code == 200  # no rule: no CORS
    assert client.post("/open/x", headers=attack).status_code == 200  # documented: unprotected
    assert ran == ["/hooks/stripe", "/hooks/stripe/x", "/open/x"]


def test_fastapi_keyword() -> None:
    ran: list[str] = []
    app = FastAPI()

    @app.post("/items")
    async def create() -> dict[str, bool]:
        ran.append("create")
        return {"ok": True}

    app.add_middleware(
        CORSMiddleware, allow_origins=[APP], allow_credentials=True, protect_writes=True
    )
    client = TestClient(app, base_url=f"http://{HOST}")
    assert (
        client.post("/items", headers={"Origin": EVIL, "Sec-Fetch-Site": "cross-site"}).status_code
        == 403
    )
    response = client.post("/items", headers={"Origin": APP, "Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == APP
    assert ran == ["create"]
