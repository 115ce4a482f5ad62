"""corecors.testing with Django's test client, and the README's Django snippet."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from pytest_django import Settings

from corecors.testing import assert_cors_blocked, cors_report
from tests.docs import section

SECTION = section("testing")
FRONT = "http://localhost:3000"


def readme_test() -> Any:
    found = re.search(r"\*\*Django[^\n]*\n\n```python\n(.*?)```", SECTION, re.S)
    assert found, "no Django snippet"
    namespace: dict[str, Any] = {"__name__": __name__}
    exec(compile(found.group(1), "README Django", "exec"), namespace)
    return namespace["test_the_front_end_may_delete_items"]


def test_the_readme_snippet_passes_and_fails_when_cors_breaks(settings: Settings) -> None:
    test = readme_test()
    settings.CORS_ALLOWED_ORIGINS = [FRONT]
    settings.CORS_ALLOW_CREDENTIALS = True
    test(Client())
    settings.CORS_ALLOW_CREDENTIALS = False
    with pytest.raises(AssertionError, match=r"PreflightInvalidAllowCredentials"):
        test(Client())


def test_django_client_exchange(settings: Settings) -> None:
    settings.CORS_ALLOWED_ORIGINS = [FRONT]
    settings.CORS_ALLOW_METHODS = ["GET"]
    report = cors_report(Client(), "/items", origin=FRONT, method="PUT")
    assert [s.method for s in report.steps] == ["OPTIONS"]
    assert report.verdict.error == "PreflightMissingAllowOriginHeader"
    assert report.steps[0].body.startswith(b"CORS preflight refused: method")
    got = cors_report(Client(), "/items", origin=FRONT)
    assert got.verdict.allowed
    assert got.steps[0].response.get("Access-Control-Allow-Origin") == FRONT
    assert_cors_blocked(
        Client(), "/items", origin="https://evil.example", error="MissingAllowOriginHeader"
    )
