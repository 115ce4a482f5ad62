"""The write-protection test's Django API (see writes_apps), for gunicorn and uvicorn.

``CsrfViewMiddleware`` stays installed and ``/write`` is ``@csrf_exempt``, as an
API view authenticated by cookies often is: ``CORECORS_PROTECT_WRITES`` is what
protects it (defence in depth, docs/cookies-and-csrf.md).
"""

from __future__ import annotations

import django
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from tests.e2e.writes_apps import OPTIONS, PAGE, ran, recorded_asgi, recorded_wsgi


@csrf_exempt
def write(request: HttpRequest) -> HttpResponse:
    ran[0] += 1
    return HttpResponse(b"wrote", content_type="text/plain")


def count(request: HttpRequest) -> HttpResponse:
    return HttpResponse(str(ran[0]).encode(), content_type="text/plain")


def page(request: HttpRequest) -> HttpResponse:
    return HttpResponse(PAGE.encode())


urlpatterns = [path("write", write), path("count", count), path("page", page)]

if not settings.configured:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="writes-e2e-not-secret",
        ALLOWED_HOSTS=[
            "localhost",
            "127.0.0.1",
            "api.example.test",
            "api.plain.test",
            "api.site.localhost",
        ],
        ROOT_URLCONF=__name__,
        INSTALLED_APPS=["corecors.adapters.django"],
        MIDDLEWARE=[
            "corecors.adapters.django.CORSMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
        ],
        DATABASES={},
        USE_TZ=True,
        CORS_ALLOWED_ORIGINS=OPTIONS["allow_origins"],
        CORS_ALLOW_CREDENTIALS=True,
        CORS_ALLOW_METHODS=OPTIONS["allow_methods"],
        CORS_ALLOW_HEADERS=OPTIONS["allow_headers"],
        CORECORS_PROTECT_WRITES=True,
    )
    django.setup()


def wsgi() -> object:
    from django.core.wsgi import get_wsgi_application

    return recorded_wsgi(get_wsgi_application())


def asgi() -> object:
    from django.core.asgi import get_asgi_application

    return recorded_asgi(get_asgi_application())
