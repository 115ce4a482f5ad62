"""The shared conformance table through a Flask app (Flask's test client)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask, request

from corecors.adapters.flask import CORS
from tests.conformance import IDS, SCENARIOS, Scenario, app_response, build, check

METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]


def reference_flask_app(**options: Any) -> Flask:
    """The reference application as Flask views, behind ``CORS(app, **options)``."""
    app = Flask(__name__)

    # provide_automatic_options=False: OPTIONS requests that are not preflights
    # must reach the view, like every other actual request.
    @app.route("/", defaults={"path": ""}, methods=METHODS, provide_automatic_options=False)
    @app.route("/<path:path>", methods=METHODS, provide_automatic_options=False)
    def anything(path: str) -> tuple[bytes, int, list[tuple[str, str]]]:
        status, headers, body = app_response(request.path)
        return body, status, headers

    CORS(app, **options)
    return app


@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_flask(scenario: Scenario) -> None:
    app = build(scenario, reference_flask_app)
    response = app.test_client().open(
        scenario.path, method=scenario.method, headers=dict(scenario.headers)
    )
    check(scenario, response.status_code, response.headers.to_wsgi_list(), response.get_data())
