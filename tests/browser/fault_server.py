"""A deliberately misconfigured server: one CORS fault (or one correct answer) per path.

``/case/<id>`` answers as the case says: its preflight answer to ``OPTIONS`` with
``Access-Control-Request-Method``, its actual answer to anything else. ``{origin}``
in a header value is the page's origin. ``/page`` is an empty HTML page to fetch from
(opened as http://127.0.0.1:PORT, it is another origin than http://localhost:PORT).
Every request received is recorded, so a test can prove what was (not) sent.

The expected outcome of each case is written from the Fetch standard and from what
Chromium reports (the DevTools ``Network.CorsError`` names), not from corecors.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, urlsplit

Lines = tuple[tuple[str, str], ...]
O = "{origin}"  # noqa: E741  (the page's origin, substituted when answering)
ACAO = "Access-Control-Allow-Origin"
ACAC = ("Access-Control-Allow-Credentials", "true")


@dataclass(frozen=True)
class Case:
    id: str
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    credentials: bool = False
    preflight: tuple[int, Lines] | None = None  # None: the case is not preflighted
    actual: tuple[int, Lines] = (200, ((ACAO, O),))
    error: str | None = None  # the expected Network.CorsError name; None: allowed
    # Where Chromium departs from the Fetch standard: what Chromium does instead.
    chromium_error: str | None = None
    deviation: str = ""

    @property
    def allowed(self) -> bool:
        return self.error is None


def _ok_preflight(*extra: tuple[str, str]) -> tuple[int, Lines]:
    return (204, ((ACAO, O), *extra))


JSON = {"Content-Type": "application/json"}
LONG_TEXT = {"Content-Type": "text/plain; charset=utf-8; x=" + "a" * 120}  # > 128 bytes
CRED_ACTUAL = (200, ((ACAO, O), ACAC))

CORRECT = [
    Case("ok-get"),
    Case("ok-get-star", actual=(200, ((ACAO, "*"),))),
    Case("ok-get-credentials", credentials=True, actual=CRED_ACTUAL),
    Case("ok-post-text-plain", "POST", {"Content-Type": "text/plain"}),
    Case("ok-get-500-readable", actual=(500, ((ACAO, O),))),
    # Range with a start is a CORS-safelisted request-header: no preflight (Fetch).
    Case("ok-range-not-preflighted", headers={"Range": "bytes=0-3"}, actual=(206, ((ACAO, O),))),
    Case("ok-put", "PUT", preflight=_ok_preflight(("Access-Control-Allow-Methods", "PUT"))),
    Case(
        "ok-json-post",
        "POST",
        JSON,
        preflight=_ok_preflight(("Access-Control-Allow-Headers", "Content-Type")),
    ),
    Case(
        "ok-wildcards-without-credentials",
        "DELETE",
        {"X-Custom": "1"},
        preflight=(
            200,
            (
                (ACAO, "*"),
                ("Access-Control-Allow-Methods", "*"),
                ("Access-Control-Allow-Headers", "*"),
            ),
        ),
        actual=(200, ((ACAO, "*"),)),
    ),
    Case(
        "ok-put-credentials",
        "PUT",
        {"X-Token": "t"},
        credentials=True,
        preflight=(
            200,
            (
                (ACAO, O),
                ACAC,
                ("Access-Control-Allow-Methods", "GET, PUT ,  DELETE"),
                ("Access-Control-Allow-Headers", "X-TOKEN"),
            ),
        ),
        actual=CRED_ACTUAL,
    ),
    Case(
        "ok-authorization-named",
        headers={"Authorization": "Bearer t"},
        preflight=_ok_preflight(("Access-Control-Allow-Headers", "authorization")),
    ),
    Case(
        "ok-authorization-with-star",
        headers={"Authorization": "Bearer t", "X-Other": "1"},
        preflight=_ok_preflight(("Access-Control-Allow-Headers", "*, Authorization")),
    ),
    Case(
        "ok-get-custom-header-method-not-listed",
        headers={"X-Custom": "1"},
        preflight=_ok_preflight(("Access-Control-Allow-Headers", "x-custom")),
    ),
    Case(
        "ok-exposed-headers",
        actual=(
            200,
            (
                (ACAO, O),
                ("Access-Control-Expose-Headers", "X-Total"),
                ("X-Total", "3"),
                ("X-Hidden", "1"),
            ),
        ),
    ),
    Case(
        "ok-expose-star-without-credentials",
        actual=(
            200,
            (
                (ACAO, "*"),
                ("Access-Control-Expose-Headers", "*"),
                ("X-Total", "3"),
                ("Set-Cookie", "a=1"),
            ),
        ),
    ),
    Case(
        "ok-expose-star-with-credentials-is-literal",
        credentials=True,
        actual=(
            200,
            ((ACAO, O), ACAC, ("Access-Control-Expose-Headers", "*"), ("X-Total", "3")),
        ),
    ),
    # Edge cases of parsing, measured alike in every engine (docs/engines.md).
    Case("ok-allow-origin-padded", actual=(200, ((ACAO, f" {O} "),))),  # OWS is not the value
    Case(
        "ok-allow-credentials-padded",
        credentials=True,
        actual=(200, ((ACAO, O), ("Access-Control-Allow-Credentials", " true "))),
    ),
    Case(
        "ok-preflight-299",
        "PUT",
        preflight=(299, ((ACAO, O), ("Access-Control-Allow-Methods", "PUT"))),
    ),
    Case(
        "ok-lists-with-empty-items",
        "PUT",
        {"X-A": "1"},
        preflight=_ok_preflight(
            ("Access-Control-Allow-Methods", ",PUT,"), ("Access-Control-Allow-Headers", ",,x-a,,")
        ),
    ),
    Case(
        "ok-allow-methods-on-two-lines",
        "PUT",
        preflight=(
            204,
            (
                (ACAO, O),
                ("Access-Control-Allow-Methods", "GET"),
                ("Access-Control-Allow-Methods", "PUT"),
            ),
        ),
    ),
    Case(
        "ok-set-cookie-never-exposed",
        actual=(
            200,
            (
                (ACAO, O),
                ("Access-Control-Expose-Headers", "Set-Cookie, X-A"),
                ("Set-Cookie", "a=1"),
                ("X-A", "1"),
            ),
        ),
    ),
]

FAULTS = [
    Case("no-allow-origin", actual=(200, ()), error="MissingAllowOriginHeader"),
    Case(
        "preflight-no-allow-origin",
        "PUT",
        preflight=(200, (("Access-Control-Allow-Methods", "PUT"),)),
        error="PreflightMissingAllowOriginHeader",
    ),
    Case(
        "preflight-refused-400",
        "DELETE",
        preflight=(400, ()),
        error="PreflightMissingAllowOriginHeader",
    ),
    Case(
        "two-allow-origins", actual=(200, ((ACAO, O), (ACAO, O))), error="MultipleAllowOriginValues"
    ),
    Case(
        "allow-origin-list",
        actual=(200, ((ACAO, O + ", https://app.example.com"),)),
        error="MultipleAllowOriginValues",
    ),
    Case(
        "preflight-two-allow-origins",
        "PUT",
        preflight=(204, ((ACAO, O), (ACAO, "*"), ("Access-Control-Allow-Methods", "PUT"))),
        error="PreflightMultipleAllowOriginValues",
    ),
    Case(
        "star-with-credentials",
        credentials=True,
        actual=(200, ((ACAO, "*"), ACAC)),
        error="WildcardOriginNotAllowed",
    ),
    Case(
        "preflight-star-with-credentials",
        "PUT",
        credentials=True,
        preflight=(204, ((ACAO, "*"), ACAC, ("Access-Control-Allow-Methods", "PUT"))),
        error="PreflightWildcardOriginNotAllowed",
    ),
    Case("trailing-slash", actual=(200, ((ACAO, O + "/"),)), error="AllowOriginMismatch"),
    Case(
        "other-origin",
        actual=(200, ((ACAO, "https://app.example.com"),)),
        error="AllowOriginMismatch",
    ),
    Case(
        "preflight-other-origin",
        "PUT",
        preflight=(204, ((ACAO, "http://localhost:1"), ("Access-Control-Allow-Methods", "PUT"))),
        error="PreflightAllowOriginMismatch",
    ),
    Case(
        "allow-origin-not-a-url",
        actual=(200, ((ACAO, "app.example.com"),)),
        error="InvalidAllowOriginValue",
    ),
    # "null" is not a URL, but Chromium names it a mismatch, not an invalid value.
    Case("allow-origin-null", actual=(200, ((ACAO, "null"),)), error="AllowOriginMismatch"),
    Case(
        "preflight-allow-origin-not-a-url",
        "PUT",
        preflight=(204, ((ACAO, "app.example.com"), ("Access-Control-Allow-Methods", "PUT"))),
        error="PreflightInvalidAllowOriginValue",
    ),
    Case(
        "credentials-without-allow-credentials",
        credentials=True,
        error="InvalidAllowCredentials",
    ),
    Case(
        "allow-credentials-capitalised",
        credentials=True,
        actual=(200, ((ACAO, O), ("Access-Control-Allow-Credentials", "True"))),
        error="InvalidAllowCredentials",
    ),
    Case(
        "preflight-without-allow-credentials",
        "PUT",
        credentials=True,
        preflight=_ok_preflight(("Access-Control-Allow-Methods", "PUT")),
        actual=CRED_ACTUAL,
        error="PreflightInvalidAllowCredentials",
    ),
    Case(
        "preflight-404",
        "PUT",
        preflight=(404, ((ACAO, O), ("Access-Control-Allow-Methods", "PUT"))),
        error="PreflightInvalidStatus",
    ),
    Case(
        "preflight-500",
        headers={"X-Custom": "1"},
        preflight=(500, ((ACAO, O), ("Access-Control-Allow-Headers", "x-custom"))),
        error="PreflightInvalidStatus",
    ),
    Case(
        "preflight-301",
        "PUT",
        preflight=(301, (("Location", "/case/ok-put"),)),
        error="PreflightDisallowedRedirect",
    ),
    Case(
        "preflight-307-with-grants",
        "PUT",
        preflight=(307, ((ACAO, O), ("Access-Control-Allow-Methods", "PUT"), ("Location", "/x"))),
        error="PreflightDisallowedRedirect",
    ),
    Case(
        "method-not-listed",
        "PATCH",
        preflight=_ok_preflight(("Access-Control-Allow-Methods", "GET, PUT")),
        error="MethodDisallowedByPreflightResponse",
    ),
    Case(
        "method-star-with-credentials",
        "DELETE",
        credentials=True,
        preflight=_ok_preflight(ACAC, ("Access-Control-Allow-Methods", "*")),
        actual=CRED_ACTUAL,
        error="MethodDisallowedByPreflightResponse",
    ),
    Case(
        "method-lower-case",
        "PUT",
        preflight=_ok_preflight(("Access-Control-Allow-Methods", "put")),
        error="MethodDisallowedByPreflightResponse",
    ),
    Case(
        "header-not-listed",
        headers={"X-Token": "t", "X-Custom": "1"},
        preflight=_ok_preflight(("Access-Control-Allow-Headers", "x-custom")),
        error="HeaderDisallowedByPreflightResponse",
    ),
    Case(
        "header-star-with-credentials",
        headers={"X-Token": "t"},
        credentials=True,
        preflight=_ok_preflight(ACAC, ("Access-Control-Allow-Headers", "*")),
        actual=CRED_ACTUAL,
        error="HeaderDisallowedByPreflightResponse",
    ),
    Case(
        "json-content-type-not-listed",
        "POST",
        JSON,
        preflight=_ok_preflight(),
        error="HeaderDisallowedByPreflightResponse",
    ),
    Case(
        "long-text-plain-is-not-safelisted",
        "POST",
        LONG_TEXT,
        preflight=_ok_preflight(),
        error="HeaderDisallowedByPreflightResponse",
    ),
    Case(
        "allow-methods-not-tokens",
        "PUT",
        preflight=_ok_preflight(("Access-Control-Allow-Methods", "PUT;GET")),
        error="InvalidAllowMethodsPreflightResponse",
    ),
    Case(
        "allow-headers-not-tokens",
        headers={"X-Token": "t"},
        preflight=_ok_preflight(("Access-Control-Allow-Headers", "x-token x-other")),
        error="InvalidAllowHeadersPreflightResponse",
    ),
    Case(
        "actual-without-allow-origin-after-preflight",
        "PUT",
        preflight=_ok_preflight(("Access-Control-Allow-Methods", "PUT")),
        actual=(200, ()),
        error="MissingAllowOriginHeader",
    ),
    Case(
        "actual-without-allow-credentials-after-preflight",
        "PUT",
        credentials=True,
        preflight=_ok_preflight(ACAC, ("Access-Control-Allow-Methods", "PUT")),
        error="InvalidAllowCredentials",
    ),
    Case(
        "authorization-under-star",
        headers={"Authorization": "Bearer t"},
        preflight=_ok_preflight(("Access-Control-Allow-Headers", "*")),
        error="HeaderDisallowedByPreflightResponse",
        chromium_error=None,
        deviation="Fetch: '*' never covers Authorization (CORS non-wildcard request-header "
        "name); Chromium lets it through. corecors follows the standard.",
    ),
    Case(
        "authorization-under-star-with-credentials",
        headers={"Authorization": "Bearer t"},
        credentials=True,
        preflight=_ok_preflight(ACAC, ("Access-Control-Allow-Headers", "*")),
        actual=CRED_ACTUAL,
        error="HeaderDisallowedByPreflightResponse",  # '*' is literal: every engine blocks
    ),
    Case(
        "range-suffix-is-not-safelisted",
        headers={"Range": "bytes=-5"},
        preflight=_ok_preflight(),
        error="HeaderDisallowedByPreflightResponse",
    ),
    Case(
        "accept-with-an-unsafe-byte",
        headers={"Accept": 'text/"x"'},
        preflight=_ok_preflight(),
        error="HeaderDisallowedByPreflightResponse",
    ),
    Case(
        "two-allow-credentials",
        credentials=True,
        actual=(200, ((ACAO, O), ACAC, ACAC)),  # combined: "true, true"
        error="InvalidAllowCredentials",
    ),
]

CASES = {case.id: case for case in CORRECT + FAULTS}


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: Lines


class FaultServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), FaultHandler)
        self.received: list[Received] = []
        self.lock = threading.Lock()

    @property
    def port(self) -> int:
        port: int = self.server_address[1]
        return port

    def url(self, case_id: str, host: str = "localhost") -> str:
        return f"http://{host}:{self.port}/case/{case_id}"

    def redirect_url(self, location: str, status: int = 302) -> str:
        """A URL answering ``status`` to ``location``, granting any origin (preflights too)."""
        to = quote(location, safe="")
        return f"http://localhost:{self.port}/redirect?status={status}&to={to}"

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a browser hangs up on answers it refuses: nothing to report

    def requests_to(self, path: str) -> list[Received]:
        with self.lock:
            return [r for r in self.received if r.path == path]


class FaultHandler(BaseHTTPRequestHandler):
    server: FaultServer
    protocol_version = "HTTP/1.1"

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        received = Received(self.command, self.path, tuple(self.headers.items()))
        with self.server.lock:
            self.server.received.append(received)
        if self.path == "/page":
            self._send(200, (("Content-Type", "text/html"),), b"<!doctype html><title>page</title>")
            return
        if self.path.startswith("/redirect?"):  # a redirect that passes the CORS check
            query = parse_qs(urlsplit(self.path).query)
            grant = (ACAO, self.headers.get("Origin", ""))
            if self.command == "OPTIONS" and "Access-Control-Request-Method" in self.headers:
                self._send(204, (grant, ("Access-Control-Allow-Methods", "*")), b"")
            else:
                location = ("Location", query["to"][0])
                self._send(int(query.get("status", ["302"])[0]), (grant, location), b"moved")
            return
        if self.path.startswith("/hops/"):  # /hops/N: N redirects that pass, then an answer
            hops, grant = int(self.path.removeprefix("/hops/")), (ACAO, "*")
            if hops == 0:
                self._send(200, (grant,), b"arrived")
            else:
                self._send(302, (grant, ("Location", f"/hops/{hops - 1}")), b"moved")
            return
        case = CASES.get(self.path.removeprefix("/case/"))
        if case is None:
            self._send(404, (), b"no such case\n")
            return
        preflight = self.command == "OPTIONS" and "Access-Control-Request-Method" in self.headers
        status, lines = case.preflight if preflight and case.preflight else case.actual
        origin = self.headers.get("Origin", "")
        self._send(
            status, tuple((n, v.replace(O, origin)) for n, v in lines), b"case " + case.id.encode()
        )

    def _send(self, status: int, lines: Lines, body: bytes) -> None:
        self.send_response_only(status)
        for name, value in lines:
            self.send_header(name, value)
        if not any(n.lower() == "content-type" for n, _ in lines):
            self.send_header("Content-Type", "text/plain")
        if status in (204, 304):
            body = b""  # a 204 has no body: one would corrupt the kept-alive connection
        else:
            self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = _answer

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def fault_server() -> Iterator[FaultServer]:
    """The fault server on 127.0.0.1 at a free port, in a thread; stopped on exit."""
    server = FaultServer()
    thread = threading.Thread(target=server.serve_forever, name="faults", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
