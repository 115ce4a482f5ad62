"""ASGI: messages name the keyword arguments the user passed to the middleware."""

from __future__ import annotations

import logging

import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient

from corecors import CORSConfigError
from corecors.adapters.asgi import CORSMiddleware

FRONT = "http://localhost:5173"


def test_refusals_name_the_keyword_and_the_near_miss(caplog: pytest.LogCaptureFixture) -> None:
    app = FastAPI()
    app.add_middleware(CORSMiddleware, allow_origins=[FRONT], allow_methods=["GET", "PUT"])

    @app.post("/todos")
    async def todos() -> dict[str, str]:
        return {}

    client = TestClient(app)
    caplog.set_level(logging.DEBUG, logger="corecors")
    near = {"Origin": "http://127.0.0.1:5173", "Access-Control-Request-Method": "PUT"}
    assert client.options("/todos", headers=near).status_code == 400
    # A JSON POST's preflight: POST is not listed, and passes (a safelisted method).
    post = {
        "Origin": FRONT,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    allowed = client.options("/todos", headers=post)
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == FRONT
    response = client.post("/todos", headers={"Origin": "http://localhost:5174"}, json={})
    assert "access-control-allow-origin" not in response.headers
    assert [r.getMessage() for r in caplog.records if r.name == "corecors"] == [
        "CORS preflight refused: origin 'http://127.0.0.1:5173' is not allowed (did you mean "
        "'http://localhost:5173'? its host is 127.0.0.1, not localhost); add it to allow_origins",
        "CORS request refused: origin 'http://localhost:5174' is not allowed (did you mean "
        "'http://localhost:5173'? its port is 5174, not 5173)",
    ]


def test_a_comma_joined_environment_string_gets_the_list() -> None:
    origins = "http://localhost:5173,http://localhost:3000/"  # os.environ["ORIGINS"]
    with pytest.raises(CORSConfigError) as caught:
        CORSMiddleware(FastAPI(), allow_origins=origins)
    assert str(caught.value) == (
        "invalid CORS configuration (1 problem):\n"
        f"  - allow_origins={origins!r}: must be a list of strings, not one string. Fix: write "
        "allow_origins=['http://localhost:5173', 'http://localhost:3000'] [E011]"
    )


def test_a_lower_case_method_names_the_allowed_one_in_the_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = FastAPI(debug=True)
    app.add_middleware(CORSMiddleware, allow_origins=[FRONT], allow_methods=["GET", "PATCH"])
    client = TestClient(app)
    asked = {"Origin": FRONT, "Access-Control-Request-Method": "patch"}
    assert client.options("/todos", headers=asked).status_code == 400
    lines = [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "corecors"]
    assert lines == [
        (
            logging.WARNING,
            "CORS preflight refused: method 'patch' is not allowed: methods are case-sensitive, "
            "and 'PATCH' is allowed (fetch() upper-cases only DELETE, GET, HEAD, OPTIONS, POST "
            "and PUT); send 'PATCH' from the page, or add 'patch' to allow_methods",
        )
    ]
