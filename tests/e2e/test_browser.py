"""The demo page in headless Chromium against each example API, from allowed and refused origins.

Every test runs once per server (``api`` fixture): FastAPI on uvicorn, Flask on
werkzeug, Django on werkzeug (WSGI) and on uvicorn (ASGI). The page is served
from http://localhost:FPORT and the API from http://localhost:APORT: another
origin, the same site. http://127.0.0.1:FPORT is a third origin, not allowed.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Page

from corecors.browser import BrowserRequest
from corecors.browser._exchange import run
from corecors.browser._safelist import serialize_origin
from tests.servers import ROOT

from .conftest import Pages
from .servers import ApiServer

# The README's screenshot. Written only on request (CORECORS_UPDATE_SCREENSHOT=1), so
# that a test run leaves the work tree clean; otherwise the shot goes to a temp file
# and is still checked to be a picture.
SCREENSHOT = ROOT / "docs" / "demo.png"
UPDATE_SCREENSHOT = os.environ.get("CORECORS_UPDATE_SCREENSHOT") == "1"
TIMEOUT_MS = 10_000

# fetch() from the page, reporting what JavaScript can see: the status, the body and
# the response headers the browser exposes, or the error when CORS blocks it.
FETCH = """
async ([url, init]) => {
  try {
    const response = await fetch(url, init);
    return {
      status: response.status,
      body: await response.text(),
      headers: Object.fromEntries(response.headers.entries()),
    };
  } catch (error) {
    return {error: `${error.name}: ${error.message}`};
  }
}
"""
CORS_ERROR = "TypeError: Failed to fetch"


def fetch(
    page: Page,
    api: ApiServer,
    path: str,
    method: str = "GET",
    body: str | None = None,
    headers: dict[str, str] | None = None,
    credentials: str = "same-origin",
) -> dict[str, Any]:
    init: dict[str, Any] = {"method": method, "headers": dict(headers or {})}
    init["credentials"] = credentials
    if body is not None:
        init["headers"]["Content-Type"] = "application/json"
        init["body"] = body
    result: dict[str, Any] = page.evaluate(FETCH, [api.origin + path, init])
    browser_agrees(page, api.origin + path, init, result)
    return result


def browser_agrees(page: Page, url: str, init: dict[str, Any], result: dict[str, Any]) -> None:
    """corecors.browser's verdict on the same exchange agrees with what Chromium did.

    The exchange is replayed with ``corecors check``'s engine: the preflight, and the
    actual request only when it is GET or HEAD (never a second POST, PUT or DELETE).
    """
    request = BrowserRequest(
        serialize_origin(page.url),
        url,
        init["method"],
        init["headers"],
        init["credentials"] == "include",
    )
    verdict = run(request).verdict
    if verdict.checked:  # something a browser checks was sent
        assert verdict.allowed == ("status" in result), (result, verdict.explanation)


def submit(page: Page, form: str, **values: object) -> tuple[str, str, str]:
    """Fill a form of the page, submit it, and return the new result's (class, status, text)."""
    for name, value in values.items():
        page.fill(f"#{form} [name={name}]", str(value))
    shown = page.locator("#results li[data-status]")
    before = shown.count()
    page.click(f"#{form} button[type=submit]")
    return _next_result(page, before)


def click(page: Page, button: str) -> tuple[str, str, str]:
    before = page.locator("#results li[data-status]").count()
    page.click(button)
    return _next_result(page, before)


def _next_result(page: Page, before: int) -> tuple[str, str, str]:
    page.wait_for_function(
        "n => document.querySelectorAll('#results li[data-status]').length > n",
        arg=before,
        timeout=TIMEOUT_MS,
    )
    last = page.locator("#results li[data-status]").last
    return (
        last.get_attribute("class") or "",
        last.get_attribute("data-status") or "",
        last.inner_text(),
    )


def test_crud_round_trip_through_the_page(
    page: Page, api: ApiServer, new_id: Callable[[], int], tmp_path: Path
) -> None:
    item = new_id()
    assert page.locator("#api-origin").inner_text() == api.origin
    assert page.locator("#relation").inner_text() == "cross-origin"

    kind, status, text = submit(
        page, "create-form", id=item, name="Notebook", description="A5, dotted"
    )
    assert (kind, status) == ("ok", "201")
    assert '"name": "Notebook"' in text
    # X-Item-Count is exposed, so the page could read it and show it.
    assert re.search(r"items on the server: \d+", text)

    kind, status, text = submit(page, "read-form", id=item)
    assert (kind, status) == ("ok", "200")
    assert '"description": "A5, dotted"' in text

    # A JSON PUT: preflighted, then sent.
    kind, status, text = submit(
        page, "update-form", id=item, name="Notebook", description="A4, squared"
    )
    assert (kind, status) == ("ok", "200")
    kind, status, text = submit(page, "read-form", id=item)
    assert '"description": "A4, squared"' in text

    kind, status, text = submit(page, "delete-form", id=item)
    assert (kind, status) == ("ok", "200")
    assert f'"deleted": {item}' in text
    if api.framework == "fastapi":
        shot = SCREENSHOT if UPDATE_SCREENSHOT else tmp_path / "demo.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")

    # The API's refusals are readable too: CORS headers are on 4xx answers as well.
    kind, status, text = submit(page, "read-form", id=item)
    assert (kind, status) == ("refused", "404")
    assert f"item {item} not found" in text
    submit(page, "create-form", id=item, name="Pen", description="")
    kind, status, text = submit(page, "create-form", id=item, name="Pen", description="")
    assert (kind, status) == ("refused", "400")
    assert f"item {item} already exists" in text


def test_json_put_is_preflighted_and_succeeds(
    page: Page, api: ApiServer, new_id: Callable[[], int]
) -> None:
    item = new_id()
    created = fetch(page, api, "/items/", "POST", f'{{"id": {item}, "name": "Cup"}}')
    assert created["status"] == 201
    updated = fetch(page, api, f"/items/{item}", "PUT", '{"name": "Mug", "description": "big"}')
    assert updated["status"] == 200
    assert json.loads(updated["body"]) == {"id": item, "name": "Mug", "description": "big"}
    # Content-Type: application/json is not safelisted: the browser asked first.
    api.wait_for_log(rf'"OPTIONS /items/{item} HTTP/1\.1" 200')
    api.wait_for_log(rf'"PUT /items/{item} HTTP/1\.1" 200')


def test_credentialed_fetch_sends_and_receives_the_cookie(pages: Pages, api: ApiServer) -> None:
    page = pages.open()
    kind, status, text = submit(page, "login-form", username="ada")
    assert (kind, status) == ("ok", "200")
    # The browser stored the API's HttpOnly cookie (Set-Cookie on a credentialed CORS answer).
    cookies = page.context.cookies(api.origin)
    # Django also sets csrftoken: the page asked GET /csrf for the token (the demo's CSRF).
    expected = ["csrftoken", "demo_session"] if api.framework == "django" else ["demo_session"]
    assert sorted(c["name"] for c in cookies) == expected

    kind, status, text = click(page, "#whoami")
    assert (kind, status) == ("ok", "200")
    assert '"user": "ada"' in text
    assert '"via": "cookie"' in text

    # Without credentials: no cookie sent, and the API says so (a readable 401).
    anonymous = fetch(page, api, "/me", credentials="omit")
    assert anonymous["status"] == 401


def test_custom_and_authorization_headers_pass_when_allowed(page: Page, api: ApiServer) -> None:
    headers, credentials = {}, "omit"
    if api.framework == "django":  # the demo's login passes Django's CSRF check: the token
        csrf = fetch(page, api, "/csrf", credentials="include")
        headers, credentials = {"X-CSRFToken": json.loads(csrf["body"])["csrfToken"]}, "include"
    login = fetch(
        page, api, "/login", "POST", '{"username": "grace"}', headers, credentials=credentials
    )
    assert login["status"] == 200
    token = json.loads(login["body"])["token"]

    me = fetch(
        page,
        api,
        "/me",
        headers={"Authorization": f"Bearer {token}", "X-Client": "e2e"},
        credentials="omit",
    )
    assert me.get("status") == 200, me
    assert json.loads(me["body"]) == {"user": "grace", "via": "authorization"}

    refused = fetch(page, api, "/me", headers={"X-Not-Allowed": "1"})
    assert refused == {"error": CORS_ERROR}
    # The browser only says "Failed to fetch"; the API's log says why.
    api.wait_for_log(r"CORS preflight refused: header 'x-not-allowed' is not allowed")


def test_exposed_header_is_readable_and_unexposed_is_not(
    page: Page, api: ApiServer, new_id: Callable[[], int]
) -> None:
    item = new_id()
    fetch(page, api, "/items/", "POST", f'{{"id": {item}, "name": "Lamp"}}')
    read = fetch(page, api, f"/items/{item}")
    assert read["status"] == 200
    assert read["headers"]["x-item-count"].isdigit()
    assert "x-backend" not in read["headers"]
    # The API did send X-Backend: the browser hid it because it is not exposed.
    direct = httpx.get(api.origin + f"/items/{item}")
    assert direct.headers["X-Backend"] == api.framework


def test_a_raising_route_answers_a_500_the_page_can_read(page: Page, api: ApiServer) -> None:
    result = fetch(page, api, "/boom")
    assert result.get("status") == 500, result


def test_method_not_allowed_is_refused_and_explained(page: Page, api: ApiServer) -> None:
    result = fetch(page, api, "/items/1", "PATCH", '{"name": "x"}')
    assert result == {"error": CORS_ERROR}
    api.wait_for_log(r"CORS preflight refused: method 'PATCH' is not allowed")


def test_an_origin_that_is_not_allowed_gets_the_browsers_cors_error(
    pages: Pages, api: ApiServer, frontend_port: int, new_id: Callable[[], int]
) -> None:
    page = pages.open("127.0.0.1")  # same page, same server, another origin
    assert page.locator("#relation").inner_text() == "cross-origin"
    item = new_id()

    # The page's own forms: the browser blocks the answer and the page says so.
    kind, status, text = submit(page, "create-form", id=item, name="Blocked")
    assert (kind, status) == ("blocked", "blocked")
    assert "Failed to fetch" in text

    assert fetch(page, api, f"/items/{item}") == {"error": CORS_ERROR}
    put = fetch(page, api, f"/items/{item}", "PUT", '{"name": "x"}')
    assert put == {"error": CORS_ERROR}
    assert fetch(page, api, "/me", credentials="include") == {"error": CORS_ERROR}
    assert any("blocked by CORS policy" in line for line in pages.console), pages.console

    # The terminal explains: the refused origin, with the fix.
    refused = f"'http://127.0.0.1:{frontend_port}' is not allowed"
    api.wait_for_log(rf"CORS preflight refused: origin {re.escape(refused)}")
    api.wait_for_log(rf"CORS request refused: origin {re.escape(refused)}")


def test_a_subdomain_pattern_admits_subdomains_only(pages: Pages, api: ApiServer) -> None:
    # The API allows http://*.example.test:FPORT (Chromium maps example.test to 127.0.0.1).
    subdomain = pages.open("app.example.test")
    read = fetch(subdomain, api, "/items/424242")
    assert read.get("status") == 404, read
    put = fetch(subdomain, api, "/items/424242", "PUT", '{"name": "x"}')
    assert put.get("status") == 404, put

    base = pages.open("example.test")
    assert fetch(base, api, "/items/424242") == {"error": CORS_ERROR}
    assert fetch(base, api, "/items/424242", "PUT", '{"name": "x"}') == {"error": CORS_ERROR}
