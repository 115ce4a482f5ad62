"""docs/cookies-and-csrf.md: the Django snippets protect writes, exempt a view, and the
CSRF recipe lets a front end on another origin write through CsrfViewMiddleware."""

from __future__ import annotations

import types

from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from pytest_django import Settings

from tests.writes import APP, EVIL, run_snippet

ATTACK = {"Origin": EVIL, "Sec-Fetch-Site": "cross-site"}
ran: list[str] = []


@csrf_exempt
def exempt_api(request: HttpRequest) -> HttpResponse:
    ran.append("api")
    return HttpResponse(b"ok")


def protected_by_csrf(request: HttpRequest) -> HttpResponse:
    ran.append("csrf")
    return HttpResponse(b"ok")


def urls() -> types.ModuleType:
    module = types.ModuleType("doc_urls")
    module.urlpatterns = [  # type: ignore[attr-defined]
        path("api", exempt_api),
        path("items", protected_by_csrf),
        path("subscribe", run_snippet("django-view")["subscribe"]),
        path("csrf", run_snippet("django-csrf-view")["csrf"]),
    ]
    return module


def configure(settings: Settings) -> None:
    for name, value in run_snippet("django-settings").items():
        if name.isupper():
            setattr(settings, name, value)
    settings.ROOT_URLCONF = urls()
    settings.MIDDLEWARE = [
        "corecors.adapters.django.CORSMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
    ]
    ran.clear()


def test_the_settings_protect_a_csrf_exempt_view_and_the_decorator_exempts(
    settings: Settings,
) -> None:
    configure(settings)
    client = Client()
    assert client.post("/api", headers=ATTACK).status_code == 403  # @csrf_exempt, still protected
    response = client.post("/subscribe", headers=ATTACK)
    assert response.status_code == 200
    assert response.content == b"subscribed"
    assert ran == []


def test_the_csrf_recipe_lets_the_front_end_write(settings: Settings) -> None:
    configure(settings)
    settings.CSRF_TRUSTED_ORIGINS = [APP]
    client = Client(enforce_csrf_checks=True)
    own = {"Origin": APP, "Sec-Fetch-Site": "same-site"}
    # Without the token Django's CSRF check refuses the front end's write...
    assert client.post("/items", headers=own).status_code == 403
    # ...with the token from the JSON view, sent as X-CSRFToken, it passes.
    token = client.get("/csrf", headers=own).json()["csrfToken"]
    assert client.post("/items", headers={**own, "X-CSRFToken": token}).status_code == 200
    assert ran == ["csrf"]
