"""corecors.adapters.flask_cors: flask-cors' signatures and defaults on corecors."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
from flask import Blueprint, Flask

from corecors import CORSConfigError, CORSConfigWarning
from corecors.adapters import _flask_cors_options as translation
from corecors.adapters.flask_cors import ACL_ORIGIN, CORS, cross_origin

PREFLIGHT = {"Origin": "https://app.example", "Access-Control-Request-Method": "PUT"}


@pytest.fixture(autouse=True)
def _fresh_log() -> None:
    translation._logged.clear()


def app_with(**routes: object) -> Flask:
    app = Flask(__name__)
    for path in ("/", "/api/items", "/other"):
        app.add_url_rule(path, path, lambda: "ok")
    return app


def test_the_default_allows_every_origin_with_star_and_every_method() -> None:
    app = app_with()
    CORS(app)
    client = app.test_client()
    assert client.get("/", headers={"Origin": "https://a.example"}).headers[ACL_ORIGIN] == "*"
    preflight = client.options("/", headers=PREFLIGHT)
    assert preflight.status_code == 200
    assert "PATCH" in preflight.headers["Access-Control-Allow-Methods"]


def test_resources_match_from_the_start_of_the_path_with_their_own_options() -> None:
    app = app_with()
    CORS(app, resources={r"/api/*": {"origins": "https://app.example"}}, max_age=timedelta(0, 60))
    client = app.test_client()
    assert (
        client.get("/api/items", headers={"Origin": "https://app.example"}).headers[ACL_ORIGIN]
        == "https://app.example"
    )
    assert ACL_ORIGIN not in client.get("/other", headers={"Origin": "https://app.example"}).headers
    assert client.options("/api/items", headers=PREFLIGHT).headers["Access-Control-Max-Age"] == "60"


def test_config_keys_and_init_app_options_are_merged_as_flask_cors_does() -> None:
    app = app_with()
    app.config["CORS_ORIGINS"] = ["https://app.example"]
    app.config["CORS_MAX_AGE"] = "30"
    cors = CORS(expose_headers="X-B, X-A")
    cors.init_app(app, resources=[re.compile(r"/api/.*")])
    response = app.test_client().get("/api/items", headers={"Origin": "https://app.example"})
    assert response.headers["Access-Control-Expose-Headers"] == "X-A, X-B"
    assert repr(cors) == "CORS(expose_headers='X-B, X-A', resources=[re.compile('/api/.*')])"


def test_origin_regexes_match_the_whole_origin() -> None:
    app = app_with()
    CORS(app, origins=[r"https://\w+\.example\.com", "https://exact.example"])
    client = app.test_client()
    good = client.get("/", headers={"Origin": "https://a.example.com"})
    assert good.headers[ACL_ORIGIN] == "https://a.example.com"
    evil = client.get("/", headers={"Origin": "https://a.example.com.evil.io"})
    assert ACL_ORIGIN not in evil.headers


def test_each_unsafe_flask_cors_habit_is_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, "corecors")
    options = {"origins": "https://app.example", "vary_header": False, "always_send": False}
    for _ in range(2):
        CORS(
            app_with(),
            allow_headers=[r"X-Company-.*", "X-Id"],
            intercept_exceptions=False,
            automatic_options=False,
            **options,
        )
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 4, lines
    assert any("'X-Company-.*' is a regex" in line for line in lines)


def test_star_with_credentials_warns_at_the_users_line_in_flask_cors_words() -> None:
    with pytest.warns(CORSConfigWarning, match="origins=") as caught:
        CORS(app_with(), supports_credentials=True)
    assert caught[0].filename == __file__


def test_cross_origin_uses_flask_cors_options_and_app_config() -> None:
    app = Flask(__name__)
    app.config["CORS_ORIGINS"] = "https://app.example"

    @app.route("/view")
    @cross_origin(methods="put", resources="ignored")
    def view() -> str:
        return "ok"

    client = app.test_client()
    assert client.options("/view", headers=PREFLIGHT).headers[ACL_ORIGIN] == "https://app.example"


def test_a_blueprint_gets_its_policy() -> None:
    blueprint = Blueprint("api", __name__)
    blueprint.add_url_rule("/items", "items", lambda: "ok")
    CORS(blueprint, origins=["https://app.example"])
    app = Flask(__name__)
    app.register_blueprint(blueprint, url_prefix="/api")
    response = app.test_client().get("/api/items", headers={"Origin": "https://app.example"})
    assert response.headers[ACL_ORIGIN] == "https://app.example"


@pytest.mark.parametrize(
    ("make", "shown"),
    [
        (lambda: CORS(app_with(), resources=5), "resources=5: must be a path regex"),
        (lambda: CORS(app_with(), resources="("), "does not compile"),
        (lambda: CORS(app_with(), origin="*"), "did you mean origins?"),
        (lambda: CORS(app_with(), allow_origins=["*"]), "corecors' own option names"),
        (lambda: CORS(app_with(), resources={"/a": {"bogus": 1}}), "bogus=1"),
        (lambda: CORS(app_with(), methods=["TRACE"]), "methods='TRACE'"),
        (lambda: CORS(Blueprint("b", __name__), resources="/x"), "covers the blueprint's"),
        (lambda: cross_origin(lambda: None), "without parentheses"),
        (lambda: CORS(app_with(), zzz=1), "use one of origins"),
        (lambda: cross_origin(max_age=-1), "max_age=-1"),
    ],
)
def test_bad_options_raise_naming_flask_cors_option(make: object, shown: str) -> None:
    with pytest.raises(CORSConfigError, match=re.escape(shown)):
        make()  # type: ignore[operator]


def test_a_resource_without_regex_characters_is_one_exact_path() -> None:
    app = app_with()
    CORS(app, resources=["/othe", "/api/items"])
    client = app.test_client()
    origin = {"Origin": "https://app.example"}
    assert client.get("/api/items", headers=origin).headers[ACL_ORIGIN] == "*"
    assert ACL_ORIGIN not in client.get("/other", headers=origin).headers


def test_cross_origin_honours_automatic_options_false(caplog: pytest.LogCaptureFixture) -> None:
    app = Flask(__name__)

    @app.route("/own", methods=["GET", "OPTIONS"])
    @cross_origin(automatic_options=False, origins="https://app.example")
    def own() -> str:
        return "the view's own OPTIONS"

    @app.route("/flask")
    @cross_origin(automatic_options=False)
    def flask_default() -> str:
        return "never for OPTIONS"

    client = app.test_client()
    origin = {"Origin": "https://app.example"}
    response = client.options("/own", headers=origin)
    assert response.text == "the view's own OPTIONS"
    assert response.headers[ACL_ORIGIN] == "https://app.example"
    preflight = client.options("/own", headers=PREFLIGHT)  # answered before the view
    assert preflight.headers["Access-Control-Allow-Methods"].startswith("GET, HEAD, POST")
    assert preflight.text != "the view's own OPTIONS"
    assert client.options("/flask", headers=origin).text == ""  # Flask's own answer
    assert "automatic_options" not in caplog.text


def test_a_flask_cors_wildcard_origin_means_subdomains_only(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = app_with()
    CORS(app, origins=".*.example.com")
    client = app.test_client()
    for origin in ("https://a.example.com", "http://a.b.example.com"):
        assert client.get("/", headers={"Origin": origin}).headers[ACL_ORIGIN] == origin
    for lookalike in ("https://evilexample.com", "https://example.com", "ftp://a.example.com"):
        assert ACL_ORIGIN not in client.get("/", headers={"Origin": lookalike}).headers
    assert "'.*.example.com' matches subdomains only" in caplog.text
