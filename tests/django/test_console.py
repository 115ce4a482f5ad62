"""Refusal lines of the Django middleware: WARNING when settings.DEBUG, else DEBUG
(the real servers, runserver and gunicorn: tests/servers_console)."""

from __future__ import annotations

import logging

import pytest
from django.test import Client
from pytest_django import Settings

from tests.conformance import APP, EVIL


@pytest.mark.parametrize(("debug", "level"), [(True, logging.WARNING), (False, logging.DEBUG)])
def test_refusals_follow_settings_debug(
    settings: Settings, caplog: pytest.LogCaptureFixture, debug: bool, level: int
) -> None:
    settings.CORS_ALLOWED_ORIGINS = [APP]
    settings.DEBUG = debug
    with caplog.at_level(logging.DEBUG, logger="corecors"):
        response = Client().options(
            "/items", headers={"Origin": EVIL, "Access-Control-Request-Method": "GET"}
        )
        assert response.status_code == 400
        Client().get("/items", headers={"Origin": EVIL})
        Client().get("/items", headers={"Origin": APP})
    records = [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "corecors"]
    assert [lvl for lvl, _ in records] == [level, level]
    assert records[0][1].startswith(f"CORS preflight refused: origin {EVIL!r} is not allowed; ")
    assert records[1][1] == f"CORS request refused: origin {EVIL!r} is not allowed"
