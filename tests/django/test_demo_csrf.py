"""The Django demo (examples/django_app) keeps CsrfViewMiddleware and protects writes.

Served for real (``python -m examples.serve_api``, Django on WSGI): forged cross-site
writes to its ``@csrf_exempt`` item views get 403 (CORECORS_PROTECT_WRITES), the page's
own writes pass, and ``GET /csrf`` hands a page on another origin the token that
Django's CSRF check wants as ``X-CSRFToken``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.servers import ApiServer
from tests.servers import Server

FRONTEND = "http://localhost:3000"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    log: Path = tmp_path_factory.mktemp("demo") / "django.log"
    api = ApiServer("django", "wsgi", [FRONTEND], log)
    try:
        api.wait_until_ready()
        yield Server("django", api.port)
    finally:
        api.stop()


def test_forged_writes_are_refused_and_the_front_ends_pass(demo: Server) -> None:
    item = json.dumps({"id": 4242, "name": "x", "description": "y"}).encode()
    attack = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
    forged = {**attack, "Content-Type": "text/plain"}
    status, _, body = demo.request("POST", "/items/", forged, item)
    assert status == 403
    assert b"protect_writes" in body
    assert demo.request("GET", "/items/4242")[0] == 404  # it never ran
    own = {"Origin": FRONTEND, "Sec-Fetch-Site": "same-site", "Content-Type": "application/json"}
    assert demo.request("POST", "/items/", own, item)[0] == 201


def test_the_csrf_view_gives_the_token_and_its_cookie(demo: Server) -> None:
    status, headers, body = demo.request("GET", "/csrf", {"Origin": FRONTEND})
    assert status == 200
    token = json.loads(body)["csrfToken"]
    assert len(token) == 64
    cookies = [v for k, v in headers if k.lower() == "set-cookie"]
    assert any(c.startswith("csrftoken=") for c in cookies), cookies
    assert ("Access-Control-Allow-Origin", FRONTEND) in headers


def test_the_login_needs_the_token_and_its_cookie(demo: Server) -> None:
    own = {"Origin": FRONTEND, "Sec-Fetch-Site": "same-site", "Content-Type": "application/json"}
    body = b'{"username": "ada"}'
    status, _, answer = demo.request("POST", "/login", own, body)
    assert status == 403  # Django's CSRF check: no cookie, no token
    assert b"CSRF" in answer
    _, headers, token_body = demo.request("GET", "/csrf", {"Origin": FRONTEND})
    token = json.loads(token_body)["csrfToken"]
    cookie = next(v for k, v in headers if k.lower() == "set-cookie").split(";", 1)[0]
    sent = {**own, "Cookie": cookie, "X-CSRFToken": token}
    assert demo.request("POST", "/login", sent, body)[0] == 200
