"""The "most specific wins" table (tests/routes.py) through ASGI: ``PathPolicies`` rules.

ASGI frameworks have no per-route hook, so the levels are rules, most specific
first (the first match wins): the view's exact path, then ``/group/*``, then
``/*``; in FastAPI with an ``APIRouter`` under ``/group``.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import APIRouter, FastAPI, Response
from starlette.testclient import TestClient

from corecors import CORSPolicy, PathPolicies
from corecors.adapters.asgi import CORSMiddleware
from tests.routes import METHODS, ROWS, VIEW_POLICIES, Row, check, ids, policy


def rules(row: Row) -> PathPolicies:
    found: list[tuple[str, CORSPolicy | None]] = []
    if row.view is not None:
        found.append((row.path, VIEW_POLICIES[row.view]))
    if row.group is not None:
        found.append(("/group/*", policy("group", row.group)))
    if row.app is not None:
        found.append(("/*", policy("app", row.app)))
    return PathPolicies(found)


def route_app(row: Row) -> Any:
    app = FastAPI()
    group = APIRouter(prefix="/group")

    @group.api_route("/{name}", methods=METHODS)
    def view(name: str) -> Response:
        return Response(b"app", headers={"X-App": "1"})

    app.include_router(group)
    app.add_middleware(CORSMiddleware, policy=rules(row))
    return app


@pytest.mark.parametrize("row", ROWS, ids=ids)
def test_fastapi(row: Row) -> None:
    response = TestClient(route_app(row)).request(row.method, row.path, headers=row.headers)
    check(row, response.status_code, dict(response.headers))
