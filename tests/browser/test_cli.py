"""``corecors check`` against real servers: the fault server, and our example APIs under
each adapter (FastAPI on uvicorn, Flask and Django on werkzeug).

Each run goes through ``corecors.cli.main`` (what the ``corecors`` console script
calls) and reads its output and exit status; one test runs the installed script.
"""

from __future__ import annotations

import contextlib
import json
import re
import runpy
import shutil
import socket
import struct
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from corecors import __version__ as corecors_version
from corecors.browser import BrowserRequest
from corecors.browser._exchange import NetworkError, run
from corecors.cli import main
from tests.browser.fault_server import FaultServer, fault_server
from tests.e2e.servers import ApiServer
from tests.servers import bound_socket, free_port

PAGE = "http://127.0.0.1:3000"
Run = Callable[..., tuple[int, str, str]]


@pytest.fixture(scope="module")
def faults() -> Iterator[FaultServer]:
    with fault_server() as server:
        yield server


@pytest.fixture
def corecors(capsys: pytest.CaptureFixture[str]) -> Run:
    """Run ``corecors ARGS...``: (exit status, stdout, stderr)."""

    def run(*args: str) -> tuple[int, str, str]:
        try:
            status = main(list(args))
        except SystemExit as exc:  # argparse's usage errors
            status = int(exc.code or 0)
        out, err = capsys.readouterr()
        return status, out, err

    return run


def test_allowed_get_prints_each_step_and_the_readable_headers(
    corecors: Run, faults: FaultServer
) -> None:
    status, out, _ = corecors("check", faults.url("ok-exposed-headers"), "--origin", PAGE)
    assert status == 0
    assert f"> GET {faults.url('ok-exposed-headers')}   (actual)" in out
    assert f"> Origin: {PAGE}" in out
    assert f"< Access-Control-Allow-Origin: {PAGE}" in out
    assert "ALLOWED" in out
    assert (
        "Headers the script can read: cache-control, content-length, content-type, x-total" in out
    )


def test_blocked_preflight_names_the_chromium_error_and_the_fix(
    corecors: Run, faults: FaultServer
) -> None:
    url = faults.url("header-star-with-credentials")
    status, out, _ = corecors(
        "check", url, "--origin", PAGE, "--header", "X-Token: t", "--credentials"
    )
    assert status == 1
    assert f"> OPTIONS {url}   (preflight)" in out
    assert "> Access-Control-Request-Headers: x-token" in out
    assert "BLOCKED: HeaderDisallowedByPreflightResponse (preflight response)" in out
    assert "* is not a wildcard with credentials" in out
    assert "Fix: Add x-token to Access-Control-Allow-Headers" in out
    # A blocked preflight: the browser never sends the actual request, nor does corecors.
    assert [r.method for r in faults.requests_to("/case/header-star-with-credentials")] == [
        "OPTIONS"
    ]


def test_json_output(corecors: Run, faults: FaultServer) -> None:
    url = faults.url("two-allow-origins")
    status, out, _ = corecors("check", url, "--origin", PAGE, "--json")
    assert status == 1
    report = json.loads(out)
    assert report["allowed"] is False
    assert report["error"] == "MultipleAllowOriginValues"
    assert report["readable_headers"] is None
    [step] = report["steps"]
    assert step["request"] == {"method": "GET", "url": url, "headers": [["Origin", PAGE]]}
    acao = [v for n, v in step["response"]["headers"] if n == "Access-Control-Allow-Origin"]
    assert acao == [PAGE, PAGE]  # both lines, as received

    status, out, _ = corecors(
        "check", faults.url("ok-put-credentials"), "--origin", PAGE, "--method", "put",
        "--header", "X-Token: t", "--credentials", "--send", "--json",
    )  # fmt: skip
    report = json.loads(out)
    assert status == 0
    assert (report["allowed"], report["error"], report["checked"]) == (
        True, None, ["preflight", "actual"],
    )  # fmt: skip
    assert [s["kind"] for s in report["steps"]] == ["preflight", "actual"]
    assert report["steps"][1]["request"]["method"] == "PUT"
    assert report["readable_headers"] == ["cache-control", "content-length", "content-type"]


def test_an_unsafe_method_is_never_sent_without_send(corecors: Run, faults: FaultServer) -> None:
    url = faults.url("ok-put")
    status, out, _ = corecors("check", url, "--origin", PAGE, "--method", "PUT")
    assert status == 0
    assert "ALLOWED so far: the preflight passes, so the browser sends the PUT." in out
    assert "It was not sent here (pass --send to send it)" in out
    assert [r.method for r in faults.requests_to("/case/ok-put")] == ["OPTIONS"]

    status, out, _ = corecors("check", url, "--origin", PAGE, "--method", "PUT", "--send")
    assert status == 0
    assert [r.method for r in faults.requests_to("/case/ok-put")] == ["OPTIONS", "OPTIONS", "PUT"]
    # A POST that needs no preflight cannot be checked without sending it.
    text_plain = ["--method", "POST", "--header", "Content-Type: text/plain"]
    status, _, err = corecors(
        "check", faults.url("ok-post-text-plain"), "--origin", PAGE, *text_plain
    )
    assert status == 2
    assert "pass --send" in err
    assert faults.requests_to("/case/ok-post-text-plain") == []


def test_a_refused_preflight_shows_the_servers_body(corecors: Run, faults: FaultServer) -> None:
    status, out, _ = corecors(
        "check", faults.url("preflight-refused-400"), "--origin", PAGE, "--method", "DELETE"
    )
    assert status == 1
    assert "< 400" in out
    assert "< (no Access-Control-* header)" in out
    assert "< body: case preflight-refused-400" in out
    assert "status 400: the server refused the preflight" in out


def test_redirects_are_steps_and_a_cross_origin_redirect_taints_the_origin(
    corecors: Run, faults: FaultServer
) -> None:
    # The redirect passes the CORS check; the browser then asks the target with Origin: null
    # (Fetch: a redirect to another origin taints the request's origin).
    target = faults.url("ok-get", host="127.0.0.1")
    redirect = faults.redirect_url(target)
    status, out, _ = corecors("check", redirect, "--origin", PAGE, "--json")
    report = json.loads(out)
    assert [s["request"]["url"] for s in report["steps"]] == [redirect, target]
    assert report["steps"][1]["request"]["headers"] == [["Origin", "null"]]
    assert (status, report["allowed"]) == (0, True)  # the case echoes the Origin it got: null
    # A 303 after a PUT is followed with a GET, on the same origin: Origin kept.
    see_other = faults.redirect_url("/case/ok-get", 303)
    status, out, _ = corecors(
        "check", see_other, "--origin", PAGE, "--method", "PUT", "--send", "--json"
    )
    report = json.loads(out)
    assert [(s["kind"], s["request"]["method"]) for s in report["steps"]] == [
        ("preflight", "OPTIONS"), ("actual", "PUT"), ("actual", "GET"),
    ]  # fmt: skip
    assert report["steps"][2]["request"]["headers"] == [["Origin", PAGE]]
    assert status == 0
    # A POST answered 301 becomes a GET without its body headers.
    moved = faults.redirect_url("/case/ok-get", 301)
    status, out, _ = corecors("check", moved, "--origin", PAGE, "--method", "POST", "--header",
                              "Content-Type: text/plain", "--send", "--json")  # fmt: skip
    assert [s["request"]["headers"] for s in json.loads(out)["steps"]][1] == [["Origin", PAGE]]
    # Redirects are bounded as a browser bounds them: 20 are followed, a 21st fails.
    status, out, _ = corecors("check", f"http://localhost:{faults.port}/hops/20", "--origin",
                              PAGE, "--json")  # fmt: skip
    assert (status, len(json.loads(out)["steps"])) == (0, 21)
    status, _, err = corecors("check", f"http://localhost:{faults.port}/hops/21", "--origin", PAGE)
    assert status == 2
    assert "more than 20 redirects" in err
    assert "net::ERR_TOO_MANY_REDIRECTS" in err


@pytest.mark.parametrize(
    ("location", "message"),
    [
        ("http://[bad/x", "the redirect's Location 'http://[bad/x' is not a valid URL"),
        ("ftp://example.com/", "the redirect's Location 'ftp://example.com/' is not an http://"),
    ],
)
def test_a_redirect_to_a_bad_location_is_a_network_error(
    corecors: Run, faults: FaultServer, location: str, message: str
) -> None:
    # A browser fails the fetch (net::ERR_INVALID_REDIRECT, or a network error for
    # another scheme); corecors check used to crash on the first.
    status, out, err = corecors("check", faults.redirect_url(location), "--origin", PAGE)
    assert (status, out) == (2, "")
    assert message in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--header", "no colon"], "write it as 'Name: value'"),
        (["--origin", "http://localhost:3000/"], "a browser sends 'http://localhost:3000'"),
        (["--origin", "localhost:3000"], "is not an origin"),
        # A browser sends a non-ASCII host in Punycode (this one used to crash).
        (["--origin", "http://\u2603.example"], "a browser sends 'http://xn--n3h.example'"),
        (["--origin", "http://[::1"], "is not an origin such as"),
        (["--method", "TRACE"], "fetch() rejects the method 'TRACE'"),
        (["--timeout", "0"], "'0' is not a number of seconds from 0 to 3600"),
        (["--timeout", "soon"], "'soon' is not a number of seconds"),
        # What fetch() itself rejects with a TypeError: never a traceback.
        (["--header", "X Token: t"], "fetch() rejects the header X Token: 't': the name is not"),
        (["--header", "X-Tökén: t"], "the name is not a token"),
        (["--header", "X-Token: \u2603"], "the value has a character beyond U+00FF"),
        (["--header", "X-Token: a\rb"], "the value contains a NUL, CR or LF"),
    ],
)
def test_usage_errors_exit_2(
    corecors: Run, faults: FaultServer, args: list[str], message: str
) -> None:
    base = ["check", faults.url("ok-get"), "--origin", PAGE]
    if args[0] == "--origin":
        base = base[:2]
    status, _, err = corecors(*base, *args)
    assert status == 2
    assert message in err
    assert "usage: corecors check" in err  # the usage line of the command that failed


def test_version(corecors: Run) -> None:
    status, out, _ = corecors("--version")
    assert (status, out) == (0, f"corecors {corecors_version}\n")


def test_other_usage_errors(corecors: Run, faults: FaultServer) -> None:
    status, _, err = corecors("check", "ftp://example.com/x", "--origin", PAGE)
    assert (status, "is not an http:// or https:// URL" in err) == (2, True)
    same = f"http://localhost:{faults.port}"
    status, _, err = corecors("check", faults.url("ok-get"), "--origin", same)
    assert (status, "CORS does not apply" in err) == (2, True)
    status, _, err = corecors("check", "--origin", PAGE)
    assert status == 2
    status, _, err = corecors("check", f"ws://localhost:{faults.port}/", "--origin", PAGE)
    assert (status, "is not an http:// or https:// URL" in err) == (2, True)
    status, _, err = corecors("check", "http://localhost:99999/", "--origin", PAGE)
    assert (status, "is not a valid URL: the port 99999 is over 65535" in err) == (2, True)
    status, _, err = corecors("check", "http://[::1/", "--origin", PAGE)  # used to crash
    assert (status, "URL 'http://[::1/' is not a valid URL: the host '[::1' has an" in err) == (
        2,
        True,
    )
    # fetch() refuses a URL with credentials in it.
    status, _, err = corecors("check", f"http://u:p@localhost:{faults.port}/", "--origin", PAGE)
    assert (status, "it has a user name or password" in err) == (2, True)
    status, out, _ = corecors("check", faults.url("ok-get"), "--origin", "null")
    assert status == 0  # the case echoes the Origin it got
    assert "> Origin: null" in out
    assert "< Access-Control-Allow-Origin: null" in out


class RawServer:
    """A TCP server on 127.0.0.1 that misbehaves: ``silent`` (never answers), ``garbage``
    (not HTTP) or ``reset`` (hangs up with a TCP reset). One connection, bounded waits."""

    def __init__(self, behaviour: str) -> None:
        self.listener = bound_socket()
        self.port = self.listener.getsockname()[1]
        self.behaviour = behaviour
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        self.listener.settimeout(10)
        try:
            conn, _ = self.listener.accept()
        except OSError:
            return
        with conn:
            if self.behaviour == "stream":  # headers, then a body that never comes (SSE)
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                             b"Access-Control-Allow-Origin: *\r\n\r\n")  # fmt: skip
                conn.settimeout(5)
                with contextlib.suppress(OSError):
                    conn.recv(65536)  # until the client hangs up
            elif self.behaviour == "close":
                conn.recv(65536)
            elif self.behaviour == "garbage":
                conn.recv(65536)
                conn.sendall(b"hello there\r\n\r\n")
            elif self.behaviour == "reset":
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            else:
                conn.settimeout(5)
                try:
                    conn.recv(65536)
                    conn.recv(65536)  # the client times out first
                except OSError:
                    pass

    def close(self) -> None:
        self.listener.close()
        self.thread.join(10)


@pytest.mark.parametrize(
    ("behaviour", "message"),
    [
        ("silent", "within 0.5 s (timeout"),
        ("garbage", "did not answer valid HTTP"),
        ("reset", "cannot talk to 127.0.0.1:"),
        ("close", "closed the connection without answering"),
    ],
)
def test_misbehaving_servers_exit_2(corecors: Run, behaviour: str, message: str) -> None:
    server = RawServer(behaviour)
    try:
        url = f"http://127.0.0.1:{server.port}/x"
        status, out, err = corecors("check", url, "--origin", PAGE, "--timeout", "0.5")
    finally:
        server.close()
    assert (status, out) == (2, "")
    assert message in err


def test_a_stream_is_judged_on_its_headers(corecors: Run) -> None:
    # A server-sent events endpoint never ends its body: the verdict needs only the
    # headers, so the timeout while reading the body is no error.
    server = RawServer("stream")
    try:
        url = f"http://127.0.0.1:{server.port}/events"
        status, out, err = corecors("check", url, "--origin", PAGE, "--timeout", "0.5")
    finally:
        server.close()
    assert (status, err) == (0, "")
    assert "< Access-Control-Allow-Origin: *" in out


def test_unreachable_hosts_exit_2(corecors: Run, faults: FaultServer) -> None:
    port = free_port()
    status, _, err = corecors("check", f"http://127.0.0.1:{port}/", "--origin", PAGE)
    assert status == 2
    assert f"connection refused by 127.0.0.1:{port}: is the server running?" in err
    status, _, err = corecors("check", "http://no-such-host.invalid/", "--origin", PAGE)
    assert status == 2
    assert "cannot resolve the host 'no-such-host.invalid'" in err
    # TLS spoken to a plain-HTTP server.
    status, _, err = corecors("check", f"https://127.0.0.1:{faults.port}/", "--origin", PAGE)
    assert status == 2
    assert f"TLS error with 127.0.0.1:{faults.port}" in err
    assert "is the server speaking plain HTTP? then use http://" in err
    # An IPv6 literal is shown as in a URL; port 0 is shown as 0, not as the default.
    status, _, err = corecors("check", f"http://[::1]:{port}/", "--origin", PAGE)
    assert (status, f"[::1]:{port}: " in err) == (2, True)
    status, _, err = corecors("check", "http://127.0.0.1:0/", "--origin", PAGE)
    assert (status, "127.0.0.1:0: " in err) == (2, True)
    status, _, err = corecors("check", "http://127.0.0.1:99999/", "--origin", PAGE)
    assert status == 2
    # corecors.browser.run on its own refuses what it cannot send.
    with pytest.raises(NetworkError, match=re.escape("'ftp://example.com/' is not an http://")):
        run(BrowserRequest(PAGE, "ftp://example.com/"))
    with pytest.raises(NetworkError, match=re.escape("'http://localhost:99999/' has an invalid")):
        run(BrowserRequest(PAGE, "http://localhost:99999/"))
    # Where a redirect leads matters too.
    for target, message in [
        ("http://localhost:99999/", "'http://localhost:99999/' is not a valid URL (the port"),
    ]:
        status, _, err = corecors("check", faults.redirect_url(target), "--origin", PAGE)
        assert status == 2
        assert message in err


def test_what_a_browser_would_not_send_is_not_sent(corecors: Run, faults: FaultServer) -> None:
    # Forbidden request-headers: a browser drops them silently; corecors says so.
    case = "ok-get-custom-header-method-not-listed"
    status, out, err = corecors(
        "check", faults.url(case), "--origin", PAGE, "--header", "Cookie: a=1",
        "--header", "Host: evil.example", "--header", "X-Custom: 1",
    )  # fmt: skip
    assert "note: a browser does not let a script set Cookie: it is not sent" in err
    assert "note: a browser does not let a script set Host: it is not sent" in err
    assert "> Cookie" not in out
    assert status == 0
    preflight, actual = faults.requests_to(f"/case/{case}")
    assert (preflight.method, actual.method) == ("OPTIONS", "GET")
    for sent in (preflight, actual):
        names = {name.lower(): value for name, value in sent.headers}
        assert "cookie" not in names
        assert names["host"] == f"localhost:{faults.port}"
    assert dict(actual.headers)["X-Custom"] == "1"


def test_a_lower_case_method_is_sent_as_written_with_a_note(
    corecors: Run, faults: FaultServer
) -> None:
    status, out, err = corecors("check", faults.url("method-not-listed"), "--origin", PAGE,
                                "--method", "patch")  # fmt: skip
    assert "> Access-Control-Request-Method: patch" in out
    assert "fetch() sends the method 'patch' as written" in err
    assert "use --method PATCH" in err
    assert status == 1
    _, _, err = corecors("check", faults.url("ok-put"), "--origin", PAGE, "--method", "put")
    assert "note" not in err  # put is one of the six methods fetch() upper-cases


def test_a_url_is_sent_percent_encoded_as_a_browser_sends_it(
    corecors: Run, faults: FaultServer
) -> None:
    url = f"http://localhost:{faults.port}/café menu?q=ü x&r=\"'"
    status, out, _ = corecors("check", url, "--origin", PAGE, "--json")
    encoded = "/caf%C3%A9%20menu?q=%C3%BC%20x&r=%22%27"
    assert (
        json.loads(out)["steps"][0]["request"]["url"] == f"http://localhost:{faults.port}{encoded}"
    )
    assert [r.method for r in faults.requests_to(encoded)] == ["GET"]
    assert status == 1  # the fault server has no such case: a 404 without Allow-Origin


def test_the_verdict_line_gives_the_status_the_page_reads(
    corecors: Run, faults: FaultServer
) -> None:
    status, out, _ = corecors("check", faults.url("ok-get-500-readable"), "--origin", PAGE)
    assert status == 0
    assert "ALLOWED: the browser lets the page read the response (status 500)." in out


def test_an_echoed_origin_without_vary_gets_a_note(corecors: Run, faults: FaultServer) -> None:
    # The case echoes the page's origin and sends no Vary: a cache may serve it to
    # another origin, which the browser then blocks.
    status, out, _ = corecors("check", faults.url("ok-get"), "--origin", PAGE)
    assert status == 0
    url = faults.url("ok-get")  # each response of a redirect chain gets its own note
    assert f"note: the GET response of {url} names the origin in Access-Control-Allow-" in out
    assert out.rstrip().endswith("add Vary: Origin.")
    status, out, _ = corecors("check", faults.url("ok-get"), "--origin", PAGE, "--json")
    [note] = json.loads(out)["notes"]
    assert "without Vary: Origin" in note
    status, out, _ = corecors("check", faults.url("ok-get-star"), "--origin", PAGE, "--json")
    assert json.loads(out)["notes"] == []  # "*" is the same for every origin


def test_the_help_says_what_a_new_user_needs(corecors: Run) -> None:
    status, out, _ = corecors("check", "--help")
    assert status == 0
    text = " ".join(out.split())
    assert "--timeout SECONDS" in text
    assert "sent as written" in text  # --method patch is not PATCH
    assert "it may change data on the server" in text  # --send
    assert "allowed, error, failed_step, detail, fix, readable_headers, checked, not_sent" in text
    assert "Exit 0 allowed, 1 blocked, 2 usage or network error" in text
    assert "example: corecors check http://localhost:8000/items/1 --origin" in text


def test_the_installed_command_and_python_m(faults: FaultServer, tmp_path: Path) -> None:
    script = shutil.which("corecors", path=str(Path(sys.executable).parent))
    assert script is not None, "pip install -e . installs the corecors command"
    url = faults.url("trailing-slash")
    done = subprocess.run(
        [script, "check", url, "--origin", PAGE], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1
    assert "BLOCKED: AllowOriginMismatch" in done.stdout
    sys_argv = sys.argv
    sys.argv = ["corecors", "check", faults.url("ok-get"), "--origin", PAGE, "--json"]
    try:
        with pytest.raises(SystemExit) as exited:
            runpy.run_module("corecors", run_name="__main__")
    finally:
        sys.argv = sys_argv
    assert exited.value.code == 0


@pytest.fixture(scope="module", params=[("fastapi", "asgi"), ("flask", "wsgi"), ("django", "wsgi")])
def api(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ApiServer]:
    framework, interface = request.param
    log = tmp_path_factory.mktemp("api") / f"{framework}.log"
    server = ApiServer(framework, interface, [PAGE], log)
    try:
        server.wait_until_ready()
        yield server
    finally:
        server.stop()


def test_against_our_example_apis(corecors: Run, api: ApiServer) -> None:
    url = f"{api.origin}/items/77"
    created = httpx.post(f"{api.origin}/items/", json={"id": 77, "name": "Lamp"}, timeout=10)
    assert created.status_code == 201
    status, out, _ = corecors("check", url, "--origin", PAGE, "--credentials")
    assert status == 0, out
    assert "x-item-count" in out  # exposed by the example APIs
    assert "x-backend" not in out.split("Headers the script can read:")[1]
    assert "note:" not in out  # the example APIs send Vary: Origin

    status, out, _ = corecors("check", url, "--origin", "http://127.0.0.1:4000", "--json")
    assert (status, json.loads(out)["error"]) == (1, "MissingAllowOriginHeader")

    status, out, _ = corecors("check", url, "--origin", "http://127.0.0.1:4000", "--method",
                              "PUT", "--header", "Content-Type: application/json")  # fmt: skip
    assert status == 1
    assert "BLOCKED: PreflightMissingAllowOriginHeader" in out
    assert "CORS preflight refused: origin not allowed" in out  # our 400's body

    status, out, _ = corecors("check", url, "--origin", PAGE, "--method", "PATCH", "--json")
    assert (status, json.loads(out)["error"]) == (1, "PreflightMissingAllowOriginHeader")

    status, out, _ = corecors("check", url, "--origin", PAGE, "--method", "DELETE",
                              "--header", "Authorization: Bearer x", "--credentials")  # fmt: skip
    assert status == 0, out
    api.wait_for_log(r'"OPTIONS /items/77 HTTP/1\.1" 200')
    assert '"DELETE /items/77' not in api.log()  # never sent without --send
