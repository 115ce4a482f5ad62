"""The fuzz/property suite (tests/fuzzing.py) through Flask's adapters, Flask's test client:
the app's policy (``CORS(app)``, the WSGI middleware), a ``@cross_origin`` view and a
``CORS(blueprint)`` route, each returning one shared response object."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Blueprint, Flask, Response
from hypothesis import given
from hypothesis import strategies as st

from corecors.adapters.flask import CORS, cross_origin

from ..fuzzing import APP_VARY, FUZZ, OPTIONS, POLICY, Sent, check, requests

METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "FOO"]
SHARED = Response("shared", headers={"Vary": APP_VARY})
reached: list[str] = []


def shared() -> Response:
    reached.append("view")
    return SHARED


def make_app() -> Flask:
    app = Flask(__name__)
    CORS(app, **OPTIONS)
    app.add_url_rule("/app", "app", shared, methods=METHODS)
    app.add_url_rule("/view", "view", cross_origin(**OPTIONS)(shared), methods=METHODS)
    blueprint = Blueprint("bp", __name__)
    blueprint.add_url_rule("/shared", "shared", shared, methods=METHODS)
    CORS(blueprint, **OPTIONS)
    app.register_blueprint(blueprint, url_prefix="/bp")
    return app


client = make_app().test_client()


@pytest.mark.parametrize("path", ["/app", "/view", "/bp/shared"])
@FUZZ
@given(batch=st.lists(requests(), min_size=1, max_size=3))
def test_hostile_requests_keep_the_invariants(path: str, batch: list[Sent]) -> None:
    for sent in batch:
        reached.clear()
        response: Any = client.open(path, method=sent.method, headers=sent.headers())
        check(POLICY, sent, response.status_code, response.headers.to_wsgi_list(), bool(reached))
    assert not [name for name, _ in SHARED.headers if name.lower().startswith("access-control-")]
