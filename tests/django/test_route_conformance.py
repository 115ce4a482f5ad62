"""The "most specific wins" table (tests/routes.py) through Django.

The app and group levels are ``CORECORS_POLICY`` rules (``/*`` and
``/group/*``), the view level is ``cross_origin``; with Django's ``Client``
(sync middleware) and ``AsyncClient`` (async middleware).
"""

from __future__ import annotations

import pytest
from django.http.response import HttpResponseBase
from django.test import AsyncClient, Client
from pytest_django import Settings

from corecors import PathPolicies
from tests.routes import ROWS, Row, check, ids, policy


def use_row(settings: Settings, row: Row) -> None:
    rules = []
    if row.group is not None:
        rules.append(("/group/*", policy("group", row.group)))
    if row.app is not None:
        rules.append(("/*", policy("app", row.app)))
    settings.CORECORS_POLICY = PathPolicies(rules)


def lower(response: HttpResponseBase) -> dict[str, str]:
    return {k.lower(): v for k, v in response.items()}


@pytest.mark.parametrize("row", ROWS, ids=ids)
def test_client(row: Row, settings: Settings) -> None:
    use_row(settings, row)
    response = Client().generic(row.method, row.path, headers=row.headers)
    check(row, response.status_code, lower(response))


@pytest.mark.asyncio
@pytest.mark.parametrize("row", ROWS, ids=ids)
async def test_async_client(row: Row, settings: Settings) -> None:
    use_row(settings, row)
    response = await AsyncClient().generic(row.method, row.path, headers=row.headers)
    check(row, response.status_code, lower(response))
