"""The Django cache-test site: settings, URLs and view in one module.

Served by gunicorn as ``tests.reliability.cache_django_entry:application``;
``CORECORS_POLICY`` names the same two policies by path as the other adapters.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path, re_path

from .cache_apps import BODY, HEADERS

SECRET_KEY = "corecors-cache-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]
ROOT_URLCONF = __name__
USE_TZ = True
DATABASES: dict[str, object] = {}
LOGGING_CONFIG = None
INSTALLED_APPS = ["corecors.adapters.django"]
MIDDLEWARE = ["corecors.adapters.django.CORSMiddleware"]
CORECORS_POLICY = "tests.reliability.cache_apps.POLICIES"


def health(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


def cached(request: HttpRequest) -> HttpResponse:
    return HttpResponse(BODY, content_type="application/json", headers=HEADERS)


def broken(request: HttpRequest) -> HttpResponse:
    """No CORS policy covers this path: reflects any Origin and forgets Vary (the classic bug)."""
    response = HttpResponse(BODY, content_type="application/json", headers=HEADERS)
    if "HTTP_ORIGIN" in request.META:
        response.headers["Access-Control-Allow-Origin"] = request.META["HTTP_ORIGIN"]
    return response


urlpatterns = [path("health", health), re_path(r"^broken/", broken), re_path(r"^.+$", cached)]
