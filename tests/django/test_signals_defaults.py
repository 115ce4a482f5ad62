"""django-cors-headers' remaining pieces: ``defaults`` and the ``check_request_enabled`` signal."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from django.http import HttpRequest
from django.test import AsyncClient, Client, override_settings
from django.utils.asyncio import async_unsafe

from corecors.adapters.django.signals import check_request_enabled

ORIGIN = "https://tenant.example"
received: list[dict[str, Any]] = []


def tenant_receiver(sender: object, request: HttpRequest, **kwargs: Any) -> object:
    async_unsafe(lambda: None)()  # as the ORM: raises in an event loop's thread
    received.append({"sender": sender, "request": request})
    return "yes" if request.headers.get("X-Tenant") == "ok" else None


@pytest.fixture
def connected() -> Iterator[None]:
    received.clear()
    check_request_enabled.connect(tenant_receiver)
    yield
    check_request_enabled.disconnect(tenant_receiver)


def test_defaults_import_without_django_settings() -> None:
    code = (
        "from corecors.adapters.django.defaults import default_headers, default_methods;"
        "import django.conf; assert not django.conf.settings.configured;"
        "print(default_headers + default_methods)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "x-csrftoken" in out.stdout
    assert "PATCH" in out.stdout


@override_settings(CORS_ALLOWED_ORIGINS=["https://app.example"], CORS_ALLOW_CREDENTIALS=True)
def test_a_truthy_receiver_enables_an_origin_the_settings_refuse(connected: None) -> None:
    client = Client()
    granted = client.get("/stream", HTTP_ORIGIN=ORIGIN, HTTP_X_TENANT="ok")
    assert granted["Access-Control-Allow-Origin"] == ORIGIN
    assert granted["Access-Control-Allow-Credentials"] == "true"
    assert received[-1]["sender"] is None
    assert received[-1]["request"].path == "/stream"
    refused = client.get("/stream", HTTP_ORIGIN=ORIGIN)
    assert "Access-Control-Allow-Origin" not in refused
    preflight = client.options(
        "/stream",
        HTTP_ORIGIN=ORIGIN,
        HTTP_X_TENANT="ok",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="PUT",
    )
    assert preflight.status_code == 200
    assert "PUT" in preflight["Access-Control-Allow-Methods"]


@override_settings(CORS_ALLOWED_ORIGINS=[ORIGIN], CORS_URLS_REGEX=r"^/api/.*$")
def test_a_receiver_enables_a_path_outside_cors_urls_regex(connected: None) -> None:
    response = Client().get("/stream", HTTP_ORIGIN=ORIGIN, HTTP_X_TENANT="ok")
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    assert "Access-Control-Allow-Origin" not in Client().get("/stream", HTTP_ORIGIN=ORIGIN)


@override_settings(CORS_ALLOWED_ORIGINS=["https://app.example"])
def test_no_signal_without_an_origin_or_for_an_allowed_one(connected: None) -> None:
    Client().get("/stream", HTTP_X_TENANT="ok")
    Client().get("/stream", HTTP_ORIGIN="https://app.example")
    assert received == []


@pytest.mark.asyncio
async def test_the_signal_is_consulted_under_asgi_too(connected: None, settings: Any) -> None:
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example"]
    response = await AsyncClient().get("/async/items", headers={"Origin": ORIGIN, "X-Tenant": "ok"})
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    assert received[-1]["request"].path == "/async/items"


@override_settings(CORS_ALLOWED_ORIGINS=[ORIGIN], CORS_ALLOW_METHODS=["GET"])
def test_no_signal_for_a_method_refused_to_an_allowed_origin(connected: None) -> None:
    response = Client().options(
        "/stream", HTTP_ORIGIN=ORIGIN, HTTP_X_TENANT="ok", HTTP_ACCESS_CONTROL_REQUEST_METHOD="PUT"
    )
    assert response.status_code == 400
    assert received == []
