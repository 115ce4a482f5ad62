"""Per-path policies below a mount point: werkzeug's DispatcherMiddleware, SCRIPT_NAME, Flask."""

from __future__ import annotations

import pytest
from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.test import Client

from corecors.adapters.flask import CORS
from corecors.adapters.wsgi import CORSMiddleware
from tests.mounts import PARTNER, ROWS, RULES, Row, applied, ids

from .test_conformance_wsgi import reference_app


def headers_of(client: Client, url: str, **options: str) -> dict[str, str]:
    response = client.get(url, headers={"Origin": PARTNER}, **options)
    return {name.lower(): value for name, value in response.headers.items()}


def dispatched(prefix: str, app: object) -> Client:
    """``app`` mounted at ``prefix`` by werkzeug's DispatcherMiddleware (at the root: alone)."""
    return Client(DispatcherMiddleware(reference_app, {prefix: app}) if prefix else app)


@pytest.mark.parametrize("row", ROWS, ids=ids)
def test_dispatcher_middleware(row: Row) -> None:
    client = dispatched(row.prefix, CORSMiddleware(reference_app, policy=RULES))
    assert applied(headers_of(client, row.prefix + row.path)) == row.applied


@pytest.mark.parametrize("row", ROWS, ids=ids)
def test_script_name_from_the_server(row: Row) -> None:
    # A server or proxy mounting the app at a prefix sets SCRIPT_NAME and strips it from PATH_INFO.
    client = Client(CORSMiddleware(reference_app, policy=RULES))
    base_url = f"http://localhost{row.prefix}"
    assert applied(headers_of(client, row.path, base_url=base_url)) == row.applied


@pytest.mark.parametrize("row", ROWS, ids=ids)
def test_flask_app_mounted(row: Row) -> None:
    app = Flask(__name__)

    @app.route("/", defaults={"rest": ""})
    @app.route("/<path:rest>")
    def anything(rest: str) -> str:
        return rest

    CORS(app, policy=RULES)
    client = dispatched(row.prefix, app)
    assert applied(headers_of(client, row.prefix + row.path)) == row.applied


def test_the_mount_point_itself_routes_as_slash() -> None:
    # GET /api reaches the app mounted at /api with an empty PATH_INFO: the rule for "/*" applies.
    client = dispatched("/api", CORSMiddleware(reference_app, policy=RULES))
    assert applied(headers_of(client, "/api")) == "public"
