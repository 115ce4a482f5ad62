"""DESIGN §7.2 on WSGI and Flask: in debug mode (``debug=`` or ``app.debug``), a
credentialed cross-origin response's cookies that browsers will not send back are
logged once per name; Flask's fixes name its ``SESSION_COOKIE_*`` settings."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest
from flask import Flask, session
from werkzeug.test import Client

from corecors.adapters.flask import CORS
from corecors.adapters.wsgi import CORSMiddleware
from corecors.engine import LineWindow

PAGE = "https://app.example.org"
HEADERS = {"Origin": PAGE, "Sec-Fetch-Site": "cross-site"}


def lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "corecors"]


def application(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response(
        "200 OK",
        [
            ("Content-Type", "text/plain"),
            ("Set-Cookie", "sid=1; Path=/; Secure; HttpOnly"),
            ("Set-Cookie", "theme=dark; Path=/; SameSite=None"),
        ],
    )
    return [b"ok"]


def wsgi_client(debug: Any, credentials: bool = True) -> Client:
    middleware = CORSMiddleware(
        application, allow_origins=[PAGE], allow_credentials=credentials, debug=debug
    )
    return Client(middleware)


@pytest.mark.parametrize("debug", [True, lambda: True])
def test_wsgi_debug_logs_each_cookie_once(debug: Any, caplog: pytest.LogCaptureFixture) -> None:
    client = wsgi_client(debug)
    with caplog.at_level(logging.DEBUG, logger="corecors"):
        client.get("/", headers=HEADERS, base_url="http://api.example.com")
        client.get("/", headers=HEADERS, base_url="http://api.example.com")
    sid, theme = lines(caplog)
    assert sid.startswith("CORS cookie 'sid' not sent back: set on a cross-site response: ")
    assert "rejected (a Secure cookie set over plain http)" in sid
    assert "Fix: serve the API over https; in development, over http://localhost" in sid
    assert theme.startswith("CORS cookie 'theme' not sent back: ")
    assert "Chromium 156 and Firefox 153: rejected (SameSite=None without Secure)" in theme
    assert "Fix: add Secure and serve over https: Secure" in theme


def test_a_cookie_is_logged_once_lines_are_free_again(caplog: pytest.LogCaptureFixture) -> None:
    # Refusals spent the window's lines: the cookie's diagnosis waits for the next
    # window instead of being marked as told and lost for good.
    middleware = CORSMiddleware(
        application, allow_origins=[PAGE], allow_credentials=True, debug=True
    )
    middleware.refusals.bound = LineWindow(lines=2, window=0.2)
    client = Client(middleware)
    evil = {"Origin": "https://evil.example.net"}
    with caplog.at_level(logging.DEBUG, logger="corecors"):
        for _ in range(3):
            client.get("/", headers=evil, base_url="http://api.example.com")
        client.get("/", headers=HEADERS, base_url="http://api.example.com")
        assert not any("cookie" in line for line in lines(caplog))
        time.sleep(0.25)  # the next window (a bound of the log, not a timing assertion)
        client.get("/", headers=HEADERS, base_url="http://api.example.com")
    told = [line for line in lines(caplog) if line.startswith("CORS cookie")]
    assert [line.split()[2] for line in told] == ["'sid'", "'theme'"]


@pytest.mark.parametrize(
    ("debug", "credentials", "headers"),
    [
        (False, True, HEADERS),
        (lambda: False, True, HEADERS),
        (True, False, HEADERS),
        (True, True, {"Origin": "https://evil.example.net"}),
        (True, True, {}),
    ],
)
def test_wsgi_logs_nothing_otherwise(
    debug: Any, credentials: bool, headers: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="corecors"):
        wsgi_client(debug, credentials).get("/", headers=headers)
    assert [line for line in lines(caplog) if "cookie" in line] == []


def flask_app() -> Flask:
    app = Flask(__name__)
    app.secret_key = "cookie-watch-not-secret"

    @app.get("/login")
    def login() -> str:
        session["user"] = "ada"
        return "ok"

    CORS(app, allow_origins=[PAGE], allow_credentials=True)
    return app


def test_flask_names_its_session_settings_when_app_debug(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = flask_app()
    client = app.test_client()
    with caplog.at_level(logging.DEBUG, logger="corecors"):
        client.get("/login", headers=HEADERS, base_url="https://api.example.com")
        assert lines(caplog) == []  # app.debug is off
        app.debug = True  # as `flask run --debug` sets it, after CORS(app)
        client.get("/login", headers=HEADERS, base_url="https://api.example.com")
    (line,) = lines(caplog)
    assert line.startswith("CORS cookie 'session' not sent back: ")
    assert "no SameSite, taken as Lax" in line
    fix = (
        "app.config['SESSION_COOKIE_SAMESITE'] = 'None', app.config['SESSION_COOKIE_SECURE'] "
        "= True, app.config['SESSION_COOKIE_PARTITIONED'] = True"
    )
    assert fix in line
