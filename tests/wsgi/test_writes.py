"""protect_writes through the WSGI middleware and Flask (CORS, app.config, routes)."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from flask import Blueprint, Flask
from werkzeug.test import Client

from corecors import CORSPolicy, PathPolicies
from corecors.adapters.flask import CORS, cross_origin
from corecors.adapters.wsgi import CORSMiddleware
from corecors.engine._writes import WRITE_REFUSAL_BODY
from tests.writes import APP, EVIL, HOST, OPTIONS, ROWS, Row, check, ids

ATTACK = {"Origin": EVIL, "Sec-Fetch-Site": "cross-site"}


def counting_wsgi(ran: list[str]) -> Any:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        ran.append(environ["PATH_INFO"])
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ran"]

    return app


@pytest.mark.parametrize("row", ROWS, ids=ids)
def test_wsgi_table(row: Row) -> None:
    ran: list[str] = []
    client = Client(CORSMiddleware(counting_wsgi(ran), **OPTIONS))
    response = client.open(
        "/items", method=row.method, headers=row.headers(), base_url=f"http://{HOST}"
    )
    body = response.data if row.method != "HEAD" else WRITE_REFUSAL_BODY
    check(row, response.status_code, body, len(ran))


def flask_app(ran: list[str]) -> Flask:
    app = Flask(__name__)

    @app.route("/items", methods=["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
    def items() -> str:
        ran.append("items")
        return "ran"

    return app


@pytest.mark.parametrize("row", ROWS, ids=ids)
@pytest.mark.parametrize("by_config", [False, True])
def test_flask_table(row: Row, by_config: bool) -> None:
    ran: list[str] = []
    app = flask_app(ran)
    if by_config:
        app.config.update({f"CORS_{name.upper()}": value for name, value in OPTIONS.items()})
        CORS(app)
    else:
        CORS(app, **OPTIONS)
    client = app.test_client()
    response = client.open(
        "/items", method=row.method, headers=row.headers(), base_url=f"http://{HOST}"
    )
    body = response.data if row.method != "HEAD" else WRITE_REFUSAL_BODY
    check(row, response.status_code, body, len(ran))


def test_flask_config_refusal_names_the_config_keys(caplog: pytest.LogCaptureFixture) -> None:
    ran: list[str] = []
    app = flask_app(ran)
    app.config.update(
        CORS_ALLOW_ORIGINS=[APP], CORS_ALLOW_CREDENTIALS=True, CORS_PROTECT_WRITES=True
    )
    app.debug = True
    CORS(app)
    with caplog.at_level(logging.WARNING, "corecors"):
        assert app.test_client().post("/items", headers=ATTACK).status_code == 403
    assert "app.config['CORS_ALLOW_ORIGINS']" in caplog.text
    # One view or path is let through by its own policy, not by the app-wide key.
    assert "give it its own policy with protect_writes=False" in caplog.text
    assert "CORS_PROTECT_WRITES']=False" not in caplog.text
    assert ran == []


@pytest.mark.parametrize("with_app_cors", [False, True])
def test_flask_routes_lift_or_add_protection(
    with_app_cors: bool, caplog: pytest.LogCaptureFixture
) -> None:
    ran: list[str] = []
    app = Flask(__name__)
    partner = Blueprint("partner", __name__)
    CORS(partner, allow_origins=[APP], allow_credentials=True, protect_writes=True)

    @partner.post("/partner/write")
    def partner_write() -> str:
        ran.append("partner")
        return "ran"

    @partner.post("/partner/hook")
    @cross_origin(protect_writes=False)
    def partner_hook() -> str:
        ran.append("partner-hook")
        return "ran"

    @app.post("/hook")
    @cross_origin(protect_writes=False)
    def hook() -> str:
        ran.append("hook")
        return "ran"

    @app.post("/guarded")
    @cross_origin(allow_origins=[APP], allow_credentials=True, protect_writes=True)
    def guarded() -> str:
        ran.append("guarded")
        return "ran"

    @app.post("/plain")
    def plain() -> str:
        ran.append("plain")
        return "ran"

    if with_app_cors:
        CORS(app, **OPTIONS)
    app.register_blueprint(partner)
    client = app.test_client()
    with caplog.at_level(logging.DEBUG, "corecors"):
        assert client.post("/partner/write", headers=ATTACK).status_code == 403
        assert client.post("/guarded", headers=ATTACK).status_code == 403
        assert client.post("/partner/hook", headers=ATTACK).status_code == 200
        assert client.post("/hook", headers=ATTACK).status_code == 200
        assert client.post("/plain", headers=ATTACK).status_code == (403 if with_app_cors else 200)
        assert (
            client.post(
                "/guarded", headers={"Origin": APP, "Sec-Fetch-Site": "cross-site"}
            ).status_code
            == 200
        )
    assert ran == ["partner-hook", "hook", *([] if with_app_cors else ["plain"]), "guarded"]
    assert "CORS write refused" in caplog.text


def test_wsgi_path_rules() -> None:
    ran: list[str] = []
    rules = PathPolicies([("/hook", CORSPolicy()), ("/*", CORSPolicy(**OPTIONS))])  # type: ignore[arg-type]
    client = Client(CORSMiddleware(counting_wsgi(ran), policy=rules))
    assert client.post("/hook", headers=ATTACK).status_code == 200
    assert client.post("/hook/", headers=ATTACK).status_code == 403
    assert ran == ["/hook"]
