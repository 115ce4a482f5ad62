"""Issue 23, items 4 and 6 (Flask), with Flask's test client.

- Item 6: an ``@app.before_request`` hook (or an outer decorator such as a
  ``login_required``) answering 401 before a ``@cross_origin`` view got the
  *app's* policy in 0.2: origin A, which the view refuses, received
  ``Access-Control-Allow-Origin: A`` with credentials, while the view's own
  origin B got no CORS headers; with ``@cross_origin`` alone the hook answered
  B's preflight 401.
- Item 4: a route policy wrote its grant into the view's response object, so a
  view returning one shared response served request 1's grant to later refused
  and Origin-less requests.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import pytest
from flask import Blueprint, Flask, Response, request
from flask.typing import ResponseReturnValue
from werkzeug.test import TestResponse

from corecors.adapters.flask import CORS, cross_origin

APP = "https://app.example.com"
PARTNER = "https://partner.example.com"
EVIL = "https://evil.example.org"
PARTNER_ONLY: dict[str, Any] = {
    "allow_origins": [PARTNER],
    "allow_credentials": True,
    "allow_methods": ["DELETE"],
}


def login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if "Authorization" not in request.headers:
            return Response("log in first", status=401)
        return view(*args, **kwargs)

    return wrapper


def make_app(app_cors: bool, guard: str) -> Flask:
    app = Flask(__name__)
    if app_cors:
        CORS(app, allow_origins=[APP], allow_credentials=True, allow_methods=["DELETE"])
    if guard == "hook":

        @app.before_request
        def require_login() -> ResponseReturnValue | None:
            if request.path == "/private" and "Authorization" not in request.headers:
                return Response("log in first", status=401)
            return None

        @app.route("/private", methods=["GET", "DELETE"])
        @cross_origin(**PARTNER_ONLY)
        def private() -> ResponseReturnValue:
            return "partner-only data"

    else:

        @app.route("/private", methods=["GET", "DELETE"])
        @login_required
        @cross_origin(**PARTNER_ONLY)
        def private_view() -> ResponseReturnValue:
            return "partner-only data"

    return app


def grants(response: TestResponse) -> dict[str, str]:
    return {k.lower(): v for k, v in response.headers if k.lower().startswith("access-control-")}


@pytest.mark.parametrize("guard", ["hook", "outer-decorator"])
@pytest.mark.parametrize("app_cors", [True, False], ids=["CORS(app)", "cross_origin-alone"])
def test_answers_before_the_view_get_the_views_policy(app_cors: bool, guard: str) -> None:
    client = make_app(app_cors, guard).test_client()
    from_app = client.get("/private", headers={"Origin": APP})
    assert from_app.status_code == 401
    assert grants(from_app) == {}
    assert from_app.headers["Vary"] == "Origin"
    from_partner = client.get("/private", headers={"Origin": PARTNER})
    assert from_partner.status_code == 401
    assert grants(from_partner) == {
        "access-control-allow-origin": PARTNER,
        "access-control-allow-credentials": "true",
    }
    for _ in range(2):  # the first request and the later ones
        allowed = client.options(
            "/private", headers={"Origin": PARTNER, "Access-Control-Request-Method": "DELETE"}
        )
        assert allowed.status_code == 200
        assert grants(allowed)["access-control-allow-origin"] == PARTNER
        refused = client.options(
            "/private", headers={"Origin": APP, "Access-Control-Request-Method": "DELETE"}
        )
        assert refused.status_code == 400
        assert grants(refused) == {}
    authorised = client.get("/private", headers={"Origin": PARTNER, "Authorization": "x"})
    assert authorised.get_data() == b"partner-only data"
    assert grants(authorised)["access-control-allow-origin"] == PARTNER
    plain_options = client.options("/private", headers={"Origin": PARTNER})
    assert grants(plain_options)["access-control-allow-origin"] == PARTNER


def test_a_view_called_without_the_signal_still_applies_its_policy() -> None:
    """The wrapper decides itself when request_started did not run (a direct call)."""
    app = Flask(__name__)

    @cross_origin(**PARTNER_ONLY)
    def view() -> ResponseReturnValue:
        return Response("direct")

    with app.test_request_context(
        "/",
        method="OPTIONS",
        headers={"Origin": PARTNER, "Access-Control-Request-Method": "DELETE"},
    ):
        answer = view()
        assert answer.status_code == 200
        assert answer.headers["Access-Control-Allow-Origin"] == PARTNER


SHARED = Response("shared", headers={"Vary": "Cookie"})


def shared_app(where: str) -> Flask:
    app = Flask(__name__)
    if where == "view":

        @app.route("/shared")
        @cross_origin(allow_origins=[APP], allow_credentials=True)
        def shared() -> Response:
            return SHARED

    else:
        blueprint = Blueprint("shared", __name__)

        @blueprint.route("/shared")
        def shared_route() -> Response:
            return SHARED

        CORS(blueprint, allow_origins=[APP], allow_credentials=True)
        app.register_blueprint(blueprint)
    return app


@pytest.mark.parametrize("where", ["view", "blueprint"])
def test_a_shared_response_never_carries_a_previous_grant(where: str) -> None:
    client = shared_app(where).test_client()
    for _ in range(2):
        allowed = client.get("/shared", headers={"Origin": APP})
        assert grants(allowed) == {
            "access-control-allow-origin": APP,
            "access-control-allow-credentials": "true",
        }
        assert allowed.headers["Vary"] == "Cookie, Origin"
        for headers in ({"Origin": EVIL}, {}, {"Origin": "null"}):
            later = client.get("/shared", headers=headers)
            assert later.get_data() == b"shared"
            assert grants(later) == {}, headers
            assert later.headers["Vary"] == "Cookie, Origin"
    assert not grants(SHARED)  # the shared object itself is never written
    assert SHARED.headers["Vary"] == "Cookie"
