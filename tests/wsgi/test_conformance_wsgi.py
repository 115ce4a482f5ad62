"""The shared conformance table through the WSGI adapter (werkzeug's test Client)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest
from werkzeug.test import Client

from corecors.adapters.wsgi import CORSMiddleware
from tests.conformance import IDS, SCENARIOS, Scenario, app_response, build, check


def reference_app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    """The reference application of tests/conformance.py as a plain WSGI app."""
    status, headers, body = app_response(environ["PATH_INFO"])
    start_response(f"{status} OK", [*headers, ("Content-Length", str(len(body)))])
    return [b"" if environ["REQUEST_METHOD"] == "HEAD" else body]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_wsgi(scenario: Scenario) -> None:
    middleware = build(scenario, lambda **kwargs: CORSMiddleware(reference_app, **kwargs))
    response = Client(middleware).open(
        scenario.path, method=scenario.method, headers=dict(scenario.headers)
    )
    check(scenario, response.status_code, response.headers.to_wsgi_list(), response.get_data())
