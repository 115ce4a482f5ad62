"""protect_writes for views routed through ``request.urlconf`` (a middleware below
corecors routes by host, as django-hosts and django-tenants do).

- A view decorated with ``protect_writes=True`` reached only through
  ``request.urlconf`` ran a cross-origin write: ``process_view`` decided its
  policy without the write check, and the view's wrapper then left the request
  to the middleware.
- A view of ``ROOT_URLCONF`` that lifts protection (``protect_writes=False``)
  lent its policy to the request even when ``request.urlconf`` routed the same
  path to another, undecorated, view: the settings' protection was skipped.

Django's real test clients (the WSGI and the ASGI handler).
"""

from __future__ import annotations

import asyncio
import types
from collections.abc import Callable

import pytest
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.test import AsyncClient, Client
from django.urls import path
from pytest_django import Settings

from corecors.adapters.django import cross_origin

APP = "https://app.example.com"
EVIL = "https://evil.example.org"
ATTACK = {"Origin": EVIL, "Sec-Fetch-Site": "cross-site", "X-Tenant": "partner"}
ran: list[str] = []


@cross_origin(allow_origins=[APP], allow_credentials=True, protect_writes=True)
def transfer(request: HttpRequest) -> HttpResponse:
    ran.append("transfer")
    return HttpResponse(b"transferred")


@cross_origin(allow_origins=[EVIL], protect_writes=False)
def hook(request: HttpRequest) -> HttpResponse:
    ran.append("hook")
    return HttpResponse(b"hook")


def delete_account(request: HttpRequest) -> HttpResponse:
    ran.append("delete_account")
    return HttpResponse(b"deleted")


partner_urls = types.ModuleType("routed_writes_partner_urls")
partner_urls.urlpatterns = [  # type: ignore[attr-defined]
    path("transfer", transfer),
    path("hook", delete_account),  # the same path as the root's lifted view
]
root_urls = types.ModuleType("routed_writes_root_urls")
root_urls.urlpatterns = [path("hook", hook)]  # type: ignore[attr-defined]


class HostRouting:
    """Below corecors: the partner tenant gets its own URLconf."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.headers.get("X-Tenant") == "partner":
            request.urlconf = partner_urls  # type: ignore[attr-defined]
        return self.get_response(request)


@pytest.fixture(autouse=True)
def routed(settings: Settings) -> None:
    settings.ROOT_URLCONF = root_urls
    settings.MIDDLEWARE = [
        "corecors.adapters.django.CORSMiddleware",
        f"{__name__}.HostRouting",
    ]
    settings.CORS_ALLOWED_ORIGINS = [APP]
    settings.CORS_ALLOW_CREDENTIALS = True
    settings.CORECORS_PROTECT_WRITES = True
    ran.clear()


async def send(client: str, url: str, headers: dict[str, str]) -> int:
    if client == "sync":
        sync = Client(raise_request_exception=False)
        response = await asyncio.to_thread(sync.generic, "POST", url, headers=headers)
    else:
        response = await AsyncClient(raise_request_exception=False).generic(
            "POST", url, headers=headers
        )
    return response.status_code


@pytest.mark.asyncio
@pytest.mark.parametrize("client", ["sync", "async"])
async def test_a_routed_view_protecting_writes_refuses_a_cross_origin_write(
    client: str, settings: Settings
) -> None:
    settings.CORECORS_PROTECT_WRITES = False  # the view alone protects itself
    assert await send(client, "/transfer", ATTACK) == 403
    assert ran == []
    assert await send(client, "/transfer", {**ATTACK, "Origin": APP}) == 200
    assert ran == ["transfer"]


@pytest.mark.asyncio
@pytest.mark.parametrize("client", ["sync", "async"])
async def test_a_root_views_lifted_protection_stays_with_that_view(client: str) -> None:
    assert await send(client, "/hook", ATTACK) == 403  # routed to delete_account
    assert ran == []
    assert await send(client, "/hook", {k: v for k, v in ATTACK.items() if k != "X-Tenant"}) == 200
    assert ran == ["hook"]


@pytest.mark.asyncio
@pytest.mark.parametrize("client", ["sync", "async"])
async def test_a_rerouted_request_gets_no_grant_of_the_root_view(
    client: str, settings: Settings
) -> None:
    headers = {"Origin": EVIL, "X-Tenant": "partner"}
    if client == "sync":
        response = await asyncio.to_thread(Client().get, "/hook", headers=headers)
    else:
        response = await AsyncClient().get("/hook", headers=headers)
    assert response.content == b"deleted"
    assert "Access-Control-Allow-Origin" not in response  # the root view's grant of EVIL
    settings.CORS_URLS_REGEX = r"^/api/.*$"  # a path the settings do not cover
    assert await send(client, "/hook", ATTACK) == 200  # no policy, no protection
    assert ran == ["delete_account", "delete_account"]
