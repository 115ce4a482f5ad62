"""Django: messages name the settings; unknown, old and removed settings are reported."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest
from django.http import HttpResponse
from django.test import Client
from pytest_django import Settings

from corecors import CORSConfigError
from corecors.adapters.django import CORSMiddleware
from tests.django.policies import ROOT
from tests.django.test_checks import corecors_ids, run_check

FRONT = "http://localhost:5173"


def test_refusals_name_the_settings(settings: Settings, caplog: pytest.LogCaptureFixture) -> None:
    settings.CORS_ALLOWED_ORIGINS = [FRONT]
    settings.CORS_ALLOW_METHODS = ["GET"]
    caplog.set_level(logging.DEBUG, logger="corecors")
    client = Client()
    near = {"Origin": "http://127.0.0.1:5173", "Access-Control-Request-Method": "PUT"}
    assert client.options("/items", headers=near).status_code == 400
    method = {"Origin": FRONT, "Access-Control-Request-Method": "PUT"}
    assert client.options("/items", headers=method).status_code == 400
    lines = [r.getMessage() for r in caplog.records if r.name == "corecors"]
    assert lines == [
        "CORS preflight refused: origin 'http://127.0.0.1:5173' is not allowed (did you mean "
        "'http://localhost:5173'? its host is 127.0.0.1, not localhost); add it to "
        "CORS_ALLOWED_ORIGINS",
        "CORS preflight refused: method 'PUT' is not allowed; add it to CORS_ALLOW_METHODS",
    ]


def test_refusals_name_the_old_alias_the_project_uses(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    settings.CORS_ORIGIN_WHITELIST = [FRONT]
    caplog.set_level(logging.DEBUG, logger="corecors")
    headers = {"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"}
    assert Client().options("/items", headers=headers).status_code == 400
    assert caplog.records[-1].getMessage().endswith("; add it to CORS_ORIGIN_WHITELIST")


@pytest.mark.parametrize(
    ("values", "code", "hint"),
    [
        (
            {"CORS_ALLOW_METHODS": "GET, POST"},
            "E011",
            "Write CORS_ALLOW_METHODS=['GET', 'POST'].",
        ),
        (
            {"CORS_ALLOWED_ORIGINS": [r"^https://.*\.example\.com$"]},
            "E001",
            r"Move it to CORS_ALLOWED_ORIGIN_REGEXES=[r'^https://.*\.example\.com$']",
        ),
        (
            {"CORS_ALLOWED_ORIGINS": ["http://a.example, http://b.example"]},
            "E001",
            "List each as its own item: CORS_ALLOWED_ORIGINS=['http://a.example', "
            "'http://b.example'].",
        ),
        (
            {"CORS_ALLOW_HEADERS": ["X-Company-.*"]},
            "E008",
            "CORS_ALLOW_HEADERS=['X-Company-Id', 'X-Company-Tenant'], or CORS_ALLOW_HEADERS=['*']",
        ),
    ],
)
def test_hints_name_the_settings(
    settings: Settings, values: dict[str, object], code: str, hint: str
) -> None:
    for name, value in values.items():
        setattr(settings, name, value)
    output = run_check()
    assert corecors_ids(output) == [code], output
    assert hint in output, output
    assert "allow_" not in output.replace("CORS_ALLOW", "")


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        ("CORS_ALLOWED_ORIGIN", "Did you mean CORS_ALLOWED_ORIGINS?"),
        ("CORS_ALLOW_CREDENTIAL", "Did you mean CORS_ALLOW_CREDENTIALS?"),
        ("CORS_PREFLIGHT_MAXAGE", "Did you mean CORS_PREFLIGHT_MAX_AGE?"),
        ("CORS_ZZZ", "Remove it if it is not a typo."),
    ],
)
def test_an_unknown_setting_names_the_closest(settings: Settings, name: str, hint: str) -> None:
    setattr(settings, name, [FRONT])
    output = run_check()
    assert corecors_ids(output) == ["W106"], output
    assert f"{name}: (corecors.W106) {name} is not a corecors setting: nothing reads it" in output
    assert f"HINT: {hint} The settings: CORS_ALLOWED_ORIGINS, " in output


@pytest.mark.parametrize(
    ("name", "fix"),
    [
        ("CORECORS_PROTECT_WRITE", "rename it CORECORS_PROTECT_WRITES"),
        ("CORECORS_POLICIES", "rename it CORECORS_POLICY"),
        ("CORECORS_ZZZ", "remove it (known: CORECORS_POLICY, CORECORS_PROTECT_WRITES"),
    ],
)
def test_an_unknown_corecors_setting_is_an_error(settings: Settings, name: str, fix: str) -> None:
    # corecors' own prefix, and a typo there fails open (writes left unprotected by a
    # server that runs no system check): an error at start-up, not a warning.
    setattr(settings, name, True)
    output = run_check()
    assert "E011" in corecors_ids(output), output
    assert f"{name}: (corecors.E011) True: is not a corecors setting: nothing reads it" in output
    assert f"HINT: {fix[0].upper()}{fix[1:]}" in output
    with pytest.raises(CORSConfigError, match=name):
        Client().get("/", headers={"Origin": FRONT})


@pytest.mark.parametrize(
    ("name", "new"),
    [
        ("CORS_ORIGIN_WHITELIST", "CORS_ALLOWED_ORIGINS"),
        ("CORS_ORIGIN_REGEX_WHITELIST", "CORS_ALLOWED_ORIGIN_REGEXES"),
        ("CORS_ORIGIN_ALLOW_ALL", "CORS_ALLOW_ALL_ORIGINS"),
    ],
)
def test_an_old_name_says_what_to_use(settings: Settings, name: str, new: str) -> None:
    setattr(settings, name, False if name == "CORS_ORIGIN_ALLOW_ALL" else [])
    output = run_check()
    assert corecors_ids(output) == ["W107"], output
    assert f"{name} is django-cors-headers' old name for {new}" in output
    assert f"HINT: Rename it {new} (the old name still works" in output


def test_an_old_name_beside_the_new_one_says_it_is_ignored(settings: Settings) -> None:
    # Renaming it would leave the setting twice in settings.py, the last one silently winning.
    settings.CORS_ALLOWED_ORIGINS = [FRONT]
    settings.CORS_ORIGIN_WHITELIST = ["http://localhost:3000"]
    output = run_check()
    assert corecors_ids(output) == ["W107"], output
    assert (
        "HINT: CORS_ALLOWED_ORIGINS is also set, so CORS_ORIGIN_WHITELIST is ignored: move what "
        "it holds into CORS_ALLOWED_ORIGINS, then delete it." in output
    )
    client = Client()
    ignored = {"Origin": "http://localhost:3000"}
    assert "access-control-allow-origin" not in client.get("/items", headers=ignored).headers


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        ("CORS_MODEL", "CORSPolicy(allow_origin_func=...)"),
        ("CORS_REPLACE_HTTPS_REFERER", "CSRF_TRUSTED_ORIGINS"),
    ],
)
def test_a_removed_setting_is_named_as_removed(settings: Settings, name: str, hint: str) -> None:
    setattr(settings, name, "x")
    output = run_check()
    assert corecors_ids(output) == ["W107"], output
    assert f"{name} was removed from django-cors-headers and corecors ignores it" in output
    assert hint in output


def test_an_old_alias_in_error_is_named_in_its_message(settings: Settings) -> None:
    settings.CORS_ORIGIN_WHITELIST = [FRONT + "/path"]
    output = run_check()
    assert corecors_ids(output) == ["E002", "W107"], output
    assert "CORS_ORIGIN_WHITELIST: (corecors.E002)" in output


def test_the_middleware_warns_when_the_app_is_not_installed(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    # Django's own mechanism: INSTALLED_APPS overridden re-populates the app registry.
    settings.INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth"]
    caplog.set_level(logging.WARNING, logger="corecors")
    CORSMiddleware(lambda request: HttpResponse())
    CORSMiddleware(lambda request: HttpResponse())
    lines = [r.getMessage() for r in caplog.records if r.name == "corecors"]
    assert len(lines) == 1, lines  # once per process, however many middlewares
    assert "add 'corecors.adapters.django' to INSTALLED_APPS" in lines[0]


_NOT_INSTALLED = """
import django
from django.conf import settings
settings.configure(
    INSTALLED_APPS={apps},
    MIDDLEWARE=["corecors.adapters.django.CORSMiddleware"],
    ROOT_URLCONF="tests.django.urls",
    CORS_ALLOWED_ORIGINS=["http://localhost:5173"],
)
django.setup()
from django.core.handlers.wsgi import WSGIHandler
WSGIHandler()
WSGIHandler()
"""


@pytest.mark.parametrize("installed", [False, True])
def test_the_middleware_warns_once_when_the_app_is_not_installed(installed: bool) -> None:
    apps = ["corecors.adapters.django"] if installed else []
    done = subprocess.run(
        [sys.executable, "-c", _NOT_INSTALLED.format(apps=apps)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    warning = (
        "'corecors.adapters.django' is not in INSTALLED_APPS, so 'manage.py check' does not "
        "check the CORS settings (it reports no issues even for a typo): add "
        "'corecors.adapters.django' to INSTALLED_APPS"
    )
    assert done.stderr.count(warning) == (0 if installed else 1), done.stderr


def test_an_origin_regex_ending_with_a_slash_names_the_setting(settings: Settings) -> None:
    settings.CORS_ALLOWED_ORIGIN_REGEXES = [r"^https://\w+\.example\.com/$"]
    output = run_check()
    assert corecors_ids(output) == ["E004"], output
    assert "CORS_ALLOWED_ORIGIN_REGEXES: (corecors.E004)" in output
    assert "HINT: Use r'^https://\\w+\\.example\\.com$'." in output
