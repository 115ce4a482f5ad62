"""The README's Django per-view section: the snippet runs and does what the text says."""

from __future__ import annotations

import re
import types
from typing import Any

import pytest
from django.test import AsyncClient, Client
from django.urls import path
from pytest_django import Settings

from corecors import CORSPolicy
from tests.docs import section

SECTION = section("django-views")
SNIPPETS = re.findall(r"```python\n(.*?)```", SECTION, re.S)
APP = "https://app.example.com"
PARTNER = "https://partner.example.com"


@pytest.fixture
def readme_views(settings: Settings) -> dict[str, Any]:
    assert len(SNIPPETS) == 1
    namespace: dict[str, Any] = {"__name__": "readme_views"}
    exec(compile(SNIPPETS[0], "README django-views section", "exec"), namespace)
    urls = types.ModuleType("readme_urls")
    urls.urlpatterns = [  # type: ignore[attr-defined]
        path("orders/1/status", namespace["order_status"]),
        path("widget", namespace["widget"]),
    ]
    settings.ROOT_URLCONF = urls
    settings.CORECORS_POLICY = CORSPolicy(allow_origins=[APP])
    return namespace


def test_function_view(readme_views: dict[str, Any]) -> None:
    client = Client()
    got = client.get("/orders/1/status", headers={"Origin": PARTNER})
    assert got["Access-Control-Allow-Origin"] == PARTNER
    assert "Access-Control-Allow-Origin" not in client.get(
        "/orders/1/status", headers={"Origin": APP}
    )
    preflight = {"Origin": PARTNER, "Access-Control-Request-Method": "POST"}
    assert client.options("/orders/1/status", headers=preflight).status_code == 200


@pytest.mark.asyncio
async def test_async_class_based_view(readme_views: dict[str, Any]) -> None:
    got = await AsyncClient().get("/widget", headers={"Origin": APP})
    assert got["Access-Control-Allow-Origin"] == "*"
    assert got.json() == {"widget": "ok"}
