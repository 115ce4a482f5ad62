"""What ``corecors check`` blames when something in front of the CORS layer answered:
an authentication 401 on a preflight, a redirect without CORS headers."""

from __future__ import annotations

from corecors.browser import BrowserRequest, ServerResponse, check

PAGE = "https://app.example.com"
API = "https://api.example.com/items/1"


def test_a_preflight_answered_401_blames_authentication_not_the_origin() -> None:
    request = BrowserRequest(PAGE, API, "PUT", headers=(("Authorization", "Bearer t"),))
    verdict = check(request, ServerResponse(401, (("WWW-Authenticate", "Bearer"),)))
    assert verdict.error == "PreflightMissingAllowOriginHeader"
    assert "status 401: authentication refused the preflight" in verdict.detail
    assert verdict.fix.startswith("A preflight never carries cookies or Authorization")
    assert "answer OPTIONS preflights before authentication" in verdict.fix
    assert "allow the origin" not in verdict.fix


def test_a_redirect_without_cors_headers_blames_what_answered_it() -> None:
    # Django's APPEND_SLASH with CORSMiddleware below CommonMiddleware (W104).
    request = BrowserRequest(PAGE, API, "GET")
    redirect = ServerResponse(301, (("Location", API + "/"),))
    verdict = check(request, None, redirect)
    assert verdict.error == "MissingAllowOriginHeader"
    assert "(status 301, a redirect)" in verdict.detail
    assert "answered outside the server's CORS layer" in verdict.fix
    assert "corecors.W104" in verdict.fix
    assert not verdict.fix.startswith("Allow the origin")
