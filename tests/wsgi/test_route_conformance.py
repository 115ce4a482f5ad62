"""The "most specific wins" table (tests/routes.py) through Flask: app, blueprint, view."""

from __future__ import annotations

import pytest
from flask import Blueprint, Flask

from corecors.adapters.flask import CORS, cross_origin
from tests.routes import METHODS, ROWS, VIEW_POLICIES, Row, check, ids, policy


def route_app(row: Row) -> Flask:
    """``CORS(app)`` for the app, ``CORS(blueprint)`` for the group, ``cross_origin`` views."""
    app = Flask(__name__)
    group = Blueprint("group", __name__, url_prefix="/group")
    for kind in ("open", "closed", None):
        view = lambda: ("app", 200, {"X-App": "1"})  # noqa: E731
        if kind is not None:
            view = cross_origin(policy=VIEW_POLICIES[kind])(view)
        group.add_url_rule(f"/view-{kind or 'none'}", f"view_{kind}", view, methods=METHODS)
    if row.group is not None:
        CORS(group, policy=policy("group", row.group))
    app.register_blueprint(group)
    if row.app is not None:
        CORS(app, policy=policy("app", row.app))
    return app


@pytest.mark.parametrize("row", ROWS, ids=ids)
def test_flask(row: Row) -> None:
    response = route_app(row).test_client().open(row.path, method=row.method, headers=row.headers)
    check(row, response.status_code, {k.lower(): v for k, v in response.headers.items()})
