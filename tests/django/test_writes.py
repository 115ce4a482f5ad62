"""protect_writes in Django: CORECORS_PROTECT_WRITES, get_host(), the cross_origin decorator."""

from __future__ import annotations

import asyncio
import logging
import types

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import AsyncClient, Client
from django.urls import path, re_path
from pytest_django import Settings

from corecors import CORSPolicy
from corecors.adapters.django import cross_origin
from corecors.engine._writes import WRITE_REFUSAL_BODY
from tests.writes import APP, EVIL, HOST, OPTIONS, ROWS, Row, check, ids

ATTACK = {"Origin": EVIL, "Sec-Fetch-Site": "cross-site"}
ran: list[str] = []


def counted(request: HttpRequest) -> HttpResponse:
    ran.append(request.path)
    return HttpResponse(b"ran")


@cross_origin(protect_writes=False)
def hook(request: HttpRequest) -> HttpResponse:
    ran.append("hook")
    return HttpResponse(b"hook")


@cross_origin(allow_origins=[APP], allow_credentials=True, protect_writes=True)
async def guarded(request: HttpRequest) -> HttpResponse:
    ran.append("guarded")
    return HttpResponse(b"guarded")


urlconf = types.ModuleType("writes_urls")
urlconf.urlpatterns = [  # type: ignore[attr-defined]
    path("hook", hook),
    path("guarded", guarded),
    re_path(r"^.*$", counted),
]


@pytest.fixture(autouse=True)
def protected(settings: Settings) -> None:
    settings.ROOT_URLCONF = urlconf
    settings.CORS_ALLOWED_ORIGINS = OPTIONS["allow_origins"]
    settings.CORS_ALLOW_CREDENTIALS = True
    settings.CORECORS_PROTECT_WRITES = True
    ran.clear()


async def send(client: str, method: str, url: str, headers: dict[str, str]) -> tuple[int, bytes]:
    """Through Django's WSGI or ASGI handler; the Host is Django's test host, "testserver"."""
    if client == "sync":
        sync = Client(raise_request_exception=False)
        response = await asyncio.to_thread(sync.generic, method, url, headers=headers)
    else:
        asynchronous = AsyncClient(raise_request_exception=False)
        response = await asynchronous.generic(method, url, headers=headers)
    return response.status_code, response.content


def on_test_host(row: Row) -> Row:
    """The row with the table's host replaced by Django's test host."""
    origin = None if row.origin is None else row.origin.replace(HOST, "testserver")
    return row._replace(origin=origin)


@pytest.mark.asyncio
@pytest.mark.parametrize("client", ["sync", "async"])
@pytest.mark.parametrize("row", ROWS, ids=ids)
async def test_the_table(client: str, row: Row) -> None:
    status, body = await send(client, row.method, "/items", on_test_host(row).headers())
    check(row, status, body if row.method != "HEAD" else WRITE_REFUSAL_BODY, len(ran))


@pytest.mark.asyncio
@pytest.mark.parametrize("client", ["sync", "async"])
async def test_a_disallowed_host_is_no_match_never_a_500(client: str, settings: Settings) -> None:
    # Django's own get_host() decides the host, ALLOWED_HOSTS checked: a Host that
    # Django refuses matches no Origin, and the write is refused, not turned into a 500.
    headers = {"Origin": "http://testserver"}
    assert (await send(client, "POST", "/items", headers))[0] == 200
    settings.ALLOWED_HOSTS = [HOST]
    assert (await send(client, "POST", "/items", headers))[0] == 403
    assert ran == ["/items"]


@pytest.mark.asyncio
@pytest.mark.parametrize("client", ["sync", "async"])
@pytest.mark.parametrize("middleware", [True, False])
async def test_the_decorator_lifts_or_adds_protection(
    client: str, middleware: bool, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    if not middleware:
        settings.MIDDLEWARE = []
    settings.DEBUG = True
    with caplog.at_level(logging.WARNING, "corecors"):
        assert (await send(client, "POST", "/hook", ATTACK))[0] == 200
        assert (await send(client, "POST", "/guarded", ATTACK))[0] == 403
        assert (await send(client, "POST", "/other", ATTACK))[0] == (403 if middleware else 200)
        ok = {"Origin": APP, "Sec-Fetch-Site": "cross-site"}
        assert (await send(client, "POST", "/guarded", ok))[0] == 200
    assert ran == ["hook", *([] if middleware else ["/other"]), "guarded"]
    assert "CORS write refused" in caplog.text
    assert "CORS_ALLOWED_ORIGINS" not in caplog.text.split("guarded")[0][:0]


def test_the_refusal_names_the_settings(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    settings.DEBUG = True
    with caplog.at_level(logging.WARNING, "corecors"):
        response = Client().post("/items", headers=ATTACK)
    assert response.status_code == 403
    assert response["Vary"] == "Origin"
    assert "add its origin to CORS_ALLOWED_ORIGINS with CORS_ALLOW_CREDENTIALS=True" in caplog.text
    # One view is let through by its own policy, not by turning the setting off.
    assert "give it its own policy with protect_writes=False" in caplog.text
    assert "CORECORS_PROTECT_WRITES=False" not in caplog.text


def test_a_policy_object_carries_its_own_protection(settings: Settings) -> None:
    settings.CORECORS_POLICY = CORSPolicy(allow_origins=[APP], allow_credentials=True)
    assert Client().post("/items", headers=ATTACK).status_code == 200
    settings.CORECORS_POLICY = CORSPolicy(**OPTIONS)  # type: ignore[arg-type]
    assert Client().post("/items", headers=ATTACK).status_code == 403
