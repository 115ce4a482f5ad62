"""Per-path policies below a mount point: raw ASGI, Starlette's Mount, a real uvicorn."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount, WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocket

from corecors.adapters.asgi import CORSMiddleware
from tests.mounts import PARTNER, PREFIXES, ROWS, RULES, Row, applied, ids, partner_get

from .helpers import reference_asgi_app, serve
from .test_middleware import connects

EVIL = "https://evil.example.org"


def mounted(prefix: str, app: Any) -> Any:
    """``app`` at ``prefix`` inside a Starlette application (at the root: ``app`` itself)."""
    return Starlette(routes=[Mount(prefix, app=app)]) if prefix else app


def raw_get(app: Any, scope: dict[str, Any]) -> dict[str, str]:
    """One GET through ``app`` called directly with ``scope``; the response's headers."""
    sent: list[dict[str, Any]] = []
    requests = [{"type": "http.request", "body": b"", "more_body": False}]

    async def receive() -> dict[str, Any]:
        if requests:
            return requests.pop()
        await asyncio.sleep(10)  # the client stays connected (the app cancels this wait)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return {k.decode().lower(): v.decode() for k, v in sent[0]["headers"]}


def answered(scope: dict[str, object]) -> str:
    """Which rule answered ``scope``, sent straight to the middleware over RULES."""
    return applied(raw_get(CORSMiddleware(reference_asgi_app, policy=RULES), scope))


@pytest.mark.parametrize("row", ROWS, ids=ids)
def test_raw_scope_with_root_path(row: Row) -> None:
    # As uvicorn 0.26+ builds it: the root path stands in front of the path.
    scope = partner_get(row.prefix + row.path, row.prefix)
    assert answered(scope) == row.applied


def test_raw_scope_without_root_path_in_path() -> None:
    # Servers that leave the root path out of ``path``: the path is used as it is.
    scope = partner_get("/admin/users/7", "/api")
    assert answered(scope) == "none"


def test_a_root_path_that_is_only_a_prefix_of_the_first_segment_is_not_the_root() -> None:
    # "/api" is not the mount point of "/apiv2/admin/x": the path is used as it is.
    scope = partner_get("/apiv2/admin/x", "/api")
    middleware = CORSMiddleware(reference_asgi_app, policy=RULES)
    assert applied(raw_get(middleware, scope)) == "public"  # not the "/admin/*" carve-out
    assert applied(raw_get(middleware, {**scope, "root_path": ""})) == "public"


@pytest.mark.parametrize("row", ROWS, ids=ids)
def test_starlette_mount(row: Row) -> None:
    app = mounted(row.prefix, CORSMiddleware(reference_asgi_app, policy=RULES))
    response = TestClient(app).get(row.prefix + row.path, headers={"Origin": PARTNER})
    assert applied(dict(response.headers)) == row.applied


@pytest.mark.parametrize("prefix", PREFIXES)
def test_uvicorn_root_path(prefix: str) -> None:
    """``uvicorn app:app --root-path PREFIX`` behind a proxy that strips the prefix.

    The proxy forwards ``/api/items/1`` as ``/items/1``; uvicorn puts the root
    path back in front of it in ``scope["path"]``.
    """
    app = CORSMiddleware(reference_asgi_app, policy=RULES)
    with serve(app, root_path=prefix) as address, httpx.Client() as client:
        for row in (row for row in ROWS if row.prefix == prefix):
            response = client.get(f"http://{address}{row.path}", headers={"Origin": PARTNER})
            assert (row.path, applied(dict(response.headers))) == (row.path, row.applied)


async def _accept(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text("hello")
    await websocket.close()


@pytest.mark.parametrize(
    ("path", "origin", "expected"),
    [
        ("/items/ws", PARTNER, True),
        ("/items/ws", EVIL, 403),  # the partner rule, not the public one at "/*"
        ("/admin/ws", EVIL, True),  # the carve-out: no CORS processing at all
        ("/ws", EVIL, True),  # public
    ],
)
def test_websocket_check_below_a_mount(path: str, origin: str, expected: bool | int) -> None:
    inner = Starlette(routes=[WebSocketRoute("/{rest:path}", _accept)])
    app = mounted("/api", CORSMiddleware(inner, policy=RULES, check_websocket_origin=True))
    assert connects(TestClient(app), origin, "/api" + path) == expected


def test_the_root_path_itself_routes_as_slash() -> None:
    scope = partner_get("/api", "/api")
    assert answered(scope) == "public"
