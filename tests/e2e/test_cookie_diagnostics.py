"""DESIGN §7.2 in a real Chromium: the cookie the browser did not send back is the cookie
the debug-mode log named, with Chromium's reason.

Three stacks in debug mode on real servers (FastAPI on uvicorn, Flask and Django on
gunicorn: tests/e2e/cookie_apps.py, cookie_django.py). A page on another site logs
in with ``fetch(..., {credentials: "include"})``; ``/login`` sets ``sid`` (no
SameSite), ``pref`` (SameSite=None; Secure, Partitioned but on Django) and ``theme``
(SameSite=None without Secure); then ``/whoami`` says which came back. Two routes:
``http://localhost`` to ``http://127.0.0.1`` (two sites; the browser sends
``Sec-Fetch-Site``) and ``http://app.example.org`` to ``http://api.example.com`` (plain
http: no ``Sec-Fetch-Site``, so the sites come from the Public Suffix List).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser

from tests.engines import CHROMIUM, CHROMIUM_ARGS
from tests.servers import Server, gunicorn_command, subprocess_server, uvicorn_command

from .writes_harness import blank_pages

pytestmark = pytest.mark.browser

STACKS = {
    "fastapi-uvicorn": uvicorn_command("tests.e2e.cookie_apps:fastapi_app", "--factory"),
    "flask-gunicorn": gunicorn_command("tests.e2e.cookie_apps:flask_app()", "--threads", "4"),
    "django-gunicorn": gunicorn_command("tests.e2e.cookie_django:wsgi()", "--threads", "4"),
}
# (route, the page's host, the API's host)
ROUTES = [
    ("Sec-Fetch-Site", "localhost", "127.0.0.1"),
    ("Public Suffix List", "app.example.org", "api.example.com"),
]
# The reason Chromium's row gives, by route and cookie (Django cannot write Partitioned).
REASONS = {
    "sid": "no SameSite, taken as Lax: never sent on cross-site requests",
    "theme": "SameSite=None without Secure",
    "pref": "third-party cookies are blocked",  # Django, over Sec-Fetch-Site
    "pref-http": "a Secure cookie set over plain http",
}
_LINE = re.compile(r"^CORS cookie '(\w+)' (not sent back|kept per site): (.*)$")


@pytest.fixture(scope="module")
def pages_port() -> Iterator[int]:
    with blank_pages() as port:  # the front end's page (scripts are injected)
        yield port


@pytest.fixture(scope="module")
def chromium(browser: Browser) -> Iterator[Browser]:
    args = [a for a in CHROMIUM_ARGS if not a.startswith("--host-resolver-rules")]
    rules = "MAP *.example.org 127.0.0.1, MAP *.example.com 127.0.0.1"
    own = browser.browser_type.launch(
        executable_path=CHROMIUM, headless=True, args=[*args, f"--host-resolver-rules={rules}"]
    )
    try:
        yield own
    finally:
        own.close()


def _get(server: Server, path: str) -> Any:
    status, _, body = server.request("GET", path)
    assert status == 200
    return json.loads(body)


@pytest.mark.parametrize(("route", "page_host", "api_host"), ROUTES, ids=[r[0] for r in ROUTES])
@pytest.mark.parametrize("stack", list(STACKS))
def test_the_cookies_not_sent_back_are_those_the_log_named(
    chromium: Browser, pages_port: int, stack: str, route: str, page_host: str, api_host: str
) -> None:
    page_origin = f"http://{page_host}:{pages_port}"
    environment = {"COOKIES_FRONTEND": page_origin}
    with subprocess_server(STACKS[stack], "/log", env=environment) as server:
        context = chromium.new_context()
        try:
            page = context.new_page()
            page.goto(f"{page_origin}/")
            api = f"http://{api_host}:{server.port}"
            script = "url => fetch(url, {credentials: 'include'}).then(r => r.text())"
            page.evaluate(script, f"{api}/login")
            came_back = set(json.loads(page.evaluate(script, f"{api}/whoami")))
        finally:
            context.close()
        lines = [_LINE.match(line) for line in _get(server, "/log") if "CORS cookie" in line]
    logged = {m.group(1): m.group(3) for m in lines if m is not None}
    assert len(logged) == len(lines) == 3, lines  # each cookie once, no other line
    fates = {name: chromium_fate(text) for name, text in logged.items()}
    not_back = {name for name, (outcome, _) in fates.items() if outcome not in KEPT}
    assert {"sid", "pref", "theme"} - came_back == not_back, (stack, route, logged)
    assert came_back == {"sid", "pref", "theme"} - not_back
    for name in not_back:
        key = "pref-http" if name == "pref" and route == "Public Suffix List" else name
        assert fates[name][1] == REASONS[key], (stack, route, logged[name])
    assert "Fix: " in logged["sid"]


KEPT = ("sent", "partitioned")


def chromium_fate(text: str) -> tuple[str, str]:
    """Chromium's (outcome, reason) in a cookie line: ``set on a cross-site response:
    Chromium 156: not sent (reason); Firefox 153 and ...: ... . Fix: ...``."""
    engines = text.split(". Fix: ", 1)[0].split(" response: ", 1)[1]
    for part in engines.split("); "):
        labels, fate = part.split(": ", 1)
        if "Chromium 156" in labels:
            outcome, reason = fate.split(" (", 1)
            return outcome, reason.removesuffix(")")
    raise AssertionError(f"no Chromium fate in {text!r}")
