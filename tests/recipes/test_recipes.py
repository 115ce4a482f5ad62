"""docs/dynamic-origins.md's recipes, run as shown against real stores started here:
SQLite and PostgreSQL (Django model), SQLite through aiosqlite (FastAPI with async
SQLAlchemy), Redis (the shared store and the channel every worker listens to)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import redis
import sqlalchemy
from flask import Flask
from starlette.testclient import TestClient

from corecors import CORSPolicy
from tests.servers import ROOT

from .blocks import blocks, run
from .stores import postgres_server, redis_server

NEW = "https://app.customer.com"
EXPECTED = {
    "before": None,
    "added": NEW,
    "removed": None,
    "asgi": [None, NEW, None],
}


def test_every_recipe_on_the_page_is_run_here() -> None:
    assert sorted(blocks()) == [
        "django-model",
        "fastapi-sqlalchemy",
        "intro",
        "redis-fastapi",
        "redis-flask",
        "redis-store",
    ]


def test_the_introduction() -> None:
    policy = run("intro", "recipe_intro").policy
    assert isinstance(policy, CORSPolicy)
    assert policy.decide("GET", NEW).allowed
    assert policy.decide("GET", "https://app.example.com").allowed
    assert not policy.decide("GET", "https://other.example.com").allowed
    assert policy.options["origin_lookup_timeout"] == 5.0


def django_recipe(database: str) -> dict[str, Any]:
    """The Django recipe in a process of its own (its own settings and database)."""
    done = subprocess.run(
        [sys.executable, "-m", "tests.recipes.django_recipe", database],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


def test_the_django_model_recipe_on_sqlite(tmp_path: Path) -> None:
    result = django_recipe(f"sqlite:{tmp_path / 'origins.db'}")
    assert result.pop("vendor") == "sqlite"
    assert result == EXPECTED


def test_the_django_model_recipe_on_postgresql() -> None:
    with postgres_server() as url:
        result = django_recipe(url)
    assert result.pop("vendor") == "postgresql"
    assert result == EXPECTED


def test_the_fastapi_async_sqlalchemy_recipe(tmp_path: Path) -> None:
    path = tmp_path / "origins.db"
    recipe = run("fastapi-sqlalchemy", "recipe_fastapi", DATABASE_URL=f"sqlite+aiosqlite:///{path}")
    store = sqlalchemy.create_engine(f"sqlite:///{path}")  # the admin side, sync
    recipe.metadata.create_all(store)

    @recipe.app.get("/items")
    async def items() -> list[int]:
        return [1]

    with TestClient(recipe.app) as client, store.begin() as connection:
        assert (
            "access-control-allow-origin"
            not in client.get("/items", headers={"Origin": NEW}).headers
        )
        connection.execute(recipe.allowed_origins.insert().values(origin="https://b.example.com"))
    with TestClient(recipe.app) as client:
        allowed = client.get("/items", headers={"Origin": "https://b.example.com"})
        assert allowed.headers["access-control-allow-origin"] == "https://b.example.com"
        assert allowed.headers["access-control-allow-credentials"] == "true"


def eventually(check: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    """Poll ``check`` (bounded): the invalidation message crosses a thread."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout} s")
        time.sleep(0.01)


def test_the_redis_recipes_flask_and_fastapi() -> None:
    with redis_server() as server:
        store = run("redis-store", "redis_origins")
        flask_recipe = run("redis-flask", "recipe_flask", REDIS_URL=server.url)
        fastapi_recipe = run("redis-fastapi", "recipe_fastapi_redis", REDIS_URL=server.url)
        flask_app: Flask = flask_recipe.app
        flask_app.get("/items")(lambda: "ok")
        fastapi_recipe.app.get("/items")(lambda: [1])
        admin = redis.Redis.from_url(server.url)
        flask_client = flask_app.test_client()
        with TestClient(fastapi_recipe.app) as fastapi_client:

            def granted(client: Any) -> bool:
                response = client.get("/items", headers={"Origin": NEW})
                return "Access-Control-Allow-Origin" in response.headers

            # Both listeners subscribed: a message now reaches them.
            eventually(lambda: admin.pubsub_numsub(store.CHANNEL)[0][1] >= 2, "subscribing")
            assert not granted(flask_client)  # refused, and the refusal is kept
            assert not granted(fastapi_client)
            store.add_origin(admin, NEW)
            eventually(lambda: granted(flask_client), "Flask honouring the new origin")
            eventually(lambda: granted(fastapi_client), "FastAPI honouring the new origin")
            store.remove_origin(admin, NEW)
            eventually(lambda: not granted(flask_client), "Flask honouring the removal")
            eventually(lambda: not granted(fastapi_client), "FastAPI honouring the removal")
