"""What a FastAPI/Starlette user sees: refusal lines at the debug mode's level, and a
configuration error that fails the ASGI lifespan start-up (the real servers:
tests/servers_console)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.testclient import TestClient, WebSocketDenialResponse
from starlette.websockets import WebSocket

from corecors import CORSConfigError
from corecors.adapters.asgi import CORSMiddleware

APP = "https://app.example.com"
EVIL = "https://evil.example.org"
SLASH = {"allow_origins": [APP + "/"]}
PREFLIGHT = {"Origin": EVIL, "Access-Control-Request-Method": "GET"}


def fastapi_app(app_debug: bool = False, **cors: Any) -> FastAPI:
    app = FastAPI(debug=app_debug)
    app.add_middleware(CORSMiddleware, **(cors or {"allow_origins": [APP]}))

    @app.get("/todos")
    def todos() -> list[str]:
        return []

    return app


def refusal_records(caplog: pytest.LogCaptureFixture) -> list[tuple[int, str]]:
    return [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "corecors"]


@pytest.mark.parametrize(("debug", "level"), [(True, logging.WARNING), (False, logging.DEBUG)])
def test_refusals_follow_the_apps_debug_mode(
    debug: bool, level: int, caplog: pytest.LogCaptureFixture
) -> None:
    client = TestClient(fastapi_app(app_debug=debug))
    with caplog.at_level(logging.DEBUG, logger="corecors"):
        assert client.options("/todos", headers=PREFLIGHT).status_code == 400
        assert client.get("/todos", headers={"Origin": EVIL}).status_code == 200
        assert client.get("/todos", headers={"Origin": APP}).status_code == 200
    assert refusal_records(caplog) == [
        (level, f"CORS preflight refused: origin {EVIL!r} is not allowed; add it to allow_origins"),
        (level, f"CORS request refused: origin {EVIL!r} is not allowed"),
    ]


@pytest.mark.parametrize(("debug", "level"), [(True, logging.WARNING), (False, logging.DEBUG)])
def test_the_debug_keyword_wins_over_the_app(
    debug: bool, level: int, caplog: pytest.LogCaptureFixture
) -> None:
    client = TestClient(fastapi_app(app_debug=not debug, allow_origins=[APP], debug=debug))
    with caplog.at_level(logging.DEBUG, logger="corecors"):
        client.get("/todos", headers={"Origin": EVIL})
        client.options("/todos", headers=PREFLIGHT)
    assert [level for level, _ in refusal_records(caplog)] == [level, level]


def test_plain_asgi_without_an_app_in_the_scope_is_not_in_debug_mode(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    for debug, level in ((None, logging.DEBUG), (True, logging.WARNING)):
        caplog.clear()
        client = TestClient(CORSMiddleware(app, allow_origins=[APP], debug=debug))
        with caplog.at_level(logging.DEBUG, logger="corecors"):
            client.get("/", headers={"Origin": EVIL})
        assert [level for level, _ in refusal_records(caplog)] == [level]


@pytest.mark.parametrize("value", ["yes", 1, 0])
def test_debug_must_be_a_bool_or_none(value: object) -> None:
    with pytest.raises(CORSConfigError) as caught:
        CORSMiddleware(FastAPI(), allow_origins=[APP], debug=value)  # type: ignore[arg-type]
    (problem,) = caught.value.problems
    assert (problem.code, problem.option, problem.value) == ("E011", "debug", value)
    assert "True, False or None" in problem.message


def test_a_refused_websocket_handshake_is_logged_at_the_apps_level(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def endpoint(websocket: WebSocket) -> None:  # pragma: no cover - never reached
        await websocket.accept()
        await websocket.close()

    app = Starlette(debug=True, routes=[WebSocketRoute("/ws", endpoint)])
    app.add_middleware(CORSMiddleware, allow_origins=[APP], check_websocket_origin=True)
    with (
        caplog.at_level(logging.DEBUG, logger="corecors"),
        pytest.raises(WebSocketDenialResponse),
        TestClient(app).websocket_connect("/ws", headers={"Origin": EVIL}),
    ):
        pass  # pragma: no cover - the handshake is refused
    assert refusal_records(caplog) == [
        (logging.WARNING, f"CORS WebSocket handshake refused: origin {EVIL!r} is not allowed")
    ]


def test_a_flood_of_distinct_origins_prints_a_bounded_number_of_lines(
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = TestClient(fastapi_app(app_debug=True))
    with caplog.at_level(logging.WARNING, logger="corecors"):
        for i in range(80):
            client.get("/todos", headers={"Origin": f"https://x{i}.example.org"})
    lines = [message for _, message in refusal_records(caplog)]
    assert len(lines) == 51  # 50 refusals, then one line saying the rest are not logged
    assert lines[-1].startswith("CORS: 50 refusals logged within 60 s; further refusals")


# --- A configuration error under Starlette's lazily built middleware stack --------------


def lifespan_messages(app: Any) -> list[dict[str, Any]]:
    """The messages an application sends for a lifespan start-up, as a server drives it."""
    sent: list[dict[str, Any]] = []
    incoming = [{"type": "lifespan.startup"}]

    async def receive() -> dict[str, Any]:
        if incoming:
            return incoming.pop()
        await asyncio.sleep(3600)  # pragma: no cover - the start-up ends before this
        raise AssertionError("unreachable")  # pragma: no cover

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def run() -> None:
        await asyncio.wait_for(
            app({"type": "lifespan", "asgi": {"version": "3.0"}}, receive, send), 10
        )

    # After the message, the error is raised too, as Starlette's own lifespan does.
    with pytest.raises(CORSConfigError, match=r"\[E002\]"):
        asyncio.run(run())
    return sent


@pytest.mark.parametrize("framework", ["fastapi", "starlette"])
def test_add_middleware_with_a_bad_option_fails_the_lifespan_startup(framework: str) -> None:
    if framework == "fastapi":
        app: Any = fastapi_app(**SLASH)
    else:
        app = Starlette()
        app.add_middleware(CORSMiddleware, **SLASH)
    (message,) = lifespan_messages(app)
    assert message["type"] == "lifespan.startup.failed"
    assert message["message"].startswith("invalid CORS configuration (1 problem):")
    assert (
        "an origin never ends with a slash. Fix: use 'https://app.example.com' [E002]"
        in (message["message"])
    )


def test_a_test_client_started_as_a_context_manager_raises_it() -> None:
    # It entered and then hung for ever in its shutdown when the error was only sent.
    client = TestClient(fastapi_app(**SLASH))
    with pytest.raises(CORSConfigError, match=r"\[E002\]"):
        client.__enter__()


def test_add_middleware_with_a_bad_option_raises_on_every_request() -> None:
    with pytest.raises(CORSConfigError, match=r"\[E002\]"):
        TestClient(fastapi_app(**SLASH)).get("/todos")
    client = TestClient(fastapi_app(**SLASH), raise_server_exceptions=False)
    for _ in range(2):
        assert client.get("/todos", headers={"Origin": APP}).status_code == 500


def test_add_middleware_with_a_bad_option_raises_on_a_websocket() -> None:
    app = fastapi_app(**SLASH)
    with (
        pytest.raises(CORSConfigError, match=r"\[E002\]"),
        TestClient(app).websocket_connect("/ws"),
    ):
        pass  # pragma: no cover - the connection fails


def test_built_any_other_way_a_bad_option_raises_at_once() -> None:
    with pytest.raises(CORSConfigError, match=r"\[E002\]"):
        CORSMiddleware(FastAPI(), **SLASH)

    def build_middleware_stack() -> CORSMiddleware:  # the name alone is not Starlette
        return CORSMiddleware(FastAPI(), **SLASH)

    with pytest.raises(CORSConfigError, match=r"\[E002\]"):
        build_middleware_stack()
