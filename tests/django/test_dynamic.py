"""Dynamic origins through the Django middleware (DESIGN.md §7.5): an ``async def``
allow_origin_func awaited under ASGI (AsyncClient: Django's ASGI handler, the async
middleware chain), refused at start-up under WSGI; the tenant by ``get_host()``;
``reconfigure``/``invalidate`` and ``setting_changed``."""

from __future__ import annotations

import asyncio

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import AsyncClient, Client
from pytest_django import Settings

from corecors import CORSConfigError, CORSPolicy
from corecors.adapters import django as cors_django
from corecors.adapters.django import CORSMiddleware

NEW = "https://new.example.org"
STORE: set[str] = set()


async def in_store(origin: str) -> bool:
    await asyncio.sleep(0)  # an async driver's round trip
    return origin in STORE


async def tenant_origins(origin: str, host: str | None) -> bool:
    return host == "testserver" and origin == NEW  # AsyncClient's host


def view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


async def async_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


@pytest.mark.asyncio
async def test_an_async_lookup_under_django_asgi(settings: Settings) -> None:
    STORE.clear()
    STORE.add(NEW)
    settings.CORECORS_POLICY = CORSPolicy(allow_origin_func=in_store, allow_methods=["PUT"])
    client = AsyncClient()
    response = await client.get("/items", headers={"origin": NEW})
    assert response.headers["Access-Control-Allow-Origin"] == NEW
    refused = await client.get("/items", headers={"origin": "https://evil.example.org"})
    assert "Access-Control-Allow-Origin" not in refused.headers
    preflight = await client.options(
        "/items", headers={"origin": NEW, "access-control-request-method": "PUT"}
    )
    assert preflight.status_code == 200
    refused_preflight = await client.options(
        "/items",
        headers={"origin": "https://evil.example.org", "access-control-request-method": "PUT"},
    )
    assert refused_preflight.status_code == 400


@pytest.mark.asyncio
async def test_the_tenant_is_chosen_by_host_under_asgi(settings: Settings) -> None:
    settings.CORECORS_POLICY = CORSPolicy(allow_origin_func=tenant_origins)
    client = AsyncClient()
    allowed = await client.get("/items", headers={"origin": NEW})
    assert allowed.headers["Access-Control-Allow-Origin"] == NEW
    # A second Host line makes "testserver,localhost", which Django refuses: None.
    other = await client.get("/items", headers={"origin": NEW, "host": "localhost"})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_the_tenant_is_chosen_by_host_under_wsgi(settings: Settings) -> None:
    settings.CORECORS_POLICY = CORSPolicy(allow_origin_func=lambda o, h: h == "localhost")
    client = Client()
    allowed = client.get("/items", headers={"origin": NEW, "host": "localhost"})
    assert allowed.headers["Access-Control-Allow-Origin"] == NEW
    assert (
        "Access-Control-Allow-Origin" not in client.get("/items", headers={"origin": NEW}).headers
    )
    # A host Django refuses (ALLOWED_HOSTS): the function gets None, never a 500 from us.
    refused = client.options(
        "/items",
        headers={"origin": NEW, "host": "evil.test", "access-control-request-method": "GET"},
    )
    assert refused.status_code == 400


def test_an_async_function_under_wsgi_is_a_start_up_error(settings: Settings) -> None:
    settings.CORECORS_POLICY = CORSPolicy(allow_origin_func=in_store)
    with pytest.raises(CORSConfigError, match="E005") as error:
        CORSMiddleware(view)  # a sync get_response: Django under WSGI
    assert "CORECORS_POLICY" in str(error.value)
    assert "serve Django under ASGI" in str(error.value)
    CORSMiddleware(async_view)  # under ASGI it is awaited


def test_reconfigure_invalidate_and_setting_changed(settings: Settings) -> None:
    store = {NEW}
    policy = CORSPolicy(allow_origin_func=store.__contains__)
    settings.CORECORS_POLICY = policy
    middleware = CORSMiddleware(view)
    request_factory = Client().get  # through Django's own handler (its own middleware)
    assert (
        request_factory("/items", headers={"origin": NEW}).headers["Access-Control-Allow-Origin"]
        == NEW
    )
    store.clear()
    assert cors_django.invalidate(NEW) >= 1  # every middleware of the process
    assert (
        "Access-Control-Allow-Origin"
        not in request_factory("/items", headers={"origin": NEW}).headers
    )
    assert cors_django.reconfigure(CORSPolicy(allow_origins=[NEW])) >= 1
    assert (
        request_factory("/items", headers={"origin": NEW}).headers["Access-Control-Allow-Origin"]
        == NEW
    )
    with pytest.raises(CORSConfigError, match="is async def"):
        middleware.reconfigure(CORSPolicy(allow_origin_func=in_store))
    # A changed CORS setting rebuilds from the settings (lazily): invalidate still
    # reaches the settings' policy object, which comes back with its answers.
    store.add(NEW)
    settings.CORS_PREFLIGHT_MAX_AGE = 60
    middleware.invalidate(NEW)
    assert (
        request_factory("/items", headers={"origin": NEW}).headers["Access-Control-Allow-Origin"]
        == NEW
    )
    settings.CORECORS_POLICY = "no.such.module.policy"
    middleware.invalidate()  # a broken setting: nothing to invalidate, nothing raised


@pytest.mark.asyncio
async def test_a_sync_function_under_asgi_runs_off_the_event_loop(settings: Settings) -> None:
    import threading

    threads: list[str] = []

    def store(origin: str) -> bool:
        threads.append(threading.current_thread().name)
        return True

    settings.CORECORS_POLICY = CORSPolicy(allow_origin_func=store)
    response = await AsyncClient().get("/items", headers={"origin": NEW})
    assert response.headers["Access-Control-Allow-Origin"] == NEW
    assert threads == ["corecors-lookup"]
