"""The Django app behind real servers on 127.0.0.1: gunicorn (WSGI) and uvicorn (ASGI).

Each server runs in a subprocess with ``tests.django.server_settings`` (a migrated
django-cors-headers configuration: CORS_* settings only), started and stopped by
the module-scoped ``server`` fixture. Requests go over real sockets with
``http.client``, so every header the client sees is what a browser would see.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conformance import APP, EVIL
from tests.servers import Server, gunicorn_command, one, subprocess_server, uvicorn_command

COMMANDS = {
    "gunicorn": gunicorn_command("tests.django.wsgi_app:application"),
    "uvicorn": uvicorn_command("tests.django.asgi_app:application", "--lifespan", "off"),
}


@pytest.fixture(scope="module", params=list(COMMANDS))
def server(request: pytest.FixtureRequest) -> Iterator[Server]:
    env = {"DJANGO_SETTINGS_MODULE": "tests.django.server_settings"}
    with subprocess_server(COMMANDS[request.param], ready_path="/items", env=env) as server:
        yield server


def test_preflight(server: Server) -> None:
    status, headers, body = server.request(
        "OPTIONS",
        "/items",
        {
            "Origin": APP,
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "content-type,x-token",
        },
    )
    assert status == 200
    assert body == b"OK"
    assert one(headers, "X-App") is None  # the view never saw it
    assert one(headers, "Access-Control-Allow-Origin") == APP
    assert one(headers, "Access-Control-Allow-Credentials") == "true"
    assert "PUT" in (one(headers, "Access-Control-Allow-Methods") or "")
    assert {"content-type", "x-token"} <= {
        h.strip() for h in (one(headers, "Access-Control-Allow-Headers") or "").split(",")
    }
    assert one(headers, "Access-Control-Max-Age") == "86400"  # django-cors-headers' default
    assert (
        one(headers, "Vary")
        == "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
    )


def test_credentialed_request(server: Server) -> None:
    status, headers, body = server.request(
        "GET", "/items", {"Origin": APP, "Cookie": "sessionid=abc"}
    )
    assert status == 200
    assert body == b"app"
    assert one(headers, "X-Cookies") == "sessionid"  # the cookie reached the view
    assert one(headers, "Access-Control-Allow-Origin") == APP
    assert one(headers, "Access-Control-Allow-Credentials") == "true"
    assert one(headers, "Access-Control-Expose-Headers") == "X-Total"
    assert one(headers, "Vary") == "Origin"


def test_refused_origin(server: Server) -> None:
    status, headers, body = server.request("GET", "/items", {"Origin": EVIL})
    assert status == 200  # the request is served; the browser keeps the answer from EVIL
    assert body == b"app"
    assert not [k for k, _ in headers if k.lower().startswith("access-control-")]
    assert one(headers, "Vary") == "Origin"
    status, headers, body = server.request(
        "OPTIONS", "/items", {"Origin": EVIL, "Access-Control-Request-Method": "PUT"}
    )
    assert status == 400
    assert body.startswith(b"CORS preflight refused: origin")
    assert not [k for k, _ in headers if k.lower().startswith("access-control-")]


def test_server_error_keeps_cors_headers(server: Server) -> None:
    status, headers, _ = server.request("GET", "/raise", {"Origin": APP})
    assert status == 500
    assert one(headers, "Access-Control-Allow-Origin") == APP
    assert one(headers, "Access-Control-Allow-Credentials") == "true"
