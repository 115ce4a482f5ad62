"""The demo page in each browser engine against each example API, from allowed and refused origins.

Every test runs once per engine (``engine`` fixture: Chromium, Firefox ESR, WebKitGTK)
and per server (``api`` fixture): FastAPI on uvicorn, Flask on werkzeug, Django on
werkzeug (WSGI) and on uvicorn (ASGI). The page is served from http://localhost:FPORT
and the API from http://localhost:APORT: another origin, the same site.
http://127.0.0.1:FPORT is a third origin, not allowed. The page is driven by scripts
(``evaluate_async`` of tests/engines), the same in every engine.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from corecors.browser import BrowserRequest
from corecors.browser._exchange import run
from tests.engines import Engine
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
# What fetch() rejects with when CORS blocks the answer, and what the console says.
CORS_ERRORS = {
    "chromium": "TypeError: Failed to fetch",
    "firefox": "TypeError: NetworkError when attempting to fetch resource.",
    "webkit": "TypeError: Load failed",
}
CONSOLE = {"chromium": "blocked by CORS policy", "firefox": "Cross-Origin Request Blocked"}
# Fill a form (or not), click a button, wait for the page to show one more result and
# return it: (class, data-status, text).
CLICK = """
async ([button, form, values]) => {
  const shown = () => document.querySelectorAll("#results li[data-status]");
  const before = shown().length;
  for (const [name, value] of Object.entries(values)) {
    document.querySelector(`#${form} [name=${name}]`).value = value;
  }
  document.querySelector(button).click();
  const deadline = Date.now() + %d;
  while (shown().length <= before) {
    if (Date.now() > deadline) throw new Error(`no new result after clicking ${button}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const last = shown()[shown().length - 1];
  return [last.className, last.dataset.status, last.innerText];
}
""".replace("%d", str(TIMEOUT_MS))


def cors_error(page: Engine) -> dict[str, str]:
    """What ``fetch()`` returns here when CORS blocks it, in this engine."""
    return {"error": CORS_ERRORS[page.name]}


def text_of(page: Engine, selector: str) -> str:
    text: str = page.evaluate_async("(s) => document.querySelector(s).innerText", selector)
    return text


def fetch(
    page: Engine,
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
    result: dict[str, Any] = page.evaluate_async(FETCH, [api.origin + path, init])
    browser_agrees(page, api.origin + path, init, result)
    return result


def browser_agrees(page: Engine, url: str, init: dict[str, Any], result: dict[str, Any]) -> None:
    """corecors.browser's verdict on the same exchange, under the engine's profile, agrees
    with what the engine did.

    The exchange is replayed with ``corecors check``'s engine: the preflight, and the
    actual request only when it is GET or HEAD (never a second POST, PUT or DELETE).
    """
    request = BrowserRequest(
        page.evaluate_async("() => location.origin"),
        url,
        init["method"],
        init["headers"],
        init["credentials"] == "include",
    )
    verdict = run(request, browser=page.name).verdict
    if verdict.checked:  # something a browser checks was sent
        assert verdict.allowed == ("status" in result), (result, verdict.explanation)


def submit(page: Engine, form: str, **values: object) -> tuple[str, str, str]:
    """Fill a form of the page, submit it, and return the new result's (class, status, text)."""
    button = f"#{form} button[type=submit]"
    result = page.evaluate_async(CLICK, [button, form, {k: str(v) for k, v in values.items()}])
    return (result[0], result[1], result[2])


def click(page: Engine, button: str) -> tuple[str, str, str]:
    result = page.evaluate_async(CLICK, [button, "", {}])
    return (result[0], result[1], result[2])


def test_crud_round_trip_through_the_page(
    page: Engine, api: ApiServer, new_id: Callable[[], int], tmp_path: Path
) -> None:
    item = new_id()
    assert text_of(page, "#api-origin") == api.origin
    assert text_of(page, "#relation") == "cross-origin"

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
        readme = UPDATE_SCREENSHOT and page.name == "chromium"  # the README shows Chromium's
        shot = SCREENSHOT if readme else tmp_path / "demo.png"
        shot.write_bytes(page.screenshot())
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
    page: Engine, api: ApiServer, new_id: Callable[[], int]
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
    # The browser stored the API's HttpOnly cookie (Set-Cookie on a credentialed CORS answer;
    # cookies are not kept per port, so the page's host, localhost, shows it).
    cookies = page.cookies()
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


def test_custom_and_authorization_headers_pass_when_allowed(page: Engine, api: ApiServer) -> None:
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
    assert refused == cors_error(page)
    # The browser only says "Failed to fetch"; the API's log says why.
    api.wait_for_log(r"CORS preflight refused: header 'x-not-allowed' is not allowed")


def test_exposed_header_is_readable_and_unexposed_is_not(
    page: Engine, api: ApiServer, new_id: Callable[[], int]
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


def test_a_raising_route_answers_a_500_the_page_can_read(page: Engine, api: ApiServer) -> None:
    result = fetch(page, api, "/boom")
    assert result.get("status") == 500, result


def test_method_not_allowed_is_refused_and_explained(page: Engine, api: ApiServer) -> None:
    result = fetch(page, api, "/items/1", "PATCH", '{"name": "x"}')
    assert result == cors_error(page)
    api.wait_for_log(r"CORS preflight refused: method 'PATCH' is not allowed")


def test_an_origin_that_is_not_allowed_gets_the_browsers_cors_error(
    pages: Pages, api: ApiServer, frontend_port: int, new_id: Callable[[], int]
) -> None:
    page = pages.open("127.0.0.1")  # same page, same server, another origin
    assert text_of(page, "#relation") == "cross-origin"
    item = new_id()

    # The page's own forms: the browser blocks the answer and the page says so.
    kind, status, text = submit(page, "create-form", id=item, name="Blocked")
    assert (kind, status) == ("blocked", "blocked")
    assert CORS_ERRORS[page.name].removeprefix("TypeError: ") in text

    blocked = cors_error(page)
    assert fetch(page, api, f"/items/{item}") == blocked
    put = fetch(page, api, f"/items/{item}", "PUT", '{"name": "x"}')
    assert put == blocked
    assert fetch(page, api, "/me", credentials="include") == blocked
    if page.name in CONSOLE:  # WebKit's driver passes no console message on
        page.wait_for_console(CONSOLE[page.name])
    else:
        assert page.console() is None

    # The terminal explains: the refused origin, with the fix.
    refused = f"'http://127.0.0.1:{frontend_port}' is not allowed"
    api.wait_for_log(rf"CORS preflight refused: origin {re.escape(refused)}")
    api.wait_for_log(rf"CORS request refused: origin {re.escape(refused)}")


def test_a_subdomain_pattern_admits_subdomains_only(pages: Pages, api: ApiServer) -> None:
    # The API allows http://*.front.localhost:FPORT (names under localhost are loopback).
    subdomain = pages.open("app.front.localhost")
    read = fetch(subdomain, api, "/items/424242")
    assert read.get("status") == 404, read
    put = fetch(subdomain, api, "/items/424242", "PUT", '{"name": "x"}')
    assert put.get("status") == 404, put

    base = pages.open("front.localhost")
    assert fetch(base, api, "/items/424242") == cors_error(base)
    assert fetch(base, api, "/items/424242", "PUT", '{"name": "x"}') == cors_error(base)
