"""The cookie-diagnostics test's Django API (see cookie_apps), ``DEBUG = True``, on gunicorn.

Django writes cookies from ``response.cookies``: the three are set with
``set_cookie`` (``Partitioned`` appended to its morsel's output is not possible, so
``pref`` is ``SameSite=None; Secure`` here: Chromium blocks it as a third-party cookie).
"""

from __future__ import annotations

import django
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import path

from tests.e2e.cookie_apps import FRONTENDS, LOG, names


def login(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(b"ok", content_type="text/plain")
    response.set_cookie("sid", "1", httponly=True, samesite=None)
    response.set_cookie("pref", "1", samesite="None", secure=True)
    response.set_cookie("theme", "dark", samesite="None")
    return response


def whoami(request: HttpRequest) -> HttpResponse:
    return HttpResponse(names(request.headers.get("Cookie")), content_type="application/json")


def log(request: HttpRequest) -> HttpResponse:
    import json

    return HttpResponse(json.dumps(LOG.messages), content_type="application/json")


urlpatterns = [path("login", login), path("whoami", whoami), path("log", log)]

if not settings.configured:
    settings.configure(
        DEBUG=True,
        SECRET_KEY="cookies-e2e-not-secret",
        ALLOWED_HOSTS=["localhost", "127.0.0.1", "api.example.com"],
        ROOT_URLCONF=__name__,
        INSTALLED_APPS=["corecors.adapters.django"],
        MIDDLEWARE=["corecors.adapters.django.CORSMiddleware"],
        DATABASES={},
        USE_TZ=True,
        LOGGING_CONFIG=None,  # the handler cookie_apps adds is the only one
        CORS_ALLOWED_ORIGINS=FRONTENDS,
        CORS_ALLOW_CREDENTIALS=True,
        CORECORS_PROTECT_WRITES=False,
        SILENCED_SYSTEM_CHECKS=["corecors.W005"],
    )
    django.setup()


def wsgi() -> object:
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()
