"""Dynamic origins through the ASGI adapter (DESIGN.md §7.5): an ``async def``
allow_origin_func awaited under uvicorn, the tenant chosen by Host, one lookup for
many concurrent requests, ``reconfigure`` and ``invalidate``."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, WebSocket
from starlette.testclient import TestClient
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from corecors import CORSConfigError, CORSPolicy, PathPolicies
from corecors.adapters import asgi
from corecors.adapters.asgi import CORSMiddleware

from .helpers import serve
from .test_middleware import request, values

TENANT_APP = "https://app.acme.com"
NEW = "https://new.example.org"
ORIGIN = NEW.encode()
STORE: set[str] = set()


async def in_store(origin: str) -> bool:
    await asyncio.sleep(0)  # an async driver's round trip
    return origin in STORE


def fastapi_app(**cors: Any) -> FastAPI:
    app = FastAPI()
    app.add_middleware(CORSMiddleware, **cors)

    @app.get("/items")
    async def items() -> list[int]:
        return [1, 2]

    @app.websocket("/ws")
    async def ws(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("hello")
        await websocket.close()

    return app


def origin_header(response: httpx.Response) -> str | None:
    return response.headers.get("access-control-allow-origin")


def test_an_async_lookup_under_uvicorn() -> None:
    STORE.clear()
    STORE.add(NEW)
    app = fastapi_app(allow_origin_func=in_store, check_websocket_origin=True)
    with serve(app) as host, httpx.Client(base_url=f"http://{host}") as client:
        assert origin_header(client.get("/items", headers={"Origin": NEW})) == NEW
        refused = client.get("/items", headers={"Origin": "https://evil.example.org"})
        assert refused.status_code == 200
        assert origin_header(refused) is None
        preflight = client.options(
            "/items", headers={"Origin": NEW, "Access-Control-Request-Method": "GET"}
        )
        assert preflight.status_code == 200
        assert origin_header(preflight) == NEW
        refused_preflight = client.options(
            "/items",
            headers={"Origin": "https://evil.example.org", "Access-Control-Request-Method": "GET"},
        )
        assert refused_preflight.status_code == 400
        with connect(f"ws://{host}/ws", origin=NEW) as websocket:  # type: ignore[arg-type]
            assert websocket.recv(timeout=5) == "hello"
        with (
            pytest.raises(InvalidStatus, match="403"),
            connect(f"ws://{host}/ws", origin="https://evil.example.org"),  # type: ignore[arg-type]
        ):
            pass


def test_the_tenant_is_chosen_by_host() -> None:
    tenants = {"acme.api.example.com": {TENANT_APP}}

    async def tenant_origins(origin: str, host: str | None) -> bool:
        return origin in tenants.get(host or "", set())

    app = fastapi_app(allow_origin_func=tenant_origins)
    with TestClient(app, base_url="http://acme.api.example.com") as client:
        assert (
            client.get("/items", headers={"Origin": TENANT_APP}).headers.get(
                "access-control-allow-origin"
            )
            == TENANT_APP
        )
    with TestClient(app, base_url="http://other.api.example.com") as client:
        response = client.get("/items", headers={"Origin": TENANT_APP})
        assert "access-control-allow-origin" not in response.headers
        assert response.headers["vary"] == "Origin"
    # Without a Host header at all (HTTP/1.0): the function gets None.
    middleware = CORSMiddleware(_ok, allow_origin_func=tenant_origins)
    _, headers, _ = request(middleware, headers=[(b"origin", TENANT_APP.encode())])
    assert values(headers, b"access-control-allow-origin") == []


async def _ok(scope: dict[str, Any], receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def test_200_concurrent_requests_for_one_new_origin_cause_one_lookup() -> None:
    calls: list[str] = []

    async def slow_store(origin: str) -> bool:
        calls.append(origin)
        await asyncio.sleep(0.05)
        return True

    middleware = CORSMiddleware(_ok, allow_origin_func=slow_store)

    async def one() -> bytes:
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b""}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        scope = {
            "type": "http",
            "method": "GET",
            "path": "/",
            "headers": [(b"origin", NEW.encode())],
        }
        await middleware(scope, receive, send)
        return dict(sent[0]["headers"])[b"access-control-allow-origin"]

    async def main() -> list[bytes]:
        return await asyncio.gather(*(one() for _ in range(200)))

    assert asyncio.run(main()) == [NEW.encode()] * 200
    assert calls == [NEW]


def test_a_lookup_that_never_returns_is_refused() -> None:
    async def never(origin: str) -> bool:
        await asyncio.Event().wait()
        return True

    middleware = CORSMiddleware(_ok, allow_origin_func=never, origin_lookup_timeout=0.05)
    status, headers, _ = request(middleware, headers=[(b"origin", NEW.encode())])
    assert status == 200
    assert values(headers, b"access-control-allow-origin") == []
    preflight = [(b"origin", NEW.encode()), (b"access-control-request-method", b"GET")]
    assert request(middleware, "OPTIONS", preflight)[0] == 400


def test_reconfigure_swaps_the_policy_and_a_request_in_flight_keeps_its_own() -> None:
    async def scenario() -> tuple[bytes | None, bytes | None]:
        gate = asyncio.Event()

        async def slow_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
            await gate.wait()
            await _ok(scope, receive, send)

        middleware = CORSMiddleware(slow_app, allow_origins=[NEW])
        results: list[bytes | None] = []

        async def one() -> None:
            sent: list[dict[str, Any]] = []

            async def receive() -> dict[str, Any]:
                return {"type": "http.request", "body": b""}

            async def send(message: dict[str, Any]) -> None:
                sent.append(message)

            scope = {
                "type": "http",
                "method": "GET",
                "path": "/",
                "headers": [(b"origin", NEW.encode())],
            }
            await middleware(scope, receive, send)
            results.append(dict(sent[0]["headers"]).get(b"access-control-allow-origin"))

        in_flight = asyncio.ensure_future(one())
        await asyncio.sleep(0.01)  # the request has read the policy and waits in the app
        middleware.reconfigure(CORSPolicy(allow_origins=["https://other.example.org"]))
        gate.set()
        await in_flight
        await one()
        return results[0], results[1]

    before, after = asyncio.run(scenario())
    assert before == NEW.encode()  # started under the old policy: answered by it
    assert after is None  # every later request: the new one


def test_reconfigure_a_path_policy_and_bad_values() -> None:
    middleware = CORSMiddleware(_ok, allow_origins=[NEW])
    middleware.reconfigure(PathPolicies([("/api/*", CORSPolicy(allow_origins=[TENANT_APP]))]))
    _, headers, _ = request(middleware, headers=[(b"origin", TENANT_APP.encode())], path="/api/x")
    assert values(headers, b"access-control-allow-origin") == [TENANT_APP.encode()]
    with pytest.raises(CORSConfigError, match="must be a CORSPolicy or a PathPolicies"):
        middleware.reconfigure("https://app.example.com")  # type: ignore[arg-type]
    _, headers, _ = request(middleware, headers=[(b"origin", TENANT_APP.encode())], path="/api/x")
    assert values(headers, b"access-control-allow-origin") == [TENANT_APP.encode()]  # unchanged


def test_invalidate_on_the_middleware_and_on_every_middleware() -> None:
    STORE.clear()
    app = fastapi_app(allow_origin_func=in_store)
    with TestClient(app) as client:
        assert (
            "access-control-allow-origin"
            not in client.get("/items", headers={"Origin": NEW}).headers
        )
        STORE.add(NEW)  # added in the store: the kept refusal still answers...
        assert (
            "access-control-allow-origin"
            not in client.get("/items", headers={"Origin": NEW}).headers
        )
        assert asgi.invalidate(NEW) >= 1  # ...until every middleware of the process drops it
        assert (
            client.get("/items", headers={"Origin": NEW}).headers["access-control-allow-origin"]
            == NEW
        )
        STORE.clear()
        assert asgi.invalidate() >= 1
        assert (
            "access-control-allow-origin"
            not in client.get("/items", headers={"Origin": NEW}).headers
        )
    middleware = CORSMiddleware(_ok, allow_origin_func=in_store)
    STORE.add(NEW)
    assert request(middleware, headers=[(b"origin", NEW.encode())])[1]
    STORE.clear()
    middleware.invalidate(NEW)
    _, headers, _ = request(middleware, headers=[(b"origin", NEW.encode())])
    assert values(headers, b"access-control-allow-origin") == []


def test_reconfigure_repairs_a_kept_configuration_error() -> None:
    app = FastAPI()
    app.add_middleware(CORSMiddleware, allow_origins="https://app.example.com")
    middleware: Any = app.build_middleware_stack()  # built lazily: the error is kept
    while not isinstance(middleware, CORSMiddleware):
        middleware = middleware.app
    assert middleware.config_error is not None
    middleware.invalidate()  # nothing to drop: no policy
    middleware.reconfigure(CORSPolicy(allow_origins=[NEW]))
    assert middleware.config_error is None
    _, headers, _ = request(middleware, headers=[(b"origin", NEW.encode())])
    assert values(headers, b"access-control-allow-origin") == [NEW.encode()]


def test_static_kept_and_huge_answers_under_a_function() -> None:
    listed = "https://listed.example.com"
    calls: list[str] = []

    async def store(origin: str) -> bool:
        calls.append(origin)
        return origin == NEW

    middleware = CORSMiddleware(_ok, allow_origins=[listed], allow_origin_func=store)
    for _ in range(2):  # a listed origin: remembered by its bytes, never asked
        _, headers, _ = request(middleware, headers=[(b"origin", listed.encode())])
        assert values(headers, b"access-control-allow-origin") == [listed.encode()]
        preflight = [(b"origin", ORIGIN), (b"access-control-request-method", b"GET")]
        status, headers, _ = request(middleware, "OPTIONS", preflight)  # kept the 2nd time
        assert status == 200
        assert values(headers, b"access-control-allow-origin") == [ORIGIN]
    huge = b"https://" + b"a" * 2000 + b".example.com"
    _, headers, _ = request(middleware, headers=[(b"origin", huge)])
    assert values(headers, b"access-control-allow-origin") == []
    big_headers = [*preflight, (b"access-control-request-headers", b"x-a," * 400)]
    assert request(middleware, "OPTIONS", big_headers)[0] == 400
    assert calls == [NEW]


def test_a_sync_function_runs_off_the_event_loop() -> None:
    import threading

    threads: list[str] = []

    def store(origin: str) -> bool:
        threads.append(threading.current_thread().name)
        return True

    middleware = CORSMiddleware(_ok, allow_origin_func=store)
    _, headers, _ = request(middleware, headers=[(b"origin", ORIGIN)])
    assert values(headers, b"access-control-allow-origin") == [ORIGIN]
    assert threads == ["corecors-lookup"]  # never the event loop's thread
