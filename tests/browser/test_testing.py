"""corecors.testing through real test clients, and the README's snippets for them.

The Django client is tested in tests/django/test_testing.py (Django's settings are
configured there).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import flask
import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware as StarletteCORS

from corecors.adapters.asgi import CORSMiddleware
from corecors.adapters.flask import CORS
from corecors.testing import assert_cors_blocked, cors_report, cors_verdict
from tests.blocked_imports import run_without
from tests.docs import section
from tests.servers import ROOT

SECTION = section("testing")
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
        "(status 400: the server refused the preflight). Fix: Make the server accept this "
        f"preflight: allow the origin {FRONT}, the method PUT and the request headers "
        "authorization, content-type (it refused one of them: the response body or the "
        "server's log says which), and answer it with a 2xx status and "
        f"Access-Control-Allow-Origin: {FRONT}.\n"
        # The server's own answer, which often says which it refused.
        "The server's answer to OPTIONS http://testserver/items/1 (preflight): status 400, "
        "body: CORS preflight refused: origin not allowed (the server log, logger 'corecors', "
        "says why)"
    )


def test_the_flask_snippet_passes_and_fails_when_cors_breaks() -> None:
    namespace = snippet("Flask")
    [test] = snippet_tests(namespace)
    test()
    namespace["client"] = namespace["create_app"](["http://localhost:3001"]).test_client()
    with pytest.raises(AssertionError, match=r"blocked \(MissingAllowOriginHeader\) by the actual"):
        test()


FAILING_TEST = """
from fastapi.testclient import TestClient

from corecors.testing import assert_cors_allowed
from examples.fastapi_app import create_app


def test_put() -> None:
    client = TestClient(create_app(["https://other.example"]))
    assert_cors_allowed(client, "/items/1", origin="http://localhost:3000", method="PUT")
"""


def test_a_pytest_failure_shows_the_callers_line_and_the_servers_answer(
    tmp_path: Path,
) -> None:
    (tmp_path / "test_front_end.py").write_text(FAILING_TEST)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", str(tmp_path)],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert "E       AssertionError: PUT /items/1 from http://localhost:3000: blocked" in done.stdout
    assert (
        "E       The server's answer to OPTIONS http://testserver/items/1 (preflight): "
        "status 400, body: CORS preflight refused: origin not allowed" in done.stdout
    )
    # The failure points at the test's own line, not into corecors.testing.
    assert "def assert_cors_allowed(" not in done.stdout
    assert "corecors/testing.py" not in done.stdout


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


def test_starlettes_own_refusals_get_the_right_fix() -> None:
    # Starlette's CORSMiddleware answers a preflight for a method or header it does not
    # allow with 400 "Disallowed CORS method/headers", Allow-Origin included: Chromium
    # reports PreflightInvalidStatus, and the fix names the method or header, not the status.
    app = Starlette(middleware=[Middleware(StarletteCORS, allow_origins=[FRONT])])
    client = TestClient(app)
    method = cors_verdict(client, "/a", origin=FRONT, method="PUT")
    assert method.error == "PreflightInvalidStatus"
    assert "because PUT is not in its Access-Control-Allow-Methods ('GET')" in method.fix
    assert "allow the method PUT on the server" in method.fix
    header = cors_verdict(client, "/a", origin=FRONT, headers={"X-Token": "t"})
    assert "allow the request header x-token on the server" in header.fix


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
import corecors.browser, corecors.cli, corecors.testing
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
