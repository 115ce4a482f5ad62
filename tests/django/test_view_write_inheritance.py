"""A Django ``@cross_origin`` that does not say ``protect_writes`` keeps the settings'.

``@cross_origin(allow_origins=[..., partner], allow_credentials=True)`` written to add
a partner origin dropped ``CORECORS_PROTECT_WRITES = True``: a forged cross-origin
write ran the view. The settings are read when the decorator runs (at import, as
Django imports URLconfs after its settings); a view lifts the protection only by
saying ``protect_writes=False``.
"""

from __future__ import annotations

import types
from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path
from pytest_django import Settings

from corecors import CORSPolicy, PathPolicies
from corecors.adapters.django import cross_origin

APP = "https://app.example.com"
PARTNER = "https://partner.example.com"
FORGED = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
WITH_PARTNER: dict[str, Any] = {"allow_origins": [APP, PARTNER], "allow_credentials": True}


def route(settings: Settings, options: dict[str, Any]) -> list[str]:
    """Decorate a view with ``options`` under the current settings and route to it."""
    ran: list[str] = []

    @cross_origin(**options)
    def transfer(request: HttpRequest) -> HttpResponse:
        ran.append("transfer")
        return HttpResponse(b"transferred")

    urls = types.ModuleType("view_write_inheritance_urls")
    urls.urlpatterns = [path("api/transfer", transfer)]  # type: ignore[attr-defined]
    settings.ROOT_URLCONF = urls
    return ran


@pytest.fixture(params=["setting", "policy object", "path rules"])
def protected(request: pytest.FixtureRequest, settings: Settings) -> Settings:
    settings.MIDDLEWARE = ["corecors.adapters.django.CORSMiddleware"]
    api = CORSPolicy(allow_origins=[APP], allow_credentials=True, protect_writes=True)
    if request.param == "setting":
        settings.CORS_ALLOWED_ORIGINS = [APP]
        settings.CORS_ALLOW_CREDENTIALS = True
        settings.CORECORS_PROTECT_WRITES = True
    elif request.param == "policy object":
        settings.CORECORS_POLICY = api
    else:
        settings.CORECORS_POLICY = PathPolicies([("/api/*", api), ("/*", CORSPolicy())])
    return settings


def test_a_view_policy_keeps_the_settings_write_protection(protected: Settings) -> None:
    ran = route(protected, WITH_PARTNER)
    client = Client()
    assert client.post("/api/transfer", headers=FORGED).status_code == 403
    assert ran == []  # the view never ran
    partner = client.post("/api/transfer", headers={**FORGED, "Origin": PARTNER})
    assert partner.status_code == 200
    assert partner.headers["Access-Control-Allow-Origin"] == PARTNER
    assert ran == ["transfer"]


def test_a_view_lifts_it_only_by_saying_so(protected: Settings) -> None:
    ran = route(protected, {**WITH_PARTNER, "protect_writes": False})
    assert Client().post("/api/transfer", headers=FORGED).status_code == 200
    assert ran == ["transfer"]


def test_settings_without_protection_lend_none(settings: Settings) -> None:
    settings.MIDDLEWARE = ["corecors.adapters.django.CORSMiddleware"]
    settings.CORS_ALLOWED_ORIGINS = [APP]
    settings.CORS_ALLOW_CREDENTIALS = True
    ran = route(settings, WITH_PARTNER)
    assert Client().post("/api/transfer", headers=FORGED).status_code == 200
    assert ran == ["transfer"]
