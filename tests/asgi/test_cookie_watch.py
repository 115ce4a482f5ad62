"""DESIGN §7.2 on ASGI: in debug mode (``FastAPI(debug=True)`` or ``debug=True``), a
credentialed cross-origin response's cookies that browsers will not send back are
logged once per name, with the fix in Starlette's words; otherwise nothing is looked at.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from fastapi import FastAPI, Response
from fastapi.testclient import TestClient

from corecors.adapters import _cookie_watch
from corecors.adapters.asgi import CORSMiddleware

PAGE = "https://app.example.org"
API = "https://api.example.com"


def app(app_debug: bool = True, credentials: bool = True, **middleware: Any) -> FastAPI:
    application = FastAPI(debug=app_debug)
    application.add_middleware(
        CORSMiddleware, allow_origins=[PAGE], allow_credentials=credentials, **middleware
    )

    @application.get("/login")
    def login(response: Response) -> dict[str, bool]:
        response.set_cookie("sid", "s")  # Starlette's default: SameSite=lax
        # set_cookie(partitioned=True) needs Python 3.14: the header as written before it
        response.headers.append("set-cookie", "pref=p; Path=/; SameSite=None; Secure; Partitioned")
        return {"ok": True}

    @application.get("/plain")
    def plain() -> dict[str, bool]:
        return {"ok": True}

    return application


def lines(caplog: pytest.LogCaptureFixture) -> list[tuple[int, str]]:
    return [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "corecors"]


def get(application: FastAPI, path: str = "/login", **headers: str) -> None:
    client = TestClient(application, base_url=API)
    sent = {"Origin": PAGE, "Sec-Fetch-Site": "cross-site", **headers}
    assert client.get(path, headers=sent).status_code == 200


def test_fastapi_debug_logs_each_cookie_once(caplog: pytest.LogCaptureFixture) -> None:
    application = app()
    with caplog.at_level(logging.DEBUG, logger="corecors"):
        get(application)
        get(application)
    logged = lines(caplog)
    assert [line.split(":", 1)[0] for _, line in logged] == [
        "CORS cookie 'sid' not sent back",
        "CORS cookie 'pref' not sent back",
    ]
    assert {level for level, _ in logged} == {logging.WARNING}
    session, pref = (line for _, line in logged)
    assert "Chromium 156, Firefox 153 and WebKitGTK 2.50: not sent (SameSite=Lax" in session
    fix = "set_cookie(..., samesite='none', secure=True, partitioned=True) (partitioned=True needs"
    assert fix in session
    assert "Chromium 156: partitioned (Partitioned: kept per top-level site)" in pref
    assert "WebKitGTK 2.50: blocked (third-party cookies are blocked)" in pref


def test_the_session_middleware_is_named_for_its_cookie(
    caplog: pytest.LogCaptureFixture,
) -> None:
    application = FastAPI(debug=True)
    application.add_middleware(CORSMiddleware, allow_origins=[PAGE], allow_credentials=True)

    @application.get("/login")
    def login(response: Response) -> None:
        response.set_cookie("session", "s")  # as Starlette's SessionMiddleware names it

    with caplog.at_level(logging.DEBUG, logger="corecors"):
        get(application)
    ((_, session),) = lines(caplog)
    assert "SessionMiddleware(..., same_site='none', https_only=True, partitioned=True)" in session


@pytest.mark.parametrize(
    ("app_debug", "credentials", "middleware", "path", "headers"),
    [
        (False, True, {}, "/login", {}),  # FastAPI not in debug mode
        (True, True, {"debug": False}, "/login", {}),  # debug=False wins over the app's
        (True, False, {}, "/login", {}),  # no credentials: cookies are not CORS's concern
        (True, True, {}, "/login", {"Origin": "https://evil.example.net"}),  # refused
        (True, True, {}, "/login", {"Sec-Fetch-Site": "same-site"}),  # every cookie comes back
        (True, True, {}, "/plain", {}),  # no cookie set
    ],
)
def test_nothing_is_logged_otherwise(
    caplog: pytest.LogCaptureFixture,
    app_debug: bool,
    credentials: bool,
    middleware: dict[str, Any],
    path: str,
    headers: dict[str, str],
) -> None:
    with caplog.at_level(logging.DEBUG, logger="corecors"):
        get(app(app_debug, credentials, **middleware), path, **headers)
    assert [line for _, line in lines(caplog) if "cookie" in line] == []


def test_the_debug_keyword_turns_it_on_for_any_asgi_app(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="corecors"):
        get(app(app_debug=False, debug=True))
    assert len([line for _, line in lines(caplog) if "cookie" in line]) == 2


def test_the_names_remembered_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    watch = _cookie_watch.CookieWatch(_cookie_watch.RefusalLog())
    monkeypatch.setattr(_cookie_watch.CookieWatch, "LIMIT", 3)
    for index in range(7):
        watch.check([f"c{index}=1"], PAGE, "https", "api.example.com", "cross-site")
        assert len(watch.logged) <= 3
    assert watch.logged == {"c6"}


def test_a_response_start_without_an_origin_header_is_skipped() -> None:
    watch = _cookie_watch.CookieWatch(_cookie_watch.RefusalLog())
    scope = {"headers": [(b"host", b"api.example.com")], "scheme": "https"}
    watch.check_asgi(scope, {"headers": [(b"set-cookie", b"a=1")]})
    assert watch.logged == set()


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("api.example.com:8443", "api.example.com"),
        ("API.example.com", "api.example.com"),
        ("[::1]:8000", "[::1]"),
        ("[::1]", "[::1]"),
        ("localhost", "localhost"),
    ],
)
def test_host_without_port(host: str, expected: str) -> None:
    assert _cookie_watch.host_without_port(host) == expected


def test_a_cgi_response_without_cookies_is_skipped() -> None:
    watch = _cookie_watch.CookieWatch(_cookie_watch.RefusalLog())
    meta = {"HTTP_ORIGIN": PAGE, "HTTP_HOST": "api.example.com"}
    watch.check_cgi(meta, "https", [("Content-Type", "text/plain")])
    watch.check_cgi({"HTTP_ORIGIN": PAGE, "SERVER_NAME": "api.example.com"}, "https", [])
    assert watch.logged == set()


def test_outside_debug_mode_the_watch_is_dropped_after_the_first_response() -> None:
    """With debug=None the app's debug mode is read once, on the first credentialed
    response; outside it nothing is looked at again (no cost per request)."""
    application = app(app_debug=False)
    client = TestClient(application, base_url=API)
    client.get("/plain")  # no Origin: the watch is not consulted
    middleware = application.middleware_stack
    while not isinstance(middleware, CORSMiddleware):
        middleware = middleware.app  # type: ignore[union-attr]
    assert middleware.cookies is not None
    get(application)
    assert middleware.cookies is None
