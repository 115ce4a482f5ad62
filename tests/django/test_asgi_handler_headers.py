"""Django's own ASGI handler behind the ASGI middleware: it sends response header
names as written (``b"Vary"``), and the browser still gets one of each."""

from __future__ import annotations

import asyncio
import types
from typing import Any

from django.core.handlers.asgi import ASGIHandler
from django.http import HttpRequest, HttpResponse
from django.urls import path
from pytest_django import Settings

from corecors.adapters.asgi import CORSMiddleware

APP = "https://app.example.com"


async def get(app: Any, path: str, origin: str) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """One GET as an ASGI server sends it: the body, then nothing until disconnect."""
    sent: list[dict[str, Any]] = []
    messages = [{"type": "http.request", "body": b"", "more_body": False}]

    async def receive() -> dict[str, Any]:
        if messages:
            return messages.pop()
        await asyncio.Event().wait()  # the client stays connected (cancelled by Django)
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "query_string": b"",
        "headers": [(b"host", b"testserver"), (b"origin", origin.encode())],
    }
    await app(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], list(start["headers"]), body


def view(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(b"ok")
    response["Vary"] = "Accept-Encoding"
    response["Access-Control-Allow-Origin"] = "*"  # the application's own, replaced
    return response


urlconf = types.ModuleType("mixed_case_urls")
urlconf.urlpatterns = [path("mixed", view)]  # type: ignore[attr-defined]


def test_one_allow_origin_and_one_vary_through_djangos_asgi_handler(settings: Settings) -> None:
    settings.ROOT_URLCONF = urlconf
    settings.MIDDLEWARE = []
    app = CORSMiddleware(ASGIHandler(), allow_origins=[APP])
    status, headers, body = asyncio.run(get(app, "/mixed", APP))
    assert (status, body) == (200, b"ok")
    assert any(name == b"Content-Type" for name, _ in headers)  # Django sends names as written
    named = [(name.lower(), value) for name, value in headers]
    assert [v for n, v in named if n == b"access-control-allow-origin"] == [APP.encode()]
    assert [v for n, v in named if n == b"vary"] == [b"Accept-Encoding, Origin"]
