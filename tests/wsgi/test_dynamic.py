"""Dynamic origins through the WSGI and Flask adapters (DESIGN.md §7.5): a sync
allow_origin_func behind the cache, the tenant by Host, an ``async def`` one refused
at start-up (WSGI cannot await it), ``reconfigure`` and ``invalidate``."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from flask import Blueprint, Flask
from werkzeug.test import Client

from corecors import CORSConfigError, CORSPolicy, PathPolicies
from corecors.adapters import wsgi
from corecors.adapters._common import decide_cgi
from corecors.adapters.flask import CORS, cross_origin
from corecors.adapters.wsgi import CORSMiddleware

NEW = "https://new.example.org"
TENANT_APP = "https://app.acme.com"


async def async_store(origin: str) -> bool:
    return True


def plain_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


def granted(client: Client, origin: str = NEW, **kwargs: Any) -> str | None:
    response = client.get("/items", headers={"Origin": origin}, **kwargs)
    return response.headers.get("Access-Control-Allow-Origin")


def test_an_async_function_on_wsgi_is_a_start_up_error_naming_the_fix() -> None:
    with pytest.raises(CORSConfigError, match="E005") as error:
        CORSMiddleware(plain_app, allow_origin_func=async_store)
    message = str(error.value)
    assert "allow_origin_func" in message
    assert "is async def" in message
    assert "write it as a plain def" in message
    assert "corecors.adapters.asgi" in message


def test_an_async_function_on_flask_is_a_start_up_error() -> None:
    with pytest.raises(CORSConfigError, match="is async def"):
        CORS(Flask(__name__), allow_origin_func=async_store)
    app = Flask(__name__)
    app.config["CORS_ALLOW_ORIGIN_FUNC"] = async_store
    with pytest.raises(CORSConfigError, match="is async def"):
        CORS(app)


def test_an_async_route_function_is_a_start_up_error() -> None:
    with pytest.raises(CORSConfigError, match="is async def"):
        cross_origin(allow_origin_func=async_store)  # at import, where the view is decorated
    with pytest.raises(CORSConfigError, match="is async def"):
        CORS(Blueprint("tenants", __name__), policy=CORSPolicy(allow_origin_func=async_store))
    app = Flask(__name__)
    app.config["CORS_ALLOW_ORIGIN_FUNC"] = async_store

    @app.get("/items")
    @cross_origin()
    def items() -> str:
        return "ok"

    response = app.test_client().get("/items", headers={"Origin": NEW})
    assert response.status_code == 500  # app.config is read with the app: it raises then


def test_a_sync_lookup_is_cached_and_the_tenant_is_chosen_by_host() -> None:
    tenants = {"acme.api.example.com": {TENANT_APP}}
    calls: list[tuple[str, str | None]] = []

    def tenant_origins(origin: str, host: str | None) -> bool:
        calls.append((origin, host))
        return origin in tenants.get(host or "", set())

    client = Client(CORSMiddleware(plain_app, allow_origin_func=tenant_origins))
    acme = {"base_url": "http://acme.api.example.com"}
    assert granted(client, TENANT_APP, **acme) == TENANT_APP
    assert granted(client, TENANT_APP, **acme) == TENANT_APP
    assert granted(client, TENANT_APP, base_url="http://other.api.example.com") is None
    preflight = client.options(
        "/items",
        headers={"Origin": TENANT_APP, "Access-Control-Request-Method": "GET"},
        **acme,
    )
    assert preflight.status_code == 200
    assert calls == [
        (TENANT_APP, "acme.api.example.com"),
        (TENANT_APP, "other.api.example.com"),
    ]


def test_flask_the_tenant_is_chosen_by_host() -> None:
    app = Flask(__name__)
    app.config["CORS_ALLOW_ORIGIN_FUNC"] = lambda origin, host: host == "acme.example.com"

    @app.get("/items")
    def items() -> str:
        return "ok"

    CORS(app)
    client = app.test_client()
    assert granted(client, base_url="http://acme.example.com") == NEW  # type: ignore[arg-type]
    assert granted(client, base_url="http://other.example.com") is None  # type: ignore[arg-type]


def test_reconfigure_and_invalidate_on_wsgi() -> None:
    store = {NEW}
    middleware = CORSMiddleware(plain_app, allow_origin_func=store.__contains__)
    client = Client(middleware)
    assert granted(client) == NEW
    store.clear()
    assert granted(client) == NEW  # kept
    middleware.invalidate(NEW)
    assert granted(client) is None
    store.add(NEW)
    assert wsgi.invalidate() >= 1  # every WSGI middleware of the process
    assert granted(client) == NEW
    middleware.reconfigure(CORSPolicy(allow_origins=["https://other.example.org"]))
    assert granted(client) is None
    assert granted(client, "https://other.example.org") == "https://other.example.org"
    with pytest.raises(CORSConfigError, match="is async def"):
        middleware.reconfigure(PathPolicies([("/*", CORSPolicy(allow_origin_func=async_store))]))
    assert granted(client, "https://other.example.org") == "https://other.example.org"


def test_reconfigure_under_load_never_mixes_two_policies() -> None:
    first, second = "https://first.example.org", "https://second.example.org"
    policies = [
        CORSPolicy(allow_origins=[first], expose_headers=["X-First"]),
        CORSPolicy(allow_origins=[second], expose_headers=["X-Second"]),
    ]
    middleware = CORSMiddleware(plain_app, policy=policies[0])
    stop = threading.Event()
    seen: list[tuple[str | None, str | None]] = []

    def load() -> None:
        client = Client(middleware)
        for n in range(2000):
            if stop.is_set():
                break
            origin = first if n % 2 else second
            response = client.get("/", headers={"Origin": origin})
            seen.append(
                (
                    response.headers.get("Access-Control-Allow-Origin"),
                    response.headers.get("Access-Control-Expose-Headers"),
                )
            )

    threads = [threading.Thread(target=load) for _ in range(4)]
    for thread in threads:
        thread.start()
    for n in range(200):
        middleware.reconfigure(policies[n % 2])
    stop.set()
    for thread in threads:
        thread.join(30)
    assert set(seen) <= {(first, "X-First"), (second, "X-Second"), (None, None)}
    assert (first, "X-First") in seen


def test_flask_cors_reconfigure_and_invalidate() -> None:
    store = {NEW}
    app = Flask(__name__)

    @app.get("/items")
    def items() -> str:
        return "ok"

    cors = CORS(app, allow_origin_func=store.__contains__)
    client = app.test_client()
    assert granted(client) == NEW  # type: ignore[arg-type]
    store.clear()
    cors.invalidate(NEW)
    assert granted(client) is None  # type: ignore[arg-type]
    cors.reconfigure(CORSPolicy(allow_origins=[NEW]))
    assert granted(client) == NEW  # type: ignore[arg-type]
    assert app.extensions["corecors"].policy.allow_origins == (NEW,)


def test_decide_cgi_refuses_what_a_sync_stack_cannot_await() -> None:
    policy = CORSPolicy(allow_origin_func=async_store)
    meta = {"HTTP_ORIGIN": NEW, "HTTP_HOST": "api.example.com"}
    assert not decide_cgi(policy, meta, "GET").allowed
    assert decide_cgi(policy, meta, "GET", awaits=True).kind == "lookup"
    assert decide_cgi(policy, meta, "GET", looked_up=True).allowed
    assert decide_cgi(policy, {}, "GET").kind == "none"  # no Origin: not a CORS request
