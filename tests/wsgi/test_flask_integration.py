"""Flask-specific behaviour: app factories, app.config, blueprints, error pages."""

from __future__ import annotations

import logging
import re

import pytest
from flask import Blueprint, Flask, abort, jsonify, session
from flask.typing import ResponseReturnValue

from corecors import CORSConfigError, CORSConfigWarning, CORSPolicy, PathPolicies
from corecors.adapters.flask import CORS
from corecors.adapters.wsgi import CORSMiddleware

APP = "https://app.example.com"
ADMIN = "https://admin.example.com"
EVIL = "https://evil.example.org"
PREFLIGHT = {"Origin": APP, "Access-Control-Request-Method": "PUT"}

# An app factory, as Flask's tutorial writes it: the extension lives at module level.
cors = CORS()


def create_app(**config: object) -> Flask:
    app = Flask(__name__)
    app.config.update(config)
    calls: list[str] = []
    app.config["CALLS"] = calls

    @app.route("/items", methods=["GET", "PUT"], provide_automatic_options=False)
    def items() -> ResponseReturnValue:
        calls.append("items")
        return {"items": []}

    cors.init_app(app)
    return app


def test_app_factory_reads_app_config() -> None:
    app = create_app(
        CORS_ALLOW_ORIGINS=[APP],
        CORS_ALLOW_CREDENTIALS=True,
        CORS_ALLOW_METHODS=["GET", "PUT"],
        CORS_EXPOSE_HEADERS=["X-Total"],
        CORS_MAX_AGE=120,
    )
    client = app.test_client()
    got = client.get("/items", headers={"Origin": APP})
    assert got.headers["Access-Control-Allow-Origin"] == APP
    assert got.headers["Access-Control-Allow-Credentials"] == "true"
    assert got.headers["Access-Control-Expose-Headers"] == "X-Total"
    pre = client.options("/items", headers=PREFLIGHT)
    assert pre.status_code == 200
    assert pre.headers["Access-Control-Allow-Methods"] == "GET, PUT"
    assert pre.headers["Access-Control-Max-Age"] == "120"
    assert isinstance(app.extensions["corecors"], CORSMiddleware)


def test_one_extension_many_apps_each_with_its_own_config() -> None:
    first = create_app(CORS_ALLOW_ORIGINS=[APP]).test_client()
    second = create_app(CORS_ALLOW_ORIGINS=[ADMIN]).test_client()
    assert first.get("/items", headers={"Origin": APP}).access_control_allow_origin == APP
    assert (
        "Access-Control-Allow-Origin" not in second.get("/items", headers={"Origin": APP}).headers
    )
    assert second.get("/items", headers={"Origin": ADMIN}).access_control_allow_origin == ADMIN


def test_preflight_never_reaches_routing() -> None:
    """The route has no OPTIONS at all: without CORS Flask answers 405."""
    bare = Flask(__name__)
    bare.add_url_rule(
        "/items", "items", lambda: "x", methods=["PUT"], provide_automatic_options=False
    )
    assert bare.test_client().options("/items", headers=PREFLIGHT).status_code == 405

    app = create_app(CORS_ALLOW_ORIGINS=[APP], CORS_ALLOW_METHODS=["PUT"])
    response = app.test_client().options("/items", headers=PREFLIGHT)
    assert response.status_code == 200
    assert response.get_data() == b"OK"
    assert response.headers["Access-Control-Allow-Methods"] == "PUT"
    assert app.config["CALLS"] == []  # the view never ran


def test_keyword_arguments_win_over_app_config() -> None:
    app = Flask(__name__)
    app.config.update(CORS_ALLOW_ORIGINS=[EVIL], CORS_MAX_AGE=60)
    app.add_url_rule("/", "index", lambda: "x")
    CORS(app, allow_origins=[APP])
    client = app.test_client()
    assert "Access-Control-Allow-Origin" not in client.get("/", headers={"Origin": EVIL}).headers
    pre = client.options("/", headers={"Origin": APP, "Access-Control-Request-Method": "GET"})
    assert pre.headers["Access-Control-Allow-Origin"] == APP
    assert pre.headers["Access-Control-Max-Age"] == "60"  # not overridden: still from config


def test_policy_from_config_and_policy_keyword_replacing_config() -> None:
    app = Flask(__name__)
    app.config["CORS_POLICY"] = CORSPolicy(allow_origins=[ADMIN])
    app.add_url_rule("/", "index", lambda: "x")
    CORS(app)
    assert (
        app.test_client().get("/", headers={"Origin": ADMIN}).access_control_allow_origin == ADMIN
    )

    other = Flask(__name__)
    other.config.update(CORS_ALLOW_ORIGINS=[EVIL], CORS_POLICY=CORSPolicy(allow_origins=[EVIL]))
    other.add_url_rule("/", "index", lambda: "x")
    CORS(other, policy=CORSPolicy(allow_origins=[APP]))
    client = other.test_client()
    assert client.get("/", headers={"Origin": APP}).access_control_allow_origin == APP
    assert "Access-Control-Allow-Origin" not in client.get("/", headers={"Origin": EVIL}).headers

    # Keyword options replace a configured CORS_POLICY.
    third = Flask(__name__)
    third.config["CORS_POLICY"] = CORSPolicy(allow_origins=[EVIL])
    third.add_url_rule("/", "index", lambda: "x")
    CORS(third, allow_origins=[APP])
    client = third.test_client()
    assert client.get("/", headers={"Origin": APP}).access_control_allow_origin == APP
    assert "Access-Control-Allow-Origin" not in client.get("/", headers={"Origin": EVIL}).headers


def test_config_errors_name_the_config_key() -> None:
    app = Flask(__name__)
    app.config.update(CORS_ALLOW_ORIGINS="https://app.example.com/", CORS_MAX_AGE=-1)
    with pytest.raises(CORSConfigError) as caught:
        CORS(app, allow_methods=["TRACE"])
    message = str(caught.value)
    assert "app.config['CORS_ALLOW_ORIGINS']='https://app.example.com/'" in message
    assert "app.config['CORS_MAX_AGE']=-1" in message
    assert "allow_methods='TRACE'" in message  # a keyword argument keeps its own name
    assert "corecors" not in app.extensions
    assert not isinstance(app.wsgi_app, CORSMiddleware)


def test_both_policy_and_options_in_config_is_an_error() -> None:
    app = Flask(__name__)
    app.config.update(CORS_POLICY=CORSPolicy(allow_origins=[APP]), CORS_ALLOW_ORIGINS=[APP])
    with pytest.raises(CORSConfigError, match=r"app.config\['CORS_POLICY'\]"):
        CORS(app)
    with pytest.raises(CORSConfigError, match="policy= was given together with allow_origins"):
        CORS(Flask(__name__), policy=CORSPolicy(allow_origins=[APP]), allow_origins=[APP])


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (
            {"origins": "*"},
            "origins='*': is flask-cors' name for this option. Fix: rename it allow_origins",
        ),
        ({"supports_credentials": True}, "rename it allow_credentials"),
        ({"methods": ["GET"]}, "rename it allow_methods"),
        ({"resources": {r"/api/*": {}}}, "rename it policy with a PathPolicies"),
        ({"send_wildcard": True}, 'remove it: allow_origins=["*"] always answers "*"'),
        ({"automatic_options": True}, "remove it"),
        (
            {"alow_origins": [APP]},
            "is not a corecors option. Fix: did you mean allow_origins? (the options: ",
        ),
    ],
)
def test_flask_cors_and_unknown_keyword_names_are_errors(
    options: dict[str, object], expected: str
) -> None:
    with pytest.raises(CORSConfigError, match=re.escape(expected)):
        CORS(**options)


def test_flask_cors_config_keys_are_errors() -> None:
    app = Flask(__name__)
    app.config.update(CORS_ORIGINS=[APP], CORS_SUPPORTS_CREDENTIALS=True, CORS_VARY_HEADER=True)
    with pytest.raises(CORSConfigError) as caught:
        CORS(app)
    message = str(caught.value)
    assert "3 problems" in message
    assert "app.config['CORS_ORIGINS']=['https://app.example.com']" in message
    assert "rename it CORS_ALLOW_ORIGINS" in message
    assert "regexes go in CORS_ALLOW_ORIGIN_REGEX" in message
    assert "rename it CORS_ALLOW_CREDENTIALS" in message
    assert "app.config['CORS_VARY_HEADER']=True: is a flask-cors option" in message


def test_risky_config_from_app_config_warns() -> None:
    app = Flask(__name__)
    app.config.update(CORS_ALLOW_ORIGINS=["*"], CORS_ALLOW_CREDENTIALS=True)
    app.add_url_rule("/", "index", lambda: "x")
    with pytest.warns(CORSConfigWarning, match="cannot be combined with credentials"):
        CORS(app)
    response = app.test_client().get("/", headers={"Origin": EVIL})
    assert response.access_control_allow_origin == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_init_app_twice_is_refused() -> None:
    app = Flask(__name__)
    CORS(app, allow_origins=[APP])
    with pytest.raises(RuntimeError, match="already initialised"):
        CORS(allow_origins=[APP]).init_app(app)


def test_nothing_configured_allows_nothing_and_says_so_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = Flask(__name__)
    app.add_url_rule("/", "index", lambda: "x")
    with caplog.at_level(logging.WARNING, logger="corecors"):
        CORS(app)
    hints = [r for r in caplog.records if "allows no origin" in r.getMessage()]
    assert len(hints) == 1
    assert "CORS_ALLOW_ORIGINS" in hints[0].getMessage()
    client = app.test_client()
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="corecors"):
        response = client.get("/", headers={"Origin": APP})
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers
    assert client.options("/", headers=PREFLIGHT).status_code == 400
    assert not caplog.records  # the hint is once per app, never per request


def test_configured_app_logs_no_hint(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="corecors"):
        CORS(Flask(__name__), allow_origin_regex=r"https://[a-z]+\.example\.com")
        CORS(Flask(__name__), policy=PathPolicies([("/api/*", CORSPolicy(allow_origins=[APP]))]))
    assert not caplog.records
    with caplog.at_level(logging.WARNING, logger="corecors"):
        CORS(Flask(__name__), policy=PathPolicies([("/api/*", CORSPolicy())]))
    assert len(caplog.records) == 1


def blueprint_app() -> Flask:
    app = Flask(__name__)
    api = Blueprint("api", __name__, url_prefix="/api")

    @api.route("/items", methods=["GET", "POST", "DELETE"])
    def api_items() -> ResponseReturnValue:
        return jsonify(items=[])

    @app.route("/page")
    def page() -> ResponseReturnValue:
        return "page"

    app.register_blueprint(api)
    api_policy = CORSPolicy(
        allow_origins=[APP], allow_methods=["GET", "POST", "DELETE"], allow_credentials=True
    )
    CORS(app, policy=PathPolicies([("/api/*", api_policy)]))
    return app


def test_blueprint_has_its_own_policy() -> None:
    client = blueprint_app().test_client()
    got = client.get("/api/items", headers={"Origin": APP})
    assert got.access_control_allow_origin == APP
    assert got.headers["Access-Control-Allow-Credentials"] == "true"
    assert got.headers["Vary"] == "Origin"
    pre = client.options(
        "/api/items", headers={"Origin": APP, "Access-Control-Request-Method": "DELETE"}
    )
    assert pre.status_code == 200
    assert pre.headers["Access-Control-Allow-Methods"] == "GET, POST, DELETE"


def test_route_outside_the_blueprint_gets_no_cors_processing() -> None:
    client = blueprint_app().test_client()
    response = client.get("/page", headers={"Origin": APP})
    assert response.get_data() == b"page"
    assert not [
        name for name, _ in response.headers.items() if name.lower().startswith("access-control")
    ]
    assert "Vary" not in response.headers
    # A preflight outside /api is Flask's business: its automatic OPTIONS answers, without CORS.
    pre = client.options("/page", headers={"Origin": APP, "Access-Control-Request-Method": "GET"})
    assert pre.status_code == 200
    assert pre.headers["Allow"]
    assert "Access-Control-Allow-Origin" not in pre.headers


def error_app() -> Flask:
    app = Flask(__name__)  # not in testing mode: exceptions become Flask's 500 page
    app.secret_key = "test"

    @app.route("/items", methods=["GET"])
    def items() -> ResponseReturnValue:
        return "items"

    @app.route("/boom")
    def boom() -> ResponseReturnValue:
        raise RuntimeError("boom")

    @app.route("/teapot")
    def teapot() -> ResponseReturnValue:
        abort(418)

    @app.route("/session")
    def uses_session() -> ResponseReturnValue:
        session["seen"] = True
        return "ok"

    @app.errorhandler(418)
    def json_teapot(error: Exception) -> ResponseReturnValue:
        return jsonify(error="teapot"), 418

    CORS(app, allow_origins=[APP], allow_credentials=True)
    return app


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/missing", 404),
        ("POST", "/items", 405),
        ("GET", "/boom", 500),
        ("GET", "/teapot", 418),
    ],
)
def test_error_pages_get_cors_headers(method: str, path: str, status: int) -> None:
    """The browser must see the error itself, not a misleading CORS failure."""
    response = error_app().test_client().open(path, method=method, headers={"Origin": APP})
    assert response.status_code == status
    assert response.headers.getlist("Access-Control-Allow-Origin") == [APP]
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert response.headers["Vary"] == "Origin"


def test_flask_own_vary_is_merged() -> None:
    response = error_app().test_client().get("/session", headers={"Origin": APP})
    assert [t.strip() for t in response.headers["Vary"].split(",")] == ["Cookie", "Origin"]
    assert len(response.headers.getlist("Vary")) == 1


def test_policy_none_keyword_is_no_keyword_and_repr() -> None:
    app = Flask(__name__)
    app.config["CORS_ALLOW_ORIGINS"] = [APP]
    app.add_url_rule("/", "index", lambda: "x")
    extension = CORS(app, policy=None)
    assert app.test_client().get("/", headers={"Origin": APP}).access_control_allow_origin == APP
    assert repr(extension) == "CORS()"
    assert repr(CORS(allow_origins=[APP])) == "CORS(allow_origins=['https://app.example.com'])"
