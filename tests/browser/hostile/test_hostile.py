"""``corecors check`` against hostile servers: what a server controls (status lines,
header lines, Location, timing, TLS, bytes) must never leak the user's token, hold the
CLI past its deadline, crash it, mislead its verdict or reach the terminal raw.

Every case runs the CLI in-process (``corecors.cli.main``) with ``--timeout`` and
asserts its exit status and output (0 allowed, 1 blocked, 2 usage or network error);
one case runs the installed command to prove the exit status and that no traceback
escapes. Expected outcomes are what a browser does (Fetch, WHATWG URL, Chromium).
"""

from __future__ import annotations

import json
import shutil
import socket
import ssl
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import trustme

from corecors.cli import main
from tests.browser.hostile.server import PAGE, Drip, HostileServer, Request, Route, answer, raw

ACAO = "Access-Control-Allow-Origin"
GRANT = (ACAO, "{origin}")
OK = answer("200 OK", GRANT, ("Vary", "Origin"), body=b"ok")
PREFLIGHT_OK = answer(
    "204 No Content",
    GRANT,
    ("Access-Control-Allow-Methods", "*"),
    ("Access-Control-Allow-Headers", "authorization"),
)
SECRETS = ("Authorization: Bearer s3cret", "Cookie: c=s3cret", "Proxy-Authorization: s3cret")
Check = Callable[..., tuple[int, str, str]]
Start = Callable[..., HostileServer]


def preflighted(route: Route) -> Route:
    """``route`` for the actual request, a preflight that grants everything for OPTIONS."""

    def either(request: Request, conn: socket.socket) -> None:
        (PREFLIGHT_OK if request.method == "OPTIONS" else route)(request, conn)

    return either


@pytest.fixture
def check(capsys: pytest.CaptureFixture[str]) -> Check:
    """``corecors check ARGS --timeout T`` in-process: (exit status, stdout, stderr)."""

    def corecors(*args: str, timeout: str = "2") -> tuple[int, str, str]:
        try:
            status = main(["check", *args, "--timeout", timeout])
        except SystemExit as exc:  # argparse's usage errors
            status = int(exc.code or 0)
        out, err = capsys.readouterr()
        assert "Traceback" not in err
        return status, out, err

    return corecors


@pytest.fixture
def hostile() -> Iterator[Start]:
    """Start hostile servers; each is stopped when the test ends, also on failure."""
    started: list[HostileServer] = []

    def start(routes: dict[str, Route], tls: ssl.SSLContext | None = None) -> HostileServer:
        started.append(HostileServer(routes, tls))
        return started[-1]

    yield start
    for server in started:
        server.close()


# 1. A redirect to another origin drops Authorization (whatwg/fetch#1544; curl's
#    CVE-2018-1000007); Cookie and Proxy-Authorization a page cannot set at all.


def test_a_cross_origin_redirect_never_carries_the_token(check: Check, hostile: Start) -> None:
    server = hostile({"/collect": OK})
    other = server.url("/collect", host="127.0.0.1")  # another origin: same port, other host
    server.routes["/api"] = preflighted(answer("302 Found", GRANT, ("Location", other)))
    headers = [arg for secret in SECRETS for arg in ("--header", secret)]
    status, out, _ = check(server.url("/api"), "--origin", PAGE, *headers, "--json")
    report = json.loads(out)
    urls = [s["request"]["url"] for s in report["steps"]]
    assert urls == [server.url("/api"), server.url("/api"), other]
    [api] = [r for r in server.requests_to("/api") if r.method == "GET"]
    assert api.header("Authorization") == "Bearer s3cret"  # the page's own request has it
    [collected] = server.requests_to("/collect")
    assert "s3cret" not in repr(collected.headers)  # no Authorization, Cookie, Proxy-Auth
    assert report["steps"][2]["request"]["headers"] == [["Origin", "null"]]  # tainted origin
    assert status == 0  # /collect echoes the Origin it got: null


def test_a_same_origin_redirect_keeps_the_token(check: Check, hostile: Start) -> None:
    server = hostile({"/v2/api": preflighted(OK)})
    server.routes["/api"] = preflighted(
        answer("307 Temporary Redirect", GRANT, ("Location", "/v2/api"))
    )
    status, _, _ = check(server.url("/api"), "--origin", PAGE, "--header", SECRETS[0])
    assert status == 0
    [moved] = [r for r in server.requests_to("/v2/api") if r.method == "GET"]
    assert moved.header("Authorization") == "Bearer s3cret"  # Fetch keeps it on one origin


# 7. --timeout is a deadline for the whole request, not for each read.

HEAD = b"HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: *\r\nContent-Length: 0\r\n\r\n"


@pytest.mark.parametrize(
    "data",
    [HEAD, b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n" * 20],
    ids=["status-and-headers", "endless-early-hints"],
)
def test_a_dripping_server_is_cut_off_at_the_deadline(
    check: Check, hostile: Start, data: bytes
) -> None:
    # One byte every 0.2 s: each read returns well within 0.5 s, so a timeout per read
    # would wait for all of it (over 10 s); the deadline stops after a few bytes.
    drip = Drip(data, 0.2)
    server = hostile({"/slow": drip})
    status, out, err = check(server.url("/slow"), "--origin", PAGE, timeout="0.5")
    assert (status, out) == (2, "")
    assert "no answer from localhost:" in err
    assert "within 0.5 s (timeout, for the whole request)" in err
    assert drip.done.wait(10)
    assert drip.sent < 15 < len(data)  # the CLI hung up long before the end


# 8. Every URL or network problem is a clean exit 2 with a message (never a traceback,
#    never exit 1, which means "blocked").

LONG_LABEL = "a" * 64 + ".example"


@pytest.mark.parametrize(
    ("location", "message"),
    [
        (f"http://{LONG_LABEL}/", f"cannot resolve the host '{LONG_LABEL}': a DNS name has"),
        ("http://a b/", "is not a valid URL (the host 'a b' contains the forbidden character"),
        ("http://a\x00b/", r"the host 'a\x00b' contains the forbidden character '\x00'"),
        ("http://[::1/", "the host '[::1' has an unclosed or misplaced ]"),
        ("http://h:99999/", "the port 99999 is over 65535"),
        ("http://%ff/", "is not valid UTF-8 or IDNA"),
        ("http://1.2.3.256/", "is not a valid IPv4 address"),
    ],
)
def test_a_hostile_location_is_a_clean_network_error(
    check: Check, hostile: Start, location: str, message: str
) -> None:
    server = hostile({"/r": answer("302 Found", GRANT, ("Location", location))})
    status, out, err = check(server.url("/r"), "--origin", PAGE)
    assert (status, out) == (2, "")
    assert message in err


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (f"http://{LONG_LABEL}/", "cannot resolve the host"),
        ("http://a b/", "is not a valid URL: the host 'a b' contains the forbidden character"),
        ("http://a\x00b/", "is not a valid URL: the host"),
        ("http://" + "a." * 127 + "b/", "253 in all"),
        ("http://exa%mple/", "forbidden character '%'"),
        ("http:///", "the URL has no host"),
        ("/relative", "is not an absolute URL"),
    ],
)
def test_a_bad_url_argument_is_a_clean_exit_2(check: Check, url: str, message: str) -> None:
    status, _, err = check(url, "--origin", PAGE)
    assert status == 2
    assert message in err


# 9. 1xx answers other than 101 are not the response (Fetch §4.6); the final one is judged.


def test_early_hints_are_skipped(check: Check, hostile: Start) -> None:
    interim = (
        b"HTTP/1.1 100 Continue\r\n\r\n"
        b"HTTP/1.1 102 Processing\r\n\r\n"
        b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
    )
    final = b"HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: *\r\nContent-Length: 2\r\n\r\nok"
    server = hostile({"/hints": raw(interim + final)})
    status, out, _ = check(server.url("/hints"), "--origin", PAGE, "--json")
    report = json.loads(out)
    assert (status, report["allowed"], report["steps"][0]["response"]["status"]) == (0, True, 200)
    # And a preflight answered 103 first is judged on its final 204.
    hints = b"HTTP/1.1 103 Early Hints\r\n\r\n"
    server.routes["/put"] = raw(
        hints + b"HTTP/1.1 204 No Content\r\nAccess-Control-Allow-Origin: " + PAGE.encode()
        + b"\r\nAccess-Control-Allow-Methods: PUT\r\n\r\n"
    )  # fmt: skip
    status, out, _ = check(server.url("/put"), "--origin", PAGE, "--method", "PUT")
    assert status == 0
    assert "ALLOWED so far: the preflight passes" in out


# 10. Location is resolved as a browser resolves it (WHATWG URL), backslashes and all.


@pytest.mark.parametrize(
    "location",
    ["http:\\\\127.0.0.1:{port}\\target", "\\\\127.0.0.1:{port}/target",
     "http:/\\127.0.0.1:{port}/target", "\t//127.0.0.1:{port}/tar\tget",
     "http://0x7f.1:{port}/target"],
)  # fmt: skip
def test_a_backslash_location_goes_where_the_browser_goes(
    check: Check, hostile: Start, location: str
) -> None:
    # /target grants the page's origin, but after a cross-origin redirect the browser
    # sends Origin: null, so it blocks; resolving the RFC 3986 way stays on localhost
    # (a path of the first origin) and wrongly says ALLOWED.
    server = hostile({"/target": answer("200 OK", (ACAO, PAGE))})
    where = location.format(port=server.port)
    server.routes["/r"] = answer("302 Found", GRANT, ("Location", where))
    status, out, _ = check(server.url("/r"), "--origin", PAGE, "--json")
    report = json.loads(out)
    target = server.url("/target", host="127.0.0.1")
    assert [s["request"]["url"] for s in report["steps"]] == [server.url("/r"), target]
    assert [r.header("Origin") for r in server.requests_to("/target")] == ["null"]
    assert (status, report["error"]) == (1, "AllowOriginMismatch")


# 11. What the server sends reaches the terminal escaped.


def test_escape_sequences_never_reach_the_terminal(check: Check, hostile: Start) -> None:
    fake = "\x1b[2J\x1b[H\x1b[32mALLOWED\x1b[0m"
    server = hostile({
        "/x": answer(
            "403 Forbidden",
            (ACAO, fake),
            b"Content-Type: text/plain\x9b31m",
            b"Vary: Origin\rBLOCKED",
            body="\x1b]0;pwned\x07 \u202eevil\r\nline".encode(),
        )
    })  # fmt: skip
    status, out, err = check(server.url("/x"), "--origin", PAGE)
    assert status == 1
    for text in (out, err):
        assert all(c.isprintable() or c == "\n" for c in text), repr(text)
    assert "< Access-Control-Allow-Origin: \\x1b[2J\\x1b[H\\x1b[32mALLOWED\\x1b[0m" in out
    assert "< Content-Type: text/plain\\x9b31m" in out
    assert "< body: \\x1b]0;pwned\\x07 \\u202eevil\\r\\nline" in out
    assert "BLOCKED: InvalidAllowOriginValue" in out
    # --json was escaped already (JSON strings).
    status, out, _ = check(server.url("/x"), "--origin", PAGE, "--json")
    assert "\x1b" not in out
    assert json.loads(out)["steps"][0]["response"]["headers"][0] == [ACAO, fake]


# What held in 0.2 and must keep holding.


def test_a_redirect_loop_ends_after_20(check: Check, hostile: Start) -> None:
    server = hostile({"/loop": answer("302 Found", GRANT, ("Location", "/loop"))})
    status, out, err = check(server.url("/loop"), "--origin", PAGE)
    assert (status, out) == (2, "")
    assert "more than 20 redirects" in err
    assert len(server.requests_to("/loop")) == 21


@pytest.mark.parametrize(
    "location", ["file:///etc/passwd", "data:text/plain,hi", "javascript:alert(1)", "ftp://h/"]
)
def test_a_redirect_out_of_http_is_a_network_error(
    check: Check, hostile: Start, location: str
) -> None:
    server = hostile({"/r": answer("302 Found", GRANT, ("Location", location))})
    status, out, err = check(server.url("/r"), "--origin", PAGE)
    assert (status, out) == (2, "")
    assert f"the redirect's Location {location!r} is not an http:// or https:// URL" in err


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\n", "LineTooLong"),
        (b"HTTP/1.1 200 OK\r\n" + b"X-Many: 1\r\n" * 150 + b"\r\n", "got more than 100 headers"),
        (b"HTTP/1.1 abc OK\r\n\r\n", "BadStatusLine"),
        (b"HTTP/9.9 200 OK\r\n\r\n", "UnknownProtocol"),
        (b"HTTP/1.1 20 OK\r\n\r\n", "BadStatusLine"),
        (b"\x16\x03\x01\x00\x05hello\r\n\r\n", "BadStatusLine"),
        (b"HTTP/1.1 200 OK\r\n" + b"a" * 70_000, "LineTooLong"),
    ],
    ids=["huge-header-line", "150-headers", "status-not-a-number", "http-9", "status-2-digits",
         "binary", "endless-line"],
)  # fmt: skip
def test_a_response_that_is_not_http_is_a_network_error(
    check: Check, hostile: Start, data: bytes, message: str
) -> None:
    # http.client's limits (100 header lines, 64 KiB a line) are below a browser's
    # (256 KiB of headers in Chromium): such a server gets a clear exit 2, not a verdict.
    server = hostile({"/x": raw(data)})
    status, out, err = check(server.url("/x"), "--origin", PAGE)
    assert (status, out) == (2, "")
    assert "did not answer valid HTTP" in err
    assert message in err


def test_non_utf8_bytes_are_shown_and_followed_as_a_browser_does(
    check: Check, hostile: Start
) -> None:
    server = hostile({
        "/caf%C3%A9/%FF": answer("200 OK", (ACAO, "*")),
        "/x": answer("302 Found", (ACAO, "*"), b"Location: /caf\xc3\xa9/\xff", body=b"\xff\xfe"),
        "/bad": answer("404 Not Found", b"Content-Type: \xff\xfe", body=b"\xc3(\xff no"),
    })  # fmt: skip
    status, out, _ = check(server.url("/x"), "--origin", PAGE, "--json")
    steps = json.loads(out)["steps"]
    assert steps[1]["request"]["url"] == server.url("/caf%C3%A9/%FF")  # UTF-8, then bytes
    assert status == 0
    status, out, _ = check(server.url("/bad"), "--origin", PAGE)
    assert status == 1
    assert "< Content-Type: \xff\xfe" in out  # ISO-8859-1, as received
    assert "< body: \ufffd(\ufffd no" in out


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def _tls(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("localhost", "127.0.0.1").configure_cert(context)
    return context


def test_tls_problems_are_network_errors(
    check: Check, hostile: Start, ca: trustme.CA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = hostile({"/x": OK})
    hints = raw(b"HTTP/1.1 103 Early Hints\r\n\r\n"
                b"HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: *\r\n\r\n")  # fmt: skip
    secure = hostile({"/x": OK, "/hints": hints}, _tls(ca))
    # TLS to a plain-HTTP server.
    status, _, err = check(plain.url("/x").replace("http:", "https:"), "--origin", PAGE)
    assert status == 2
    assert "is the server speaking plain HTTP? then use http://" in err
    # Plain HTTP to a TLS server.
    status, _, err = check(secure.url("/x").replace("https:", "http:"), "--origin", PAGE)
    assert status == 2
    assert f"localhost:{secure.port}" in err  # reset or closed: either way no answer
    # A certificate nobody trusts (self-signed CA): a browser refuses it too.
    status, _, err = check(secure.url("/x"), "--origin", PAGE)
    assert status == 2
    assert "TLS error with localhost:" in err
    assert "CERTIFICATE_VERIFY_FAILED" in err
    # Trusted, the same server answers, 1xx and all, and the host name is verified.
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    status, out, _ = check(secure.url("/hints"), "--origin", PAGE)
    assert (status, "< 200" in out) == (0, True)


def test_the_installed_command_exits_2_without_a_traceback(hostile: Start) -> None:
    server = hostile({"/r": answer("302 Found", GRANT, ("Location", "http://a\x00b/"))})
    script = shutil.which("corecors", path=str(Path(sys.executable).parent))
    assert script is not None
    for url in (server.url("/r"), f"http://{LONG_LABEL}/", "http://a b/"):
        done = subprocess.run(
            [script, "check", url, "--origin", PAGE, "--timeout", "2"],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert (done.returncode, done.stdout) == (2, ""), done.stderr
        assert "Traceback" not in done.stderr
        assert done.stderr.startswith(("corecors check: ", "usage: corecors check"))
