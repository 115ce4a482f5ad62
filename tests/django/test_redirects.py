"""Why CORSMiddleware goes above CommonMiddleware (corecors.W104), shown with Django's own
middleware: its redirects, sent outside CORSMiddleware, carry no CORS headers."""

from __future__ import annotations

import pytest
from django.test import Client
from pytest_django import Settings

from tests.conformance import APP

OURS = "corecors.adapters.django.CORSMiddleware"
COMMON = "django.middleware.common.CommonMiddleware"
PREFLIGHT = {"Origin": APP, "Access-Control-Request-Method": "PUT"}
LOGIN_REQUIRED = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
]

pytestmark = pytest.mark.urls("tests.django.slash_urls")


@pytest.fixture
def cors(settings: Settings) -> Settings:
    settings.CORS_ALLOWED_ORIGINS = [APP]
    settings.CORS_ALLOW_METHODS = ["GET", "PUT"]
    return settings


@pytest.mark.parametrize("order", ["ours-first", "common-first"])
def test_append_slash_redirects_the_actual_request_not_the_preflight(
    cors: Settings, order: str
) -> None:
    cors.MIDDLEWARE = [OURS, COMMON] if order == "ours-first" else [COMMON, OURS]
    preflight = Client().options("/todos", headers=PREFLIGHT)
    assert preflight.status_code == 200  # answered before any redirect, in either order
    actual = Client().get("/todos", headers={"Origin": APP})
    assert actual.status_code == 301
    assert actual["Location"] == "/todos/"
    # The browser follows a redirect of a CORS request only if it carries the grant.
    granted = actual.headers.get("Access-Control-Allow-Origin")
    assert granted == (APP if order == "ours-first" else None)


@pytest.mark.parametrize("order", ["ours-first", "common-first"])
def test_prepend_www_redirects_the_preflight_when_ours_comes_second(
    cors: Settings, order: str
) -> None:
    cors.PREPEND_WWW = True
    cors.MIDDLEWARE = [OURS, COMMON] if order == "ours-first" else [COMMON, OURS]
    preflight = Client().options("/todos/", headers=PREFLIGHT)
    assert preflight.status_code == (200 if order == "ours-first" else 301)


@pytest.mark.parametrize("order", ["ours-first", "login-first"])
def test_login_required_redirect_is_granted_in_either_order(cors: Settings, order: str) -> None:
    # Its redirect comes from process_view, inside CORSMiddleware whatever the order:
    # no W104 for it.
    cors.MIDDLEWARE = [OURS, *LOGIN_REQUIRED] if order == "ours-first" else [*LOGIN_REQUIRED, OURS]
    preflight = Client().options("/todos/", headers=PREFLIGHT)
    actual = Client().get("/todos/", headers={"Origin": APP})
    assert preflight.status_code == 200
    assert actual.status_code == 302
    assert actual.headers.get("Access-Control-Allow-Origin") == APP
