"""Per-path policies below a script prefix: FORCE_SCRIPT_NAME, SCRIPT_NAME, ASGI root_path."""

from __future__ import annotations

import pytest
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.wsgi import WSGIHandler
from django.test import Client
from pytest_django import Settings
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.test import Client as WerkzeugClient

from tests.asgi.test_mounts import raw_get
from tests.mounts import PARTNER, ROWS, Row, applied, ids, partner_get
from tests.wsgi.test_conformance_wsgi import reference_app


@pytest.fixture(autouse=True)
def rules(settings: Settings) -> None:
    settings.CORECORS_POLICY = "tests.mounts.RULES"


@pytest.mark.parametrize("row", ROWS, ids=ids)
def test_force_script_name(settings: Settings, row: Row) -> None:
    # A proxy strips the prefix; FORCE_SCRIPT_NAME makes Django's URLs carry it again.
    settings.FORCE_SCRIPT_NAME = row.prefix or None
    response = Client().get(row.path, headers={"Origin": PARTNER})
    assert response.wsgi_request.path == row.prefix + row.path
    assert applied({k.lower(): v for k, v in response.items()}) == row.applied


@pytest.mark.parametrize("row", ROWS, ids=ids)
def test_wsgi_handler_mounted_at_a_prefix(row: Row) -> None:
    handler = WSGIHandler()
    app = DispatcherMiddleware(reference_app, {row.prefix: handler}) if row.prefix else handler
    response = WerkzeugClient(app).get(row.prefix + row.path, headers={"Origin": PARTNER})
    assert applied({k.lower(): v for k, v in response.headers.items()}) == row.applied


@pytest.mark.parametrize("row", ROWS, ids=ids)
def test_asgi_handler_with_root_path(row: Row) -> None:
    scope = partner_get(row.prefix + row.path, row.prefix)
    assert applied(raw_get(ASGIHandler(), scope)) == row.applied
