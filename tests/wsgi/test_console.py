"""Refusal lines of the WSGI middleware and Flask: WARNING in debug mode, else DEBUG
(the real servers, flask run and gunicorn: tests/servers_console)."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from flask import Flask
from werkzeug.test import Client

from corecors import CORSConfigError
from corecors.adapters.flask import CORS
from corecors.adapters.wsgi import CORSMiddleware

APP = "https://app.example.com"
EVIL = "https://evil.example.org"
PREFLIGHT = {"Origin": EVIL, "Access-Control-Request-Method": "GET"}


def levels(caplog: pytest.LogCaptureFixture) -> list[tuple[int, str]]:
    return [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "corecors"]


def flask_app() -> Flask:
    app = Flask(__name__)

    @app.get("/todos")
    def todos() -> list[str]:
        return []

    CORS(app, allow_origins=[APP])
    return app


def test_flask_follows_app_debug_on_each_request(caplog: pytest.LogCaptureFixture) -> None:
    app = flask_app()
    client = app.test_client()
    with caplog.at_level(logging.DEBUG, logger="corecors"):
        assert client.options("/todos", headers=PREFLIGHT).status_code == 400
        app.debug = True  # as app.run(debug=True) does, after CORS(app)
        assert client.get("/todos", headers={"Origin": EVIL}).status_code == 200
        assert client.get("/todos", headers={"Origin": APP}).status_code == 200
    assert levels(caplog) == [
        (
            logging.DEBUG,
            f"CORS preflight refused: origin {EVIL!r} is not allowed; add it to allow_origins",
        ),
        (logging.WARNING, f"CORS request refused: origin {EVIL!r} is not allowed"),
    ]


def application(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


@pytest.mark.parametrize(
    ("debug", "level"),
    [(False, logging.DEBUG), (True, logging.WARNING), (lambda: True, logging.WARNING)],
)
def test_wsgi_debug_keyword(debug: Any, level: int, caplog: pytest.LogCaptureFixture) -> None:
    client = Client(CORSMiddleware(application, allow_origins=[APP], debug=debug))
    with caplog.at_level(logging.DEBUG, logger="corecors"):
        client.get("/", headers={"Origin": EVIL})
    assert levels(caplog) == [(level, f"CORS request refused: origin {EVIL!r} is not allowed")]


def test_wsgi_default_is_debug(caplog: pytest.LogCaptureFixture) -> None:
    client = Client(CORSMiddleware(application, allow_origins=[APP]))
    with caplog.at_level(logging.DEBUG, logger="corecors"):
        client.get("/", headers={"Origin": EVIL})
    assert [level for level, _ in levels(caplog)] == [logging.DEBUG]


def test_wsgi_debug_must_be_a_bool_or_callable() -> None:
    with pytest.raises(CORSConfigError) as caught:
        CORSMiddleware(application, allow_origins=[APP], debug="yes")  # type: ignore[arg-type]
    (problem,) = caught.value.problems
    assert (problem.code, problem.option, problem.value) == ("E011", "debug", "yes")


def test_a_flood_in_flask_debug_mode_prints_a_bounded_number_of_lines(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = flask_app()
    app.debug = True
    client = app.test_client()
    with caplog.at_level(logging.WARNING, logger="corecors"):
        for i in range(200):
            client.options("/todos", headers={**PREFLIGHT, "Origin": f"https://x{i}.example"})
    assert len(levels(caplog)) == 51  # 50 refusals, then one line saying the rest are not
