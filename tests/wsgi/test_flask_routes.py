"""Flask per-route CORS: ``CORS(blueprint)`` and ``@cross_origin``, with Flask's test client."""

from __future__ import annotations

import asyncio

import pytest
from flask import Blueprint, Flask, abort
from flask.typing import ResponseReturnValue
from werkzeug.test import TestResponse

from corecors import CORSConfigError, CORSConfigWarning, CORSPolicy, PathPolicies
from corecors.adapters.flask import CORS, cross_origin

APP = "https://app.example.com"
PARTNER = "https://partner.example.com"
EVIL = "https://evil.example.org"


def preflight(origin: str = PARTNER, method: str = "PUT") -> dict[str, str]:
    return {"Origin": origin, "Access-Control-Request-Method": method}


def partner_blueprint(calls: list[str], name: str = "partner") -> Blueprint:
    """A blueprint whose views record that they ran; its routes take GET and PUT."""
    blueprint = Blueprint(name, __name__)

    @blueprint.route("/items/<int:item>", methods=["GET", "PUT"])
    def item(item: int) -> ResponseReturnValue:
        calls.append(f"item {item}")
        return {"item": item}

    @blueprint.route("/forbidden")
    def forbidden() -> ResponseReturnValue:
        abort(403)

    @blueprint.route("/crash")
    def crash() -> ResponseReturnValue:
        raise RuntimeError("the view failed")

    return blueprint


def allow_origin(response: TestResponse) -> str | None:
    return response.headers.get("Access-Control-Allow-Origin")


@pytest.mark.parametrize("app_cors", ["none", "before", "after"])
def test_blueprint_policy_under_any_prefix_and_registered_twice(app_cors: str) -> None:
    calls: list[str] = []
    app = Flask(__name__)
    if app_cors == "before":
        CORS(app, allow_origins=[APP])
    blueprint = partner_blueprint(calls)
    CORS(blueprint, allow_origins=[PARTNER], allow_methods=["GET", "PUT"])
    app.register_blueprint(blueprint, url_prefix="/partner")
    app.register_blueprint(blueprint, url_prefix="/v2/partner", name="partner_v2")
    if app_cors == "after":
        CORS(app, allow_origins=[APP])

    @app.route("/public")
    def public() -> str:
        return "public"

    client = app.test_client()
    for prefix in ("/partner", "/v2/partner"):
        pre = client.options(f"{prefix}/items/1", headers=preflight())
        assert pre.status_code == 200, prefix
        assert allow_origin(pre) == PARTNER
        assert pre.headers["Access-Control-Allow-Methods"] == "GET, PUT"
        got = client.put(f"{prefix}/items/2", headers={"Origin": PARTNER})
        assert allow_origin(got) == PARTNER
        assert got.headers.get_all("Access-Control-Allow-Origin") == [PARTNER]
        # The blueprint's policy replaces the app's: APP is not allowed there.
        assert allow_origin(client.get(f"{prefix}/items/3", headers={"Origin": APP})) is None
        refused = client.options(f"{prefix}/items/1", headers=preflight(APP))
        assert refused.status_code == 400
        assert refused.get_data().startswith(b"CORS preflight refused")
        assert not [h for h, _ in refused.headers if h.lower().startswith("access-control-")]
    assert calls == ["item 2", "item 3", "item 2", "item 3"]  # no preflight reached a view
    outside = client.get("/public", headers={"Origin": APP})
    assert allow_origin(outside) == (None if app_cors == "none" else APP)
    assert allow_origin(client.get("/public", headers={"Origin": PARTNER})) is None


@pytest.mark.parametrize("with_app_cors", [False, True])
def test_error_pages_of_blueprint_routes_keep_its_headers(with_app_cors: bool) -> None:
    app = Flask(__name__)
    blueprint = partner_blueprint([])
    CORS(blueprint, allow_origins=[PARTNER], allow_credentials=True)
    app.register_blueprint(blueprint, url_prefix="/partner")
    if with_app_cors:
        CORS(app, allow_origins=[APP])
    client = app.test_client()
    for path, status in (("/partner/forbidden", 403), ("/partner/crash", 500)):
        response = client.get(path, headers={"Origin": PARTNER})
        assert response.status_code == status
        assert response.headers.get_all("Access-Control-Allow-Origin") == [PARTNER]
        assert response.headers["Access-Control-Allow-Credentials"] == "true"
        assert response.headers["Vary"] == "Origin"


def test_nested_blueprints_most_specific_wins() -> None:
    parent = Blueprint("parent", __name__)
    child = Blueprint("child", __name__)
    grandchild = Blueprint("grandchild", __name__)

    @child.route("/x")
    def in_child() -> str:
        return "child"

    @grandchild.route("/y")
    def in_grandchild() -> str:
        return "grandchild"

    @parent.route("/z")
    def in_parent() -> str:
        return "parent"

    CORS(parent, allow_origins=[APP])
    CORS(child, allow_origins=[PARTNER])  # grandchild has none: its nearest ancestor's applies
    child.register_blueprint(grandchild, url_prefix="/grand")
    parent.register_blueprint(child, url_prefix="/child")
    app = Flask(__name__)
    app.register_blueprint(parent, url_prefix="/parent")
    client = app.test_client()
    for path in ("/parent/child/x", "/parent/child/grand/y"):
        assert allow_origin(client.get(path, headers={"Origin": PARTNER})) == PARTNER, path
        assert allow_origin(client.get(path, headers={"Origin": APP})) is None, path
        pre = client.options(path, headers=preflight(PARTNER, "GET"))
        assert (pre.status_code, allow_origin(pre)) == (200, PARTNER), path
    assert allow_origin(client.get("/parent/z", headers={"Origin": APP})) == APP
    assert allow_origin(client.get("/parent/z", headers={"Origin": PARTNER})) is None


def test_blueprint_reads_app_config() -> None:
    app = Flask(__name__)
    app.config.update(CORS_ALLOW_CREDENTIALS=True, CORS_MAX_AGE=42)
    blueprint = partner_blueprint([])
    CORS(blueprint, allow_origins=[PARTNER])
    app.register_blueprint(blueprint)
    CORS(app, policy=CORSPolicy(allow_origins=[APP]))  # policy= ignores app.config
    client = app.test_client()
    got = client.get("/items/1", headers={"Origin": PARTNER})
    assert allow_origin(got) == PARTNER
    assert got.headers["Access-Control-Allow-Credentials"] == "true"
    pre = client.options("/items/1", headers=preflight(PARTNER, "GET"))
    assert pre.headers["Access-Control-Max-Age"] == "42"
    elsewhere = client.get("/elsewhere", headers={"Origin": APP})
    assert allow_origin(elsewhere) == APP
    assert "Access-Control-Allow-Credentials" not in elsewhere.headers


def test_cors_policy_in_app_config_is_the_apps_not_the_blueprints() -> None:
    app = Flask(__name__)
    app.config["CORS_POLICY"] = PathPolicies([("/*", CORSPolicy(allow_origins=[APP]))])
    blueprint = partner_blueprint([])
    CORS(blueprint, allow_origins=[PARTNER])
    app.register_blueprint(blueprint)
    CORS(app)
    client = app.test_client()
    assert allow_origin(client.get("/items/1", headers={"Origin": PARTNER})) == PARTNER
    assert allow_origin(client.get("/items/1", headers={"Origin": APP})) is None
    assert allow_origin(client.get("/elsewhere", headers={"Origin": APP})) == APP


def test_blueprint_config_error_names_the_config_key_at_registration() -> None:
    app = Flask(__name__)
    app.config["CORS_MAX_AGE"] = -5
    blueprint = partner_blueprint([])
    CORS(blueprint, allow_origins=[PARTNER])
    with pytest.raises(CORSConfigError, match=r"app.config\['CORS_MAX_AGE'\]=-5"):
        app.register_blueprint(blueprint)


def views_app(with_app_cors: bool, calls: list[str]) -> Flask:
    app = Flask(__name__)
    if with_app_cors:
        CORS(app, allow_origins=[APP])

    @app.route("/sync/<int:item>", methods=["GET", "PUT"])
    @cross_origin(allow_origins=[PARTNER], allow_methods=["GET", "PUT"], max_age=60)
    def sync_view(item: int) -> ResponseReturnValue:
        calls.append(f"sync {item}")
        if item == 403:
            abort(403)
        if item == 500:
            raise RuntimeError("the view failed")
        return {"item": item}

    @app.route("/async/<int:item>", methods=["GET", "PUT"])
    @cross_origin(allow_origins=[PARTNER], allow_methods=["GET", "PUT"], max_age=60)
    async def async_view(item: int) -> ResponseReturnValue:
        await asyncio.sleep(0)
        calls.append(f"async {item}")
        if item == 500:
            raise RuntimeError("the async view failed")
        return {"item": item}

    @app.route("/plain")
    def plain() -> str:
        return "plain"

    return app


@pytest.mark.parametrize("kind", ["sync", "async"])
@pytest.mark.parametrize("with_app_cors", [False, True])
def test_cross_origin_view(kind: str, with_app_cors: bool) -> None:
    calls: list[str] = []
    client = views_app(with_app_cors, calls).test_client()
    pre = client.options(f"/{kind}/1", headers=preflight())
    assert pre.status_code == 200  # not Flask's automatic OPTIONS answer, not a 405
    assert allow_origin(pre) == PARTNER
    assert pre.headers["Access-Control-Max-Age"] == "60"
    refused = client.options(f"/{kind}/1", headers=preflight(APP))
    assert refused.status_code == 400
    assert refused.get_data().startswith(b"CORS preflight refused")
    assert "Access-Control-Allow-Origin" not in refused.headers
    assert calls == []  # no preflight ran the view
    got = client.put(f"/{kind}/2", headers={"Origin": PARTNER})
    assert got.headers.get_all("Access-Control-Allow-Origin") == [PARTNER]
    assert got.headers["Vary"] == "Origin"
    assert allow_origin(client.get(f"/{kind}/3", headers={"Origin": APP})) is None
    no_origin = client.get(f"/{kind}/4")
    assert "Access-Control-Allow-Origin" not in no_origin.headers
    assert no_origin.headers["Vary"] == "Origin"
    crashed = client.get(f"/{kind}/500", headers={"Origin": PARTNER})
    assert crashed.status_code == 500
    assert crashed.headers.get_all("Access-Control-Allow-Origin") == [PARTNER]
    assert calls == [f"{kind} 2", f"{kind} 3", f"{kind} 4", f"{kind} 500"]
    plain = client.get("/plain", headers={"Origin": APP})
    assert allow_origin(plain) == (APP if with_app_cors else None)


@pytest.mark.parametrize("with_app_cors", [False, True])
def test_cross_origin_abort_keeps_the_views_headers(with_app_cors: bool) -> None:
    client = views_app(with_app_cors, []).test_client()
    response = client.get("/sync/403", headers={"Origin": PARTNER})
    assert response.status_code == 403
    assert response.headers.get_all("Access-Control-Allow-Origin") == [PARTNER]


def test_options_that_is_not_a_preflight_gets_flasks_answer_decorated() -> None:
    calls: list[str] = []
    response = views_app(False, calls).test_client().options("/sync/1", headers={"Origin": PARTNER})
    assert response.status_code == 200
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "PUT", "OPTIONS"}
    assert allow_origin(response) == PARTNER
    assert calls == []


def test_view_wins_over_blueprint_wins_over_app() -> None:
    blueprint = Blueprint("partner", __name__, url_prefix="/partner")

    @blueprint.route("/widget")
    @cross_origin(allow_origins=[EVIL.replace("evil", "widget")])
    def widget() -> str:
        return "widget"

    @blueprint.route("/other")
    def other() -> str:
        return "other"

    CORS(blueprint, allow_origins=[PARTNER])
    app = Flask(__name__)
    app.register_blueprint(blueprint)
    CORS(app, allow_origins=[APP])
    client = app.test_client()
    widget_origin = "https://widget.example.org"
    for origin, path, expected in [
        (widget_origin, "/partner/widget", widget_origin),
        (PARTNER, "/partner/widget", None),
        (PARTNER, "/partner/other", PARTNER),
        (APP, "/partner/other", None),
        (APP, "/elsewhere", APP),
    ]:
        got = client.get(path, headers={"Origin": origin})
        assert allow_origin(got) == expected, (origin, path)
        pre = client.options(path, headers=preflight(origin, "GET"))
        assert pre.status_code == (200 if expected else 400), (origin, path)


def test_preflight_is_matched_with_the_requested_method() -> None:
    """Two rules on one path: the preflight asks about the PUT one, which is decorated."""
    app = Flask(__name__)
    CORS(app, allow_origins=[APP])

    @app.get("/doc")
    def read() -> str:
        return "read"

    @app.put("/doc")
    @cross_origin(allow_origins=[PARTNER], allow_methods=["PUT"])
    def write() -> str:
        return "written"

    client = app.test_client()
    assert allow_origin(client.options("/doc", headers=preflight(PARTNER, "PUT"))) == PARTNER
    assert client.options("/doc", headers=preflight(PARTNER, "GET")).status_code == 400
    assert allow_origin(client.options("/doc", headers=preflight(APP, "GET"))) == APP
    # A method with no route, and a path with no route: the app's policy answers.
    assert client.options("/doc", headers=preflight(APP, "DELETE")).status_code == 400
    assert allow_origin(client.options("/nowhere", headers=preflight(APP, "GET"))) == APP


def test_cross_origin_reads_app_config() -> None:
    app = Flask(__name__)
    app.config.update(CORS_ALLOW_CREDENTIALS=True, CORS_EXPOSE_HEADERS=["X-Total"])

    @app.route("/widget")
    @cross_origin(allow_origins=[PARTNER])
    def widget() -> str:
        return "widget"

    response = app.test_client().get("/widget", headers={"Origin": PARTNER})
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert response.headers["Access-Control-Expose-Headers"] == "X-Total"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"origins": [PARTNER]}, "origins=.*is flask-cors' name.*rename it allow_origins"),
        ({"supports_credentials": True}, "rename it allow_credentials"),
        ({"automatic_options": True}, "remove it"),
        ({"allow_origin": [PARTNER]}, "is not a corecors option"),
        ({"allow_origins": ["partner.example.com"]}, "allow_origins"),
        ({"policy": PathPolicies([("/*", CORSPolicy(allow_origins=[PARTNER]))])}, "a view"),
        ({"resources": {"/api/*": {}}}, "the policy of a view covers its routes.*CORS\\(app, "),
    ],
)
def test_bad_options_fail_when_decorating(options: dict[str, object], message: str) -> None:
    with pytest.raises(CORSConfigError, match=message):
        cross_origin(**options)


def test_bad_options_on_a_blueprint_fail_at_once() -> None:
    blueprint = Blueprint("partner", __name__)
    with pytest.raises(CORSConfigError, match="rename it allow_origins"):
        CORS(blueprint, origins=[PARTNER])
    with pytest.raises(CORSConfigError, match="blueprint 'partner'"):
        CORS(blueprint, policy=PathPolicies([]))
    with pytest.raises(CORSConfigError, match="the policy of blueprint 'partner' covers"):
        CORS(blueprint, resources={r"/api/*": {"origins": [PARTNER]}})


def test_risky_view_options_warn_once_merged_with_the_app_config() -> None:
    decorate = cross_origin(allow_origins=["*"], allow_credentials=True)  # checked, not warned
    app = Flask(__name__)
    app.add_url_rule("/open", "open", decorate(lambda: "open"))
    with pytest.warns(CORSConfigWarning, match="credentials"):
        response = app.test_client().get("/open", headers={"Origin": EVIL})
    assert allow_origin(response) == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers


@pytest.mark.parametrize("with_app_cors", [False, True])
def test_malformed_preflights_are_not_answered_by_a_route(with_app_cors: bool) -> None:
    calls: list[str] = []
    client = views_app(with_app_cors, calls).test_client()
    # An empty Access-Control-Request-Method is no preflight (Fetch): an OPTIONS request.
    empty = client.options(
        "/sync/1", headers={"Origin": PARTNER, "Access-Control-Request-Method": ""}
    )
    assert empty.status_code == 200
    assert "GET" in empty.headers["Allow"]
    # A method no route has, a request method that is no token, no Origin: no route policy.
    for headers in (
        preflight(PARTNER, "PATCH"),
        preflight(PARTNER, "GE T\x7f"),
        {"Access-Control-Request-Method": "PUT"},
    ):
        response = client.options("/sync/1", headers=headers)
        assert response.status_code < 500, headers
    assert calls == []


def test_many_distinct_preflights_keep_their_route_policy() -> None:
    """More distinct preflights than an app remembers: each still gets its route's policy."""
    app = Flask(__name__)
    CORS(app, allow_origins=[APP], allow_methods=["PUT"])
    blueprint = partner_blueprint([])
    CORS(blueprint, allow_origins=[PARTNER], allow_methods=["PUT"])
    app.register_blueprint(blueprint, url_prefix="/partner")
    client = app.test_client()
    for round_ in range(2):
        for item in range(300):
            partner = client.options(f"/partner/items/{item}", headers=preflight())
            assert allow_origin(partner) == PARTNER, (round_, item)
            assert client.options(f"/items/{item}", headers=preflight(APP)).status_code == 200
    assert client.options("/partner/items/1", headers=preflight(APP)).status_code == 400


def test_cors_on_a_blueprint_already_registered_says_to_call_it_first() -> None:
    app = Flask(__name__)
    blueprint = partner_blueprint([])
    app.register_blueprint(blueprint)
    with pytest.raises(RuntimeError, match=r"before app.register_blueprint"):
        CORS(blueprint, allow_origins=[PARTNER])


@pytest.mark.parametrize("configured", [False, True])
def test_a_route_policy_allowing_no_origin_says_so(
    configured: bool, caplog: pytest.LogCaptureFixture
) -> None:
    """flask-cors' ``@cross_origin()`` allows every origin; corecors' allows none: warn."""
    app = Flask(__name__)
    if configured:
        app.config["CORS_ALLOW_ORIGINS"] = [PARTNER]
    blueprint = Blueprint("widgets", __name__)
    CORS(blueprint)

    @blueprint.route("/listed")
    def listed() -> ResponseReturnValue:
        return "listed"

    @app.route("/widget")
    @cross_origin()
    def widget() -> ResponseReturnValue:
        return "widget"

    with caplog.at_level("WARNING", logger="corecors"):
        app.register_blueprint(blueprint)
        got = app.test_client().get("/widget", headers={"Origin": PARTNER})
    assert allow_origin(got) == (PARTNER if configured else None)
    lines = [r.getMessage() for r in caplog.records if r.name == "corecors"]
    if configured:
        assert lines == []
    else:
        assert len(lines) == 2
        assert lines[0].startswith("CORS(blueprint 'widgets') on ")
        assert "widget" in lines[1]
        assert lines[1].startswith("@cross_origin on view ")
        assert "allow_origins=[...]" in lines[1]
        assert "app.config['CORS_ALLOW_ORIGINS']" in lines[1]


def test_cross_origin_without_parentheses_or_with_a_positional_origin_says_how() -> None:
    def view() -> ResponseReturnValue:
        return "view"

    with pytest.raises(
        CORSConfigError, match=r"cross_origin=.*without parentheses.*@cross_origin\("
    ):
        cross_origin(view)
    with pytest.raises(CORSConfigError, match=r"by position.*allow_origins=\[\.\.\.\]"):
        cross_origin(PARTNER)
    with pytest.raises(CORSConfigError, match=r"cross_origin=\('a', 'b'\)"):
        cross_origin("a", "b")
