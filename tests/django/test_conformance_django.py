"""The shared conformance table through the Django middleware.

Each scenario runs with Django's test ``Client`` (WSGI handler, sync middleware)
and ``AsyncClient`` (ASGI handler, async middleware), twice: with the policy
given as ``CORECORS_POLICY``, and, where it can be said with them, as the
django-cors-headers ``CORS_*`` settings that a migrated project keeps.
"""

from __future__ import annotations

import contextlib
import inspect
import re
from typing import Any

import pytest
from django.http.response import HttpResponseBase
from django.test import AsyncClient, Client
from pytest_django import Settings

from corecors import CORSConfigWarning, CORSPolicy
from tests.conformance import IDS, SCENARIOS, Scenario, build, check

CORE_DEFAULTS = {
    name: parameter.default for name, parameter in inspect.signature(CORSPolicy).parameters.items()
}
SETTINGS_SCENARIOS = [s for s in SCENARIOS if s.policy is None]


def cors_settings(options: dict[str, Any]) -> dict[str, Any]:
    """The CORS_* settings that say the same as CORSPolicy(**options)."""
    full = {**CORE_DEFAULTS, **options}
    origins = list(full["allow_origins"])
    regex = full["allow_origin_regex"]
    return {
        "CORS_ALLOW_ALL_ORIGINS": "*" in origins,
        "CORS_ALLOWED_ORIGINS": [o for o in origins if o != "*"],
        "CORS_ALLOWED_ORIGIN_REGEXES": [] if regex is None else [regex],
        "CORS_ALLOW_METHODS": list(full["allow_methods"]),
        "CORS_ALLOW_HEADERS": list(full["allow_headers"]),
        "CORS_ALLOW_CREDENTIALS": full["allow_credentials"],
        "CORS_EXPOSE_HEADERS": list(full["expose_headers"]),
        "CORS_PREFLIGHT_MAX_AGE": full["max_age"],
        "CORS_ALLOW_PRIVATE_NETWORK": full["allow_private_network"],
    }


def use_policy(settings: Settings, scenario: Scenario) -> None:
    settings.CORECORS_POLICY = build(
        scenario, lambda policy=None, **options: policy or CORSPolicy(**options)
    )


def result(response: HttpResponseBase) -> tuple[int, list[tuple[str, str]], bytes]:
    return response.status_code, list(response.items()), response.content


def send(client: Client, scenario: Scenario) -> HttpResponseBase:
    return client.generic(scenario.method, scenario.path, headers=dict(scenario.headers))


async def send_async(client: AsyncClient, scenario: Scenario) -> HttpResponseBase:
    return await client.generic(scenario.method, scenario.path, headers=dict(scenario.headers))


@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_client_policy(scenario: Scenario, settings: Settings) -> None:
    use_policy(settings, scenario)
    check(scenario, *result(send(Client(), scenario)))


@pytest.mark.asyncio
@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
async def test_async_client_policy(scenario: Scenario, settings: Settings) -> None:
    use_policy(settings, scenario)
    check(scenario, *result(await send_async(AsyncClient(), scenario)))


def _settings_warning(scenario: Scenario) -> contextlib.AbstractContextManager[object]:
    """The warning that building the middleware must emit, named after the setting."""
    if not scenario.warns:
        return contextlib.nullcontext()
    return pytest.warns(CORSConfigWarning, match=re.escape("CORS_ALLOW_ALL_ORIGINS=True"))


@pytest.mark.parametrize("scenario", SETTINGS_SCENARIOS, ids=[s.id for s in SETTINGS_SCENARIOS])
def test_client_cors_settings(scenario: Scenario, settings: Settings) -> None:
    for name, value in cors_settings(dict(scenario.options)).items():
        setattr(settings, name, value)
    with _settings_warning(scenario):  # the middleware reads the settings on first use
        response = send(Client(), scenario)
    check(scenario, *result(response))


@pytest.mark.asyncio
@pytest.mark.parametrize("scenario", SETTINGS_SCENARIOS, ids=[s.id for s in SETTINGS_SCENARIOS])
async def test_async_client_cors_settings(scenario: Scenario, settings: Settings) -> None:
    for name, value in cors_settings(dict(scenario.options)).items():
        setattr(settings, name, value)
    with _settings_warning(scenario):
        response = await send_async(AsyncClient(), scenario)
    check(scenario, *result(response))
