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


def test_a_write_refused_403_is_named_as_write_protection() -> None:
    # corecors' protect_writes (and Django's CSRF check) answer an untrusted origin's
    # write 403 before any CORS header: not an error page outside the CORS layer.
    write = BrowserRequest(PAGE, API, "POST", headers=(("Content-Type", "text/plain"),))
    refused = ServerResponse(403, (("Content-Type", "text/plain"),))
    verdict = check(write, None, refused)
    assert verdict.error == "MissingAllowOriginHeader"
    assert "(status 403: the server refused the write)" in verdict.detail
    assert f"if {PAGE} is your front end, allow it on the server" in verdict.fix
    assert "outside the server's CORS layer" not in verdict.fix
    # A 403 to a GET is no write refusal: an error page, as before.
    read = check(BrowserRequest(PAGE, API, "GET"), None, refused)
    assert "outside the server's CORS layer" in read.fix
