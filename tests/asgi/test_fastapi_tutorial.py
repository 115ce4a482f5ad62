"""FastAPI's CORS tutorial, with one changed import, behaves as docs/architecture.md says.

Each configuration is the tutorial's ``app.add_middleware(CORSMiddleware, ...)``
call unchanged; only ``from fastapi.middleware.cors import CORSMiddleware``
became ``from corecors.adapters.asgi import CORSMiddleware``.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient

from corecors import CORSConfigWarning
from corecors.adapters.asgi import CORSMiddleware

TUTORIAL_ORIGINS = [
    "http://localhost.tiangolo.com",
    "https://localhost.tiangolo.com",
    "http://localhost",
    "http://localhost:8080",
]


def tutorial_app(**cors: Any) -> TestClient:
    app = FastAPI()
    app.add_middleware(CORSMiddleware, **cors)

    @app.get("/")
    async def main() -> dict[str, str]:
        return {"message": "Hello World"}

    # Starlette builds the middleware on the first request; build it here, so
    # that configuration warnings surface where the test expects them.
    app.middleware_stack = app.build_middleware_stack()
    return TestClient(app)


def preflight(client: TestClient, origin: str, method: str, headers: str = "") -> Any:
    request = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers:
        request["Access-Control-Request-Headers"] = headers
    return client.options("/", headers=request)


def cors_headers(response: Any) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k.startswith("access-control-")}


def test_origins_list_with_credentials() -> None:
    # The tutorial's list has a plain-http, non-local origin with credentials:
    # legal but risky (anyone on the network can impersonate it), so it warns.
    with pytest.warns(CORSConfigWarning, match=r"W003") as caught:
        client = tutorial_app(
            allow_origins=TUTORIAL_ORIGINS,
            allow_credentials=True,
            allow_methods=["*"],
            allow_headers=["*"],
        )
    shown = [w.message.problem.value for w in caught if w.category is CORSConfigWarning]  # type: ignore[union-attr]
    assert shown == ["http://localhost.tiangolo.com"]

    response = client.get("/", headers={"Origin": "http://localhost:8080"})
    assert response.json() == {"message": "Hello World"}
    assert cors_headers(response) == {
        "access-control-allow-origin": "http://localhost:8080",
        "access-control-allow-credentials": "true",
    }
    assert response.headers["vary"] == "Origin"

    # With credentials, "*" methods and headers answer with what was asked (Fetch
    # takes "*" literally on credentialed requests), after validating it.
    response = preflight(
        client, "https://localhost.tiangolo.com", "PATCH", "x-custom,authorization"
    )
    assert response.status_code == 200
    assert cors_headers(response) == {
        "access-control-allow-origin": "https://localhost.tiangolo.com",
        "access-control-allow-credentials": "true",
        "access-control-allow-methods": "PATCH",
        "access-control-allow-headers": "x-custom, authorization",
        "access-control-max-age": "600",
    }

    for origin in ("http://localhost:3000", "https://localhost", "https://evil.example.org"):
        response = client.get("/", headers={"Origin": origin})
        assert response.status_code == 200
        assert cors_headers(response) == {}, origin
        assert preflight(client, origin, "GET").status_code == 400


def test_star_for_development_with_credentials_answers_star_without_credentials() -> None:
    with pytest.warns(CORSConfigWarning, match=r"development: \['http://localhost:\*'\].*W001"):
        client = tutorial_app(
            allow_origins=["*"],
            allow_credentials=True,
            allow_methods=["*"],
            allow_headers=["*"],
        )
    response = client.get("/", headers={"Origin": "https://any.example.org"})
    assert response.json() == {"message": "Hello World"}
    # Never the request's origin with credentials: that would let any site read
    # a logged-in user's data. "*" works for every non-credentialed request.
    assert cors_headers(response) == {"access-control-allow-origin": "*"}
    assert response.headers["vary"] == "Origin"

    response = preflight(client, "https://any.example.org", "DELETE", "x-custom,authorization")
    assert response.status_code == 200
    assert cors_headers(response) == {
        "access-control-allow-origin": "*",
        "access-control-allow-methods": "*",
        "access-control-allow-headers": "*, authorization",  # "*" never covers Authorization
        "access-control-max-age": "600",
    }
    assert cors_headers(client.get("/", headers={"Origin": "null"})) == {}


def test_star_for_development_without_credentials() -> None:
    client = tutorial_app(allow_origins=["*"])  # no warning: nothing risky
    response = client.get("/", headers={"Origin": "http://localhost:5173"})
    assert cors_headers(response) == {"access-control-allow-origin": "*"}
    response = preflight(client, "http://localhost:5173", "GET")
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    # Default: GET; POST always passes (a safelisted method), PUT does not.
    assert preflight(client, "http://localhost:5173", "POST").status_code == 200
    assert preflight(client, "http://localhost:5173", "PUT").status_code == 400


def test_production_list_with_explicit_methods_and_headers() -> None:
    client = tutorial_app(
        allow_origins=["https://app.example.com"],
        allow_credentials=True,
        allow_methods=["GET", "POST", "PUT", "DELETE"],
        allow_headers=["Authorization", "Content-Type"],
        max_age=600,
    )
    response = preflight(client, "https://app.example.com", "POST", "authorization,content-type")
    assert response.status_code == 200
    assert response.text == "OK"
    allowed = cors_headers(response)
    assert allowed.pop("access-control-allow-headers").split(", ")[:2] == [
        "authorization",
        "content-type",
    ]
    assert allowed == {
        "access-control-allow-origin": "https://app.example.com",
        "access-control-allow-credentials": "true",
        "access-control-allow-methods": "GET, POST, PUT, DELETE",
        "access-control-max-age": "600",
    }
    assert response.headers["vary"] == (
        "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
    )
    response = client.get("/", headers={"Origin": "https://app.example.com"})
    assert response.headers["access-control-allow-origin"] == "https://app.example.com"
    assert response.headers["access-control-allow-credentials"] == "true"

    refused = {
        "method": preflight(client, "https://app.example.com", "PATCH"),
        "headers": preflight(client, "https://app.example.com", "GET", "x-other"),
        "origin": preflight(client, "https://app.example.com.evil.io", "GET"),
    }
    for what, response in refused.items():
        assert response.status_code == 400, what
        assert response.text.startswith(f"CORS preflight refused: {what} not allowed")
        assert cors_headers(response) == {}, what
