"""A Flask route policy that does not say ``protect_writes`` keeps the app's.

``@cross_origin(allow_origins=[..., partner], allow_credentials=True)`` written to add
a partner origin dropped ``CORS(app, protect_writes=True)`` given as keywords (the
``app.config`` form was kept): a forged cross-origin write ran the view. A route or
blueprint lifts the protection only by saying ``protect_writes=False``.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Blueprint, Flask

from corecors import CORSPolicy, PathPolicies
from corecors.adapters.flask import CORS, cross_origin

APP = "https://app.example.com"
PARTNER = "https://partner.example.com"
FORGED = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
PARTNER_WRITE = {"Origin": PARTNER, "Sec-Fetch-Site": "cross-site"}
APP_OPTIONS: dict[str, Any] = {"allow_origins": [APP], "allow_credentials": True}


def make(cors: str, route_options: dict[str, Any]) -> tuple[Flask, list[str]]:
    """An app protected by ``cors`` (keywords, config, path rules) with one decorated
    view and one blueprint view, both given ``route_options``."""
    app = Flask(__name__)
    ran: list[str] = []
    if cors == "keywords":
        CORS(app, **APP_OPTIONS, protect_writes=True)
    elif cors == "config":
        app.config.update(
            CORS_ALLOW_ORIGINS=[APP], CORS_ALLOW_CREDENTIALS=True, CORS_PROTECT_WRITES=True
        )
        CORS(app)
    else:  # a PathPolicies whose /api rule protects writes
        api = CORSPolicy(**APP_OPTIONS, protect_writes=True)
        CORS(app, policy=PathPolicies([("/api/*", api), ("/*", CORSPolicy())]))

    @app.post("/api/transfer")
    @cross_origin(**route_options)
    def transfer() -> str:
        ran.append("transfer")
        return "transferred"

    blueprint = Blueprint("partner", __name__)

    @blueprint.post("/api/partner/order")
    def order() -> str:
        ran.append("order")
        return "ordered"

    CORS(blueprint, **route_options)
    app.register_blueprint(blueprint)
    return app, ran


WITH_PARTNER = {"allow_origins": [APP, PARTNER], "allow_credentials": True}


@pytest.mark.parametrize("cors", ["keywords", "config", "path rules"])
@pytest.mark.parametrize("path", ["/api/transfer", "/api/partner/order"])
def test_a_route_policy_keeps_the_apps_write_protection(cors: str, path: str) -> None:
    app, ran = make(cors, WITH_PARTNER)
    client = app.test_client()
    assert client.post(path, headers=FORGED).status_code == 403
    assert ran == []  # the view never ran
    # The partner the route added is trusted for credentialed writes.
    answer = client.post(path, headers=PARTNER_WRITE)
    assert answer.status_code == 200
    assert answer.headers["Access-Control-Allow-Origin"] == PARTNER
    assert len(ran) == 1


@pytest.mark.parametrize("cors", ["keywords", "config", "path rules"])
def test_a_route_lifts_it_only_by_saying_so(cors: str) -> None:
    app, ran = make(cors, {**WITH_PARTNER, "protect_writes": False})
    client = app.test_client()
    assert client.post("/api/transfer", headers=FORGED).status_code == 200
    assert client.post("/api/partner/order", headers=FORGED).status_code == 200
    assert ran == ["transfer", "order"]


def test_an_app_without_protection_lends_none() -> None:
    app = Flask(__name__)
    CORS(app, **APP_OPTIONS)
    ran: list[str] = []

    @app.post("/api/transfer")
    @cross_origin(**WITH_PARTNER)
    def transfer() -> str:
        ran.append("transfer")
        return "transferred"

    assert app.test_client().post("/api/transfer", headers=FORGED).status_code == 200
    assert ran == ["transfer"]
