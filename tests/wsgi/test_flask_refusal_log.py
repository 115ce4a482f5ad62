"""Flask: each request is decided by its most specific policy, once, and each refusal
is logged exactly once (app, blueprint, view; with and without ``CORS(app)``)."""

from __future__ import annotations

import logging

import pytest
from flask import Blueprint, Flask
from flask.typing import ResponseReturnValue
from werkzeug.test import TestResponse

from corecors.adapters.flask import CORS, cross_origin

APP = "https://app.example.com"
PARTNER = "https://partner.example.com"
EVIL = "https://evil.example.org"


def build(app_cors: str) -> Flask:
    """``/partner/item`` (a blueprint allowing PARTNER), ``/view`` (a view allowing
    PARTNER), ``/plain`` (the app's policy, APP, when it has ``CORS(app)``)."""
    app = Flask(__name__)
    if app_cors == "before":
        CORS(app, allow_origins=[APP])
    blueprint = Blueprint("partner", __name__)

    @blueprint.route("/item", methods=["GET", "PUT"])
    def item() -> ResponseReturnValue:
        return "item"

    CORS(blueprint, allow_origins=[PARTNER], allow_methods=["GET", "PUT"])
    app.register_blueprint(blueprint, url_prefix="/partner")

    @app.route("/view", methods=["GET", "PUT"])
    @cross_origin(allow_origins=[PARTNER], allow_methods=["GET", "PUT"])
    def view() -> ResponseReturnValue:
        return "view"

    @app.route("/plain", methods=["GET", "PUT"])
    def plain() -> ResponseReturnValue:
        return "plain"

    if app_cors == "after":
        CORS(app, allow_origins=[APP])
    return app


def lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "corecors"]


@pytest.mark.parametrize("app_cors", ["none", "before", "after"])
@pytest.mark.parametrize("path", ["/partner/item", "/view"])
def test_a_route_policy_decides_and_logs_once(
    app_cors: str, path: str, caplog: pytest.LogCaptureFixture
) -> None:
    app = build(app_cors)
    client = app.test_client()
    caplog.set_level(logging.DEBUG, logger="corecors")

    def count(response: TestResponse, allowed: str | None) -> list[str]:
        assert response.headers.get("Access-Control-Allow-Origin") == allowed
        found = lines(caplog)
        caplog.clear()
        return found

    caplog.clear()
    # Allowed by the route, refused by the app: no line (was "origin ... is not allowed").
    assert count(client.get(path, headers={"Origin": PARTNER}), PARTNER) == []
    pre = {"Origin": PARTNER, "Access-Control-Request-Method": "PUT"}
    assert count(client.options(path, headers=pre), PARTNER) == []
    # Refused by the route: one line each (were none without CORS(app)).
    for origin in (APP, EVIL):
        (line,) = count(client.get(path, headers={"Origin": origin}), None)
        assert line.startswith("CORS request refused: origin")
        assert repr(origin) in line
        refused = client.options(path, headers={**pre, "Origin": origin})
        assert refused.status_code == 400
        (line,) = count(refused, None)
        assert line.startswith("CORS preflight refused: origin")
        assert repr(origin) in line


@pytest.mark.parametrize("app_cors", ["before", "after"])
def test_the_app_policy_logs_its_own_refusals_once(
    app_cors: str, caplog: pytest.LogCaptureFixture
) -> None:
    client = build(app_cors).test_client()
    caplog.set_level(logging.DEBUG, logger="corecors")
    assert client.get("/plain", headers={"Origin": APP}).headers["Access-Control-Allow-Origin"]
    assert lines(caplog) == []
    client.get("/plain", headers={"Origin": PARTNER})
    client.options("/plain", headers={"Origin": PARTNER, "Access-Control-Request-Method": "PUT"})
    assert [line.split(":")[0] for line in lines(caplog)] == [
        "CORS request refused",
        "CORS preflight refused",
    ]


def test_the_app_and_its_routes_share_one_bounded_log(caplog: pytest.LogCaptureFixture) -> None:
    app = build("before")
    middleware = app.extensions["corecors"]
    middleware.refusals.lines = 2
    client = app.test_client()
    caplog.set_level(logging.DEBUG, logger="corecors")
    for path in ("/plain", "/view", "/partner/item", "/plain"):
        client.get(path, headers={"Origin": EVIL})
    assert len(lines(caplog)) == 3  # two refusals, then "further refusals are not logged"
    assert "further refusals are not logged" in lines(caplog)[-1]
