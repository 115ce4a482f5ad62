"""corecors.testing through real test clients, and the README's snippets for them.

The Django client is tested in tests/django/test_testing.py (Django's settings are
configured there).
"""

from __future__ import annotations

import re
from typing import Any

import flask
import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.testclient import TestClient

from corecors.adapters.asgi import CORSMiddleware
from corecors.adapters.flask import CORS
from corecors.testing import assert_cors_blocked, cors_report, cors_verdict
from tests.blocked_imports import run_without
from tests.servers import ROOT

README = (ROOT / "README.md").read_text()
SECTION = README.split("<!-- section: debugging -->", 1)[1].split("<!-- section:", 1)[0]
FRONT = "http://localhost:3000"


def snippet(framework: str) -> dict[str, Any]:
    """Run the README's "In your tests" snippet for ``framework``; its namespace."""
    found = re.search(rf"\*\*{framework}[^\n]*\n\n```python\n(.*?)```", SECTION, re.S)
    assert found, f"no {framework} snippet"
    namespace: dict[str, Any] = {"__name__": __name__}
    exec(compile(found.group(1), f"README {framework}", "exec"), namespace)
    return namespace


def snippet_tests(namespace: dict[str, Any]) -> list[Any]:
    return [value for name, value in namespace.items() if name.startswith("test_")]


def test_the_fastapi_snippet_passes_and_fails_when_cors_breaks() -> None:
    namespace = snippet("FastAPI")
    assert len(snippet_tests(namespace)) == 2
    for test in snippet_tests(namespace):
        test()
    # The same tests against an API that allows another front end: the first one fails
    # with the browser's reason and the fix.
    namespace["client"] = TestClient(namespace["create_app"](["https://other.example"]))
    with pytest.raises(AssertionError) as failed:
        namespace["test_the_front_end_may_update_items"]()
    assert str(failed.value) == (
        f"PUT /items/1 from {FRONT}: blocked (PreflightMissingAllowOriginHeader) by the "
        "preflight response: the preflight response has no Access-Control-Allow-Origin header "
        "(status 400: the server refused the preflight). Fix: Allow the origin "
        f"{FRONT} on the server: send Access-Control-Allow-Origin: {FRONT} on the "
        "preflight response."
    )


def test_the_flask_snippet_passes_and_fails_when_cors_breaks() -> None:
    namespace = snippet("Flask")
    [test] = snippet_tests(namespace)
    test()
    namespace["client"] = namespace["create_app"](["http://localhost:3001"]).test_client()
    with pytest.raises(AssertionError, match=r"blocked \(MissingAllowOriginHeader\) by the actual"):
        test()


def fastapi_client(**options: Any) -> TestClient:
    app = FastAPI()
    app.add_middleware(CORSMiddleware, **options)

    @app.get("/moved")
    def moved() -> Any:
        return RedirectResponse("/elsewhere")

    @app.api_route("/{path:path}", methods=["GET", "PUT", "DELETE", "PATCH"])
    def anything(path: str) -> dict[str, str]:
        return {"path": path}

    return TestClient(app)


def test_verdicts_through_the_starlette_test_client() -> None:
    client = fastapi_client(
        allow_origins=[FRONT], allow_methods=["GET", "PUT"], allow_headers=["*"]
    )
    verdict = cors_verdict(client, "/a", origin=FRONT, method="PUT", headers={"X-A": "1"})
    assert verdict.allowed
    assert verdict.checked == ("preflight", "actual")
    # corecors answers "*, authorization": "*" alone would never cover Authorization (Fetch).
    authorized = cors_verdict(client, "/a", origin=FRONT, headers={"Authorization": "t"})
    assert authorized.allowed
    refused = assert_cors_blocked(
        client,
        "/a",
        origin="http://localhost:3001",
        headers={"Authorization": "Bearer t"},
        error="PreflightMissingAllowOriginHeader",
        send=False,
    )
    assert refused.step == "preflight"
    with pytest.raises(AssertionError, match="a browser would allow it"):
        assert_cors_blocked(client, "/a", origin=FRONT)
    with pytest.raises(AssertionError, match="expected AllowOriginMismatch, got blocked"):
        assert_cors_blocked(client, "/a", origin=FRONT, method="PATCH", error="AllowOriginMismatch")


def test_the_report_lists_the_steps_and_does_not_follow_redirects_silently() -> None:
    client = fastapi_client(allow_origins=[FRONT])
    report = cors_report(client, "http://testserver/moved", origin=FRONT)
    first = report.steps[0]
    assert (first.method, first.url, first.response.status) == (
        "GET",
        "http://testserver/moved",
        307,
    )
    assert report.steps[1].url == "http://testserver/elsewhere"
    assert report.verdict.allowed
    # send=False: a DELETE is preflighted, never sent.
    refused = cors_report(client, "/a", origin=FRONT, method="DELETE", send=False)
    assert [s.method for s in refused.steps] == ["OPTIONS"]
    assert not refused.verdict.allowed  # DELETE is not in allow_methods
    client = fastapi_client(allow_origins=[FRONT], allow_methods=["DELETE"])
    deleting = cors_report(client, "/a", origin=FRONT, method="DELETE", send=False)
    assert deleting.verdict.allowed
    assert deleting.not_sent == "DELETE"
    assert [s.method for s in deleting.steps] == ["OPTIONS"]


def test_flask_test_client_keeps_repeated_header_lines() -> None:
    app = flask.Flask(__name__)
    CORS(app, allow_origins=[FRONT])

    @app.get("/twice")
    def twice() -> flask.Response:
        response = flask.Response("x")
        response.headers.add("Access-Control-Allow-Origin", FRONT)
        response.headers.add("X-A", "1")
        response.headers.add("X-A", "2")
        return response

    report = cors_report(app.test_client(), "/twice", origin=FRONT)
    assert [v for n, v in report.steps[0].response.header_list if n == "X-A"] == ["1", "2"]
    assert report.verdict.allowed  # the middleware keeps exactly one Allow-Origin


def test_misuse_is_reported() -> None:
    client = fastapi_client(allow_origins=[FRONT])
    with pytest.raises(ValueError, match="CORS does not apply"):
        cors_verdict(client, "/a", origin="http://testserver")
    with pytest.raises(ValueError, match="fetch"):
        cors_verdict(client, "/a", origin=FRONT, method="TRACE")
    with pytest.raises(TypeError, match="not a supported test client"):
        cors_verdict(object(), "/a", origin=FRONT)
    # Any httpx client works, and an absolute URL is used as given.
    transport = httpx.MockTransport(
        lambda request: httpx.Response(200, headers={"Access-Control-Allow-Origin": "*"})
    )
    with httpx.Client(transport=transport, base_url="http://api.test") as plain:
        assert cors_verdict(plain, "/x", origin=FRONT).allowed


NO_FRAMEWORK = """
import corecors.browser, corecors.cli, corecors.exchange, corecors.testing
from corecors.browser import BrowserRequest, ServerResponse, check

loaded = sorted(name for name in BLOCKED if name in __import__("sys").modules)
assert not loaded, loaded
request = BrowserRequest("https://a.example", "https://b.example/x", "PUT")
verdict = check(request, ServerResponse(204, [("Access-Control-Allow-Origin", "*")]))
print(verdict.error)
"""


def test_the_new_modules_import_no_framework() -> None:
    blocked = ("flask", "django", "starlette", "fastapi", "werkzeug", "httpx")
    result = run_without(blocked, NO_FRAMEWORK, isolated=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "MethodDisallowedByPreflightResponse"
