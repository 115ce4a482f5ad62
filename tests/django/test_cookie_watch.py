"""DESIGN §7.2 in Django: with DEBUG on, a credentialed cross-origin response's cookies
that browsers will not send back are logged once per name, with Django's settings."""

from __future__ import annotations

import logging
import types

import pytest
from django.conf import settings as django_settings
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path
from pytest_django import Settings

PAGE = "https://app.example.org"  # another site than the API's (example.com)


def login(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(b"ok")
    response.set_cookie(django_settings.SESSION_COOKIE_NAME, "s", samesite="Lax")
    response.set_cookie(django_settings.CSRF_COOKIE_NAME, "t", samesite="Lax")
    response.set_cookie("pref", "p", samesite="None", secure=True)
    response.set_cookie("gone", "", max_age=0)
    return response


def configure(settings: Settings, debug: bool = True) -> None:
    urls = types.ModuleType("cookie_urls")
    urls.urlpatterns = [path("login", login)]  # type: ignore[attr-defined]
    settings.ROOT_URLCONF = urls
    settings.ALLOWED_HOSTS = ["api.example.com"]
    settings.CORS_ALLOWED_ORIGINS = [PAGE]
    settings.CORS_ALLOW_CREDENTIALS = True
    settings.DEBUG = debug


def lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "corecors"]


def get(client: Client, origin: str = PAGE, site: str = "cross-site") -> int:
    headers = {"Origin": origin, "Sec-Fetch-Site": site}
    return client.get(
        "/login", headers=headers, HTTP_HOST="api.example.com", secure=True
    ).status_code


def test_debug_logs_each_cookie_once_in_django_words(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    configure(settings)
    with caplog.at_level(logging.DEBUG, logger="corecors"):
        assert get(Client()) == 200
        assert get(Client()) == 200  # the same names: not again
    logged = lines(caplog)
    assert [line.split(":", 1)[0] for line in logged] == [
        "CORS cookie 'sessionid' not sent back",
        "CORS cookie 'csrftoken' not sent back",
        "CORS cookie 'pref' not sent back",
    ]
    assert all(r.levelno == logging.WARNING for r in caplog.records if r.name == "corecors")
    assert "SESSION_COOKIE_SAMESITE = 'None', SESSION_COOKIE_SECURE = True" in logged[0]
    assert "CSRF_COOKIE_SAMESITE = 'None', CSRF_COOKIE_SECURE = True" in logged[1]
    assert "Chromium 156 and WebKitGTK 2.50: blocked" in logged[2]
    assert "set_cookie(..., partitioned=True)" not in logged[2]  # Django has no such keyword
    assert "Partitioned (Django has no setting or keyword for it" in logged[2]


@pytest.mark.parametrize(
    ("debug", "origin", "site"),
    [
        (False, PAGE, "cross-site"),  # not in debug mode
        (True, "https://app.example.com", "same-site"),  # same-site: every cookie comes back
        (True, "https://evil.example.net", "cross-site"),  # a refused origin: no credentials
    ],
)
def test_nothing_is_logged_otherwise(
    settings: Settings, caplog: pytest.LogCaptureFixture, debug: bool, origin: str, site: str
) -> None:
    configure(settings, debug)
    settings.CORS_ALLOWED_ORIGINS = [PAGE, "https://app.example.com"]
    with caplog.at_level(logging.DEBUG, logger="corecors"):
        assert get(Client(), origin, site) == 200
    assert [line for line in lines(caplog) if "cookie" in line] == []


def test_a_response_without_cookies_is_not_examined(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    configure(settings)
    with caplog.at_level(logging.DEBUG, logger="corecors"):
        Client().get("/nowhere", headers={"Origin": PAGE}, HTTP_HOST="api.example.com")
    assert lines(caplog) == []
