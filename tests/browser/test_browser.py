"""corecors.browser and its _safelist: the browser's rules, case by case (Fetch)."""

from __future__ import annotations

import pytest

from corecors.browser import BrowserRequest, ServerResponse, Verdict, check, check_actual
from corecors.browser._safelist import (
    cors_unsafe_request_header_names,
    is_forbidden_request_header,
    is_safelisted_request_header,
    is_url,
    parse_list,
    readable_header_names,
    serialize_origin,
)

PAGE = "https://app.example.com"
API = "https://api.example.com/items/1"


def request(method: str = "GET", headers: object = (), credentials: bool = False) -> BrowserRequest:
    return BrowserRequest(PAGE, API, method, headers, credentials)  # type: ignore[arg-type]


def ok(*lines: tuple[str, str], status: int = 204) -> ServerResponse:
    return ServerResponse(status, (("Access-Control-Allow-Origin", PAGE), *lines))


# --- request side: what needs a preflight -------------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "safelisted"),
    [
        ("Accept", "application/json, */*;q=0.8", True),
        ("accept", 'text/"html"', False),  # a CORS-unsafe request-header byte
        ("Accept-Language", "en-GB, fr;q=0.5", True),
        ("Content-Language", "de_DE", False),  # "_" is not allowed
        ("Content-Type", "text/plain; charset=utf-8", True),
        ("Content-Type", "multipart/form-data; boundary=x", True),
        ("Content-Type", "application/x-www-form-urlencoded", True),
        ("Content-Type", "application/json", False),
        ("Content-Type", "text/plain{", False),  # unsafe byte
        ("Content-Type", "textplain", False),  # not a MIME type
        ("Content-Type", "text/plain; x=" + "a" * 120, False),  # over 128 bytes
        ("Range", "bytes=0-99", True),
        ("Range", "bytes=5-", True),
        ("Range", "bytes=-5", False),  # a suffix range is not safelisted
        ("Range", "bytes=9-2", False),
        ("Range", "items=0-1", False),
        ("X-Custom", "1", False),
    ],
)
def test_safelisted_request_headers(name: str, value: str, safelisted: bool) -> None:
    assert is_safelisted_request_header(name, value) is safelisted


@pytest.mark.parametrize(
    ("name", "value", "forbidden"),
    [
        ("Cookie", "a=1", True),
        ("Sec-Fetch-Mode", "cors", True),
        ("Proxy-Authorization", "x", True),
        ("X-HTTP-Method-Override", "GET, TRACE", True),
        ("X-HTTP-Method-Override", "PUT", False),
        ("Authorization", "Bearer t", False),
    ],
)
def test_forbidden_request_headers(name: str, value: str, forbidden: bool) -> None:
    assert is_forbidden_request_header(name, value) is forbidden


def test_unsafe_names_are_sorted_lower_case_unique_and_skip_forbidden_headers() -> None:
    names = cors_unsafe_request_header_names(
        [("X-B", "1"), ("x-a", "1"), ("X-A", "2"), ("Cookie", "c"), ("Accept", "*/*")]
    )
    assert names == ("x-a", "x-b")


def test_safelisted_values_over_1024_bytes_together_become_unsafe() -> None:
    many = [("Accept", "a" * 100)] * 11  # each value under 128 bytes, 1,100 together
    assert cors_unsafe_request_header_names(many) == ("accept",)
    assert cors_unsafe_request_header_names(many[:10]) == ()


@pytest.mark.parametrize(
    ("method", "headers", "preflight"),
    [
        ("GET", {}, False),
        ("head", {}, False),
        ("POST", {"Content-Type": "text/plain"}, False),
        ("POST", {"Content-Type": "application/json"}, True),
        ("PUT", {}, True),
        ("GET", {"Authorization": "Bearer t"}, True),
        ("GET", {"Range": "bytes=0-1"}, False),
        ("GET", {"Cookie": "a=1"}, False),  # forbidden: never sent by the script
    ],
)
def test_needs_preflight(method: str, headers: dict[str, str], preflight: bool) -> None:
    assert request(method, headers).needs_preflight is preflight


def test_same_origin_requests_need_no_cors() -> None:
    same = BrowserRequest(PAGE, PAGE + "/x", "PUT", {"X-Custom": "1"})
    assert not same.cross_origin
    assert not same.needs_preflight
    assert same.actual_headers() == (("X-Custom", "1"),)
    verdict = check(same, None, ServerResponse(200, [("X-Any", "1"), ("Set-Cookie", "a=1")]))
    assert verdict.allowed
    assert verdict.readable_headers == ("x-any",)


def test_methods_are_normalised_as_fetch_does_and_forbidden_ones_rejected() -> None:
    assert request("put").method == "PUT"
    assert request("patch").method == "patch"  # case-sensitive: not one of the six
    for bad in ("TRACE", "connect", "GET POST", ""):
        with pytest.raises(ValueError, match="fetch"):
            request(bad)


def test_preflight_headers_are_what_a_browser_sends() -> None:
    put = request("PUT", {"X-Token": "t", "Content-Type": "application/json", "Cookie": "c"})
    assert put.preflight_headers() == (
        ("Accept", "*/*"),
        ("Origin", PAGE),
        ("Access-Control-Request-Method", "PUT"),
        ("Access-Control-Request-Headers", "content-type,x-token"),
    )
    assert dict(request("DELETE").preflight_headers()).keys() == {
        "Accept",
        "Origin",
        "Access-Control-Request-Method",
    }
    # The actual request carries the script's headers and the page's Origin, never a forged one.
    spoofed = request("GET", [("Origin", "https://evil.example"), ("X-A", "1")])
    assert spoofed.actual_headers() == (("X-A", "1"), ("Origin", PAGE))


# --- the CORS check (Fetch §4.9) and the preflight (§4.8) ---------------------------

ACAO = "Access-Control-Allow-Origin"
ACAC = ("Access-Control-Allow-Credentials", "true")


@pytest.mark.parametrize(
    ("lines", "credentials", "error"),
    [
        ([(ACAO, PAGE)], False, None),
        ([(ACAO, "*")], False, None),
        ([(ACAO, PAGE), ACAC], True, None),
        ([], False, "MissingAllowOriginHeader"),
        ([(ACAO, "*"), ACAC], True, "WildcardOriginNotAllowed"),
        ([(ACAO, PAGE), (ACAO, PAGE)], False, "MultipleAllowOriginValues"),
        ([(ACAO, "https://app.example.com https://b.example")], False, "MultipleAllowOriginValues"),
        ([(ACAO, "app.example.com")], False, "InvalidAllowOriginValue"),
        ([(ACAO, "https://")], False, "InvalidAllowOriginValue"),
        ([(ACAO, PAGE + "/")], False, "AllowOriginMismatch"),
        ([(ACAO, "HTTPS://APP.EXAMPLE.COM")], False, "AllowOriginMismatch"),
        ([(ACAO, "null")], False, "AllowOriginMismatch"),  # as Chromium names it
        ([(ACAO, PAGE)], True, "InvalidAllowCredentials"),
        (
            [(ACAO, PAGE), ("Access-Control-Allow-Credentials", "True")],
            True,
            "InvalidAllowCredentials",
        ),
        ([(ACAO, PAGE), ACAC, ACAC], True, "InvalidAllowCredentials"),  # "true, true"
    ],
)
def test_cors_check_on_the_actual_response(
    lines: list[tuple[str, str]], credentials: bool, error: str | None
) -> None:
    verdict = check(request(credentials=credentials), None, ServerResponse(200, lines))
    assert (verdict.allowed, verdict.error) == (error is None, error), verdict.explanation
    if error:
        assert verdict.step == "actual"
        assert verdict.fix.endswith(".")
        assert verdict.explanation.startswith(f"blocked ({error}) by the actual response")


@pytest.mark.parametrize(
    ("req", "preflight", "error"),
    [
        (request("PUT"), ok(("Access-Control-Allow-Methods", "PUT")), None),
        (request("PUT"), ServerResponse(400, ()), "PreflightMissingAllowOriginHeader"),
        (request("PUT"), ServerResponse(200, ()), "PreflightMissingAllowOriginHeader"),
        (
            request("PUT", credentials=True),
            ServerResponse(204, ((ACAO, "*"), ACAC)),
            "PreflightWildcardOriginNotAllowed",
        ),
        (request("PUT"), ok(status=404), "PreflightInvalidStatus"),
        (request("PUT"), ok(status=301), "PreflightInvalidStatus"),  # no Location: no redirect
        (request("PUT"), ok(("Location", "/x"), status=308), "PreflightDisallowedRedirect"),
        (
            request("PUT"),
            ok(("Access-Control-Allow-Methods", "GET")),
            "MethodDisallowedByPreflightResponse",
        ),
        (
            request("PUT"),
            ok(("Access-Control-Allow-Methods", "put")),
            "MethodDisallowedByPreflightResponse",
        ),
        (request("PATCH"), ok(("Access-Control-Allow-Methods", "*")), None),
        (
            request("PATCH", credentials=True),
            ok(ACAC, ("Access-Control-Allow-Methods", "*")),
            "MethodDisallowedByPreflightResponse",
        ),
        (
            request("PATCH", credentials=True),
            ok(ACAC, ("Access-Control-Allow-Methods", "*, PATCH")),
            None,
        ),
        (request("GET", {"X-A": "1"}), ok(("Access-Control-Allow-Headers", "X-A")), None),
        (
            request("POST", {"X-A": "1"}),
            ok(("Access-Control-Allow-Methods", "PUT"), ("Access-Control-Allow-Headers", "x-a")),
            None,  # POST is safelisted: never checked against Allow-Methods
        ),
        (request("GET", {"X-A": "1"}), ok(), "HeaderDisallowedByPreflightResponse"),
        (request("GET", {"X-A": "1"}), ok(("Access-Control-Allow-Headers", "*")), None),
        (
            request("GET", {"X-A": "1"}, credentials=True),
            ok(ACAC, ("Access-Control-Allow-Headers", "*")),
            "HeaderDisallowedByPreflightResponse",
        ),
        (
            request("GET", {"Authorization": "Bearer t"}),
            ok(("Access-Control-Allow-Headers", "*")),
            "HeaderDisallowedByPreflightResponse",
        ),
        (
            request("GET", {"Authorization": "Bearer t"}),
            ok(("Access-Control-Allow-Headers", "*, Authorization")),
            None,
        ),
        (
            request("PUT"),
            ok(("Access-Control-Allow-Methods", "PUT;GET")),
            "InvalidAllowMethodsPreflightResponse",
        ),
        (
            request("GET", {"X-A": "1"}),
            ok(("Access-Control-Allow-Headers", "x-a x-b")),
            "InvalidAllowHeadersPreflightResponse",
        ),
    ],
)
def test_preflight_checks(
    req: BrowserRequest, preflight: ServerResponse, error: str | None
) -> None:
    verdict = check(req, preflight)
    assert (verdict.allowed, verdict.error) == (error is None, error), verdict.explanation
    assert verdict.checked == ("preflight",)
    if error:
        assert verdict.step == "preflight"
        assert verdict.readable_headers is None


def test_the_explanations_name_the_cause_and_the_fix() -> None:
    star_auth = check(
        request("GET", {"Authorization": "t"}), ok(("Access-Control-Allow-Headers", "*"))
    )
    assert "* never covers Authorization" in star_auth.detail
    assert (
        star_auth.fix
        == "Add authorization to Access-Control-Allow-Headers on the preflight response."
    )
    star_cred = check(
        request("GET", {"X-A": "1"}, credentials=True),
        ok(ACAC, ("Access-Control-Allow-Headers", "*")),
    )
    assert "* is not a wildcard with credentials" in star_cred.detail
    method_cred = check(
        request("PATCH", credentials=True), ok(ACAC, ("Access-Control-Allow-Methods", "*"))
    )
    assert "* is not a wildcard with credentials" in method_cred.detail
    missing = check(request("PUT"), ServerResponse(204, ()))
    assert missing.fix == (
        f"Allow the origin {PAGE} on the server: send Access-Control-Allow-Origin: {PAGE} "
        "on the preflight response."
    )
    not_a_url = check(request("GET"), None, ServerResponse(200, [(ACAO, "app.example.com")]))
    assert not_a_url.fix == f"Send Access-Control-Allow-Origin: {PAGE} on the actual response."
    plain = check(request("GET", {"X-A": "1"}), ok())
    assert plain.detail == "the request header x-a is not in Access-Control-Allow-Headers (None)."
    redirect = check(request("PUT"), ok(("Location", "https://b.example/"), status=302))
    assert "302 to https://b.example/" in redirect.detail


def test_a_refused_preflight_names_what_the_server_may_have_refused() -> None:
    # Refused without any grant: the origin, the method or a header may be the cause.
    refused = check(request("PUT", {"X-A": "1", "X-B": "2"}), ServerResponse(400, ()))
    assert (refused.error, refused.step) == ("PreflightMissingAllowOriginHeader", "preflight")
    assert "status 400: the server refused the preflight" in refused.detail
    assert refused.fix == (
        f"Make the server accept this preflight: allow the origin {PAGE}, the method PUT and "
        "the request headers x-a, x-b (it refused one of them: the response body or the "
        "server's log says which), and answer it with a 2xx status and "
        f"Access-Control-Allow-Origin: {PAGE}."
    )
    # A safelisted method with one header: only what the request carries is named.
    one_header = check(request("GET", {"X-A": "1"}), ServerResponse(403, ()))
    assert f"allow the origin {PAGE} and the request header x-a (it" in one_header.fix
    # Refused with the origin granted: the response's own grants say it was the method
    # (Starlette answers "Disallowed CORS method" this way) or a header.
    method = check(request("PUT"), ok(("Access-Control-Allow-Methods", "GET"), status=400))
    assert method.error == "PreflightInvalidStatus"
    assert method.fix == (
        "The server refused the preflight because PUT is not in its "
        "Access-Control-Allow-Methods ('GET'): allow the method PUT on the server, so that "
        "it answers the preflight with a 2xx status."
    )
    header = check(
        request("GET", {"X-A": "1"}), ok(("Access-Control-Allow-Headers", "x-b"), status=400)
    )
    assert header.fix.startswith(
        "The server refused the preflight because the request header x-a is not in its "
        "Access-Control-Allow-Headers ('x-b'): allow the request header x-a on the server"
    )
    granted = check(request("PUT"), ok(("Access-Control-Allow-Methods", "PUT"), status=404))
    assert granted.fix.startswith("Answer the OPTIONS preflight with a 2xx status")
    # Refused without the origin, and its grants exclude the method.
    both = check(request("PUT"), ServerResponse(400, [("Access-Control-Allow-Methods", "GET")]))
    assert both.error == "PreflightMissingAllowOriginHeader"
    assert both.fix == (
        "The server refused the preflight: PUT is not in its Access-Control-Allow-Methods "
        f"('GET'); allow the origin {PAGE} and the method PUT on it."
    )


def test_an_error_response_without_allow_origin_says_errors_need_it_too() -> None:
    verdict = check(request("GET"), None, ServerResponse(500, ()))
    assert verdict.error == "MissingAllowOriginHeader"
    assert verdict.detail == (
        "the actual response has no Access-Control-Allow-Origin header (status 500)."
    )
    assert verdict.fix.startswith(
        f"Send Access-Control-Allow-Origin: {PAGE} on the actual response, error responses "
        "included: when the successful ones carry it, this error was answered outside"
    )
    redirect = check(request("GET"), None, ServerResponse(304, ()))
    assert redirect.fix.startswith(f"Allow the origin {PAGE} on the server")


def test_check_needs_the_preflight_when_a_browser_sends_one() -> None:
    with pytest.raises(ValueError, match="needs a preflight"):
        check(request("PUT"))
    assert check(request("GET")) == Verdict(True, checked=())


def test_the_actual_response_is_checked_after_the_preflight() -> None:
    put = request("PUT", credentials=True)
    preflight = ok(ACAC, ("Access-Control-Allow-Methods", "PUT"))
    good = check(put, preflight, ServerResponse(200, ((ACAO, PAGE), ACAC)))
    assert good.allowed
    assert good.checked == ("preflight", "actual")
    assert good.explanation == "allowed: the page can read the response"
    bad = check(put, preflight, ServerResponse(200, ((ACAO, PAGE),)))
    assert (bad.error, bad.step) == ("InvalidAllowCredentials", "actual")
    refused = check(put, ServerResponse(403, ()), ServerResponse(200, ((ACAO, PAGE), ACAC)))
    assert refused.checked == ("preflight",)


def test_redirects_of_the_actual_request() -> None:
    moved = ServerResponse(302, ((ACAO, PAGE), ("Location", "https://cdn.example/x")))
    verdict = check_actual(request(), moved)
    assert (verdict.allowed, verdict.error, verdict.redirect) == (
        False,
        None,
        "https://cdn.example/x",
    )
    assert "redirected to https://cdn.example/x" in verdict.explanation
    # The redirect response itself must pass the CORS check first (Fetch HTTP fetch).
    unchecked = check_actual(request(), ServerResponse(301, (("Location", "/y"),)))
    assert unchecked.error == "MissingAllowOriginHeader"
    secret = ServerResponse(307, ((ACAO, PAGE), ("Location", "https://user:pw@cdn.example/")))
    assert check_actual(request(), secret).error == "RedirectContainsCredentials"


@pytest.mark.parametrize(
    ("lines", "credentials", "readable"),
    [
        (
            [("Content-Type", "a"), ("X-Hidden", "1"), ("Set-Cookie", "a=1")],
            False,
            ("content-type",),
        ),
        (
            [
                ("Access-Control-Expose-Headers", "X-Total, set-cookie"),
                ("X-Total", "1"),
                ("Set-Cookie", "a"),
            ],
            False,
            ("x-total",),
        ),
        (
            [
                ("Access-Control-Expose-Headers", "X-A"),
                ("Access-Control-Expose-Headers", "X-B"),
                ("X-A", "1"),
                ("X-B", "2"),
            ],
            False,
            ("x-a", "x-b"),
        ),
        (
            [("Access-Control-Expose-Headers", "*"), ("X-A", "1"), ("Set-Cookie", "a")],
            False,
            ("access-control-expose-headers", "x-a"),
        ),
        (
            [("Access-Control-Expose-Headers", "*"), ("X-A", "1"), ("Expires", "0")],
            True,
            ("expires",),
        ),
        (
            [("Access-Control-Expose-Headers", "x a"), ("X-A", "1"), ("Pragma", "x")],
            False,
            ("pragma",),
        ),
    ],
)
def test_readable_headers(
    lines: list[tuple[str, str]], credentials: bool, readable: tuple[str, ...]
) -> None:
    assert readable_header_names(lines, credentials) == readable
    acac = [ACAC] if credentials else []
    granted = ServerResponse(200, [(ACAO, PAGE), *acac, *lines])
    verdict = check(request(credentials=credentials), None, granted)
    star = "*" in (granted.get("Access-Control-Expose-Headers") or "") and not credentials
    grants = {"access-control-allow-origin"} if star else set()
    assert verdict.readable_headers == tuple(sorted({*readable, *grants}))


def test_header_values_are_trimmed_and_repeated_lines_combined() -> None:
    response = ServerResponse(200, {"Access-Control-Allow-Origin": f"  {PAGE}\t"})
    assert response.get("access-control-allow-origin") == PAGE
    assert ServerResponse(200, [("A", "1"), ("a", "2")]).get("A") == "1, 2"
    assert ServerResponse(200).get("A") is None
    assert ServerResponse(302, [("Location", "/x")]).redirect_location == "/x"
    assert ServerResponse(200, [("Location", "/x")]).redirect_location is None


@pytest.mark.parametrize(
    ("value", "names"),
    [(None, ()), ("a, b ,,c", ("a", "b", "c")), ("a;b", None), ("", ())],
)
def test_parse_list(value: str | None, names: tuple[str, ...] | None) -> None:
    assert parse_list(value) == names


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://API.example.com:443/x?y", "https://api.example.com"),
        ("http://localhost:8000/", "http://localhost:8000"),
        ("http://[::1]:80/", "http://[::1]"),
        ("ftp://example.com/", "null"),
        ("http:///x", "null"),
        ("http://example.com:99999/", "null"),
        ("http://Bücher.example:8080/", "http://xn--bcher-kva.example:8080"),  # as sent
        ("http://\u2603.example/", "http://xn--n3h.example"),
        (f"http://{'ü' * 70}.example/", "null"),  # a label IDNA cannot encode
        ("http://[::1/", "null"),  # does not parse (used to raise ValueError)
    ],
)
def test_serialize_origin(url: str, origin: str) -> None:
    assert serialize_origin(url) == origin


@pytest.mark.parametrize(
    ("value", "valid"),
    [("https://a.example", True), ("foo:bar", True), ("http://", False), ("a.example", False)],
)
def test_is_url(value: str, valid: bool) -> None:
    assert is_url(value) is valid


@pytest.mark.parametrize(
    ("headers", "url", "message"),
    [
        ({"X A": "1"}, API, "the header X A: '1': the name is not a token"),
        ({"X-É": "1"}, API, "the name is not a token"),
        ({"X-A": "\u2603"}, API, "a character beyond U+00FF"),
        ({"X-A": "a\nb"}, API, "contains a NUL, CR or LF"),
        ({"X-A": "a\x00b"}, API, "contains a NUL, CR or LF"),
        ({}, "https://user:pw@api.example.com/", "it has a user name or password"),
        ({}, "https://user@api.example.com/", "it has a user name or password"),
    ],
)
def test_what_fetch_rejects_is_a_value_error(headers: object, url: str, message: str) -> None:
    with pytest.raises(ValueError, match=r"^fetch\(\) rejects") as rejected:
        BrowserRequest(PAGE, url, "GET", headers)  # type: ignore[arg-type]
    assert message in str(rejected.value)
    # Latin-1 values are bytes a script may send (WebIDL ByteString).
    assert BrowserRequest(PAGE, API, "GET", {"X-A": "caf\xe9"}).header_list == (("X-A", "caf\xe9"),)


def test_forbidden_request_headers_are_not_sent() -> None:
    req = request("GET", [("Cookie", "a=1"), ("Sec-Fetch-Mode", "no-cors"), ("X-A", "1")])
    assert req.ignored_header_names == ("Cookie", "Sec-Fetch-Mode")
    assert req.actual_headers() == (("X-A", "1"), ("Origin", PAGE))
    assert ("Cookie", "a=1") not in req.preflight_headers()


def test_a_redirect_to_an_unparsable_location_is_left_to_the_fetch() -> None:
    # Not a CORS failure: the URL does not parse, and the browser fails the fetch itself
    # (net::ERR_INVALID_REDIRECT), which corecors.browser._exchange reports as a network error.
    verdict = check_actual(request(), ok(("Location", "http://[bad/x"), status=302))
    assert (verdict.allowed, verdict.error, verdict.redirect) == (False, None, "http://[bad/x")
