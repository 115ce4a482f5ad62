"""The Django soak site: settings, URLs and views in one module.

Served by gunicorn (``tests.reliability.django_entry:wsgi``) and by uvicorn
(``tests.reliability.django_entry:asgi``). ``SOAK_VARIANT`` picks the
middleware: corecors, none (bare) or django-cors-headers (peer).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator

from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.urls import path

from . import config

SECRET_KEY = "corecors-soak-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]
ROOT_URLCONF = __name__
USE_TZ = True
DATABASES: dict[str, object] = {}
LOGGING_CONFIG = None  # Django's default config would log every 500 and 400 line

_variant = config.variant()
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
if _variant == "corecors":
    INSTALLED_APPS = ["corecors.adapters.django"]
    MIDDLEWARE = ["corecors.adapters.django.CORSMiddleware"]
elif _variant == "peer":
    INSTALLED_APPS = ["corsheaders"]
    MIDDLEWARE = ["corsheaders.middleware.CorsMiddleware"]
# The same settings serve both libraries (django-cors-headers' names).
CORS_ALLOWED_ORIGINS = list(config.ALLOWED)
CORS_ALLOW_CREDENTIALS = True
CORS_ALLOW_METHODS = config.METHODS
CORS_ALLOW_HEADERS = config.HEADERS
CORS_EXPOSE_HEADERS = config.EXPOSE
CORS_PREFLIGHT_MAX_AGE = config.MAX_AGE


def health(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


def items(request: HttpRequest) -> HttpResponse:
    if request.method == "PUT":
        payload = json.loads(request.body)
    elif request.method == "GET":
        payload = None
    else:
        return HttpResponse(status=405)
    return JsonResponse(config.item_body(payload), headers={"X-Total": "3"})


def vary(request: HttpRequest) -> HttpResponse:
    return JsonResponse(config.item_body(None), headers={"Vary": "Accept-Encoding"})


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("the soak's raising route")


def stream(request: HttpRequest) -> StreamingHttpResponse:
    long = request.GET.get("long") == "1"
    chunk, count = (
        (config.LONG_STREAM_CHUNK, config.LONG_STREAM_CHUNKS)
        if long
        else (config.STREAM_CHUNK, config.STREAM_CHUNKS)
    )

    # Django wants an async iterator under ASGI and a sync one under WSGI.
    async def async_body() -> AsyncIterator[bytes]:
        for _ in range(count):
            yield chunk

    def sync_body() -> Iterator[bytes]:
        for _ in range(count):
            yield chunk

    body = async_body() if isinstance(request, ASGIRequest) else sync_body()
    return StreamingHttpResponse(body, content_type="application/octet-stream")


urlpatterns = [
    path("health", health),
    path("items", items),
    path("vary", vary),
    path("boom", boom),
    path("stream", stream),
]
