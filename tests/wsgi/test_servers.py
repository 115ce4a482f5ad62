"""The WSGI adapter and the Flask integration behind real servers on 127.0.0.1.

Each test runs against werkzeug's threaded server (in a thread of this process)
and against gunicorn (a subprocess with one gthread worker), both started and
stopped by the ``server`` fixture on a free port. Requests go over real sockets
with ``http.client``, so duplicated headers and chunked streaming are visible.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import uuid
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from tests.servers import ROOT, Server, gunicorn_command, one, subprocess_server, values
from tests.wsgi.server_apps import APP, EVIL, STREAM_CHUNKS, application


def _werkzeug() -> Iterator[Server]:
    server = make_server("127.0.0.1", 0, application, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Server("werkzeug", server.server_port)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _gunicorn() -> Iterator[Server]:
    # gthread: streaming and the stream/close gates need requests served concurrently.
    command = gunicorn_command(
        "tests.wsgi.server_apps:application", "--worker-class", "gthread", "--threads", "4"
    )
    with subprocess_server(command, ready_path="/raw/missing", ready_status=404) as server:
        yield server


@pytest.fixture(scope="module", params=["werkzeug", "gunicorn"])
def server(request: pytest.FixtureRequest) -> Iterator[Server]:
    yield from (_werkzeug() if request.param == "werkzeug" else _gunicorn())


@pytest.mark.parametrize("prefix", ["/api", "/raw"])
def test_preflight_answered_by_the_middleware(server: Server, prefix: str) -> None:
    path = "/api/items" if prefix == "/api" else "/raw/missing"
    status, headers, body = server.request(
        "OPTIONS",
        path,
        {
            "Origin": APP,
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "content-type,x-token",
        },
    )
    assert (status, body) == (200, b"OK")
    assert one(headers, "Access-Control-Allow-Origin") == APP
    assert one(headers, "Access-Control-Allow-Credentials") == "true"
    assert one(headers, "Access-Control-Allow-Methods") == "GET, POST, PUT"
    assert set(one(headers, "Access-Control-Allow-Headers").split(", ")) >= {  # type: ignore[union-attr]
        "x-token",
        "content-type",
    }
    assert one(headers, "Vary") == (
        "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
    )
    assert one(headers, "Content-Length") == "2"


@pytest.mark.parametrize(
    ("lines", "status"),
    [
        (("x-token", "content-type"), 200),
        (("x-token", "x-other"), 400),
        (("x-other", "x-token"), 400),
    ],
)
def test_preflight_with_repeated_request_headers_lines(
    server: Server, lines: tuple[str, str], status: int
) -> None:
    """Two Access-Control-Request-Headers lines: both are checked (the server joins them)."""
    conn = server.connection()
    try:
        conn.putrequest("OPTIONS", "/api/items")
        conn.putheader("Origin", APP)
        conn.putheader("Access-Control-Request-Method", "POST")
        for line in lines:
            conn.putheader("Access-Control-Request-Headers", line)
        conn.endheaders()
        response = conn.getresponse()
        body = response.read()
        assert response.status == status, body
        if status == 400:
            assert body.startswith(b"CORS preflight refused: headers not allowed")
    finally:
        conn.close()


def test_refused_preflight(server: Server) -> None:
    status, headers, body = server.request(
        "OPTIONS", "/api/items", {"Origin": EVIL, "Access-Control-Request-Method": "PUT"}
    )
    assert status == 400
    assert body.startswith(b"CORS preflight refused: origin not allowed")
    assert not [k for k, _ in headers if k.lower().startswith("access-control-")]


def test_credentialed_actual_request(server: Server) -> None:
    status, headers, body = server.request(
        "GET", "/api/items", {"Origin": APP, "Cookie": "session=abc"}
    )
    assert status == 200
    assert json.loads(body) == {"items": [1, 2], "cookie": "abc"}
    assert one(headers, "Access-Control-Allow-Origin") == APP
    assert one(headers, "Access-Control-Allow-Credentials") == "true"
    assert one(headers, "Access-Control-Expose-Headers") == "X-Total"
    assert one(headers, "X-Total") == "2"
    assert one(headers, "Vary") == "Origin"


def test_refused_origin_reaches_the_app_without_grants(server: Server) -> None:
    status, headers, body = server.request("GET", "/api/items", {"Origin": EVIL})
    assert status == 200
    assert json.loads(body)["items"] == [1, 2]
    assert not [k for k, _ in headers if k.lower().startswith("access-control-")]
    assert one(headers, "Vary") == "Origin"


def test_streamed_response_streams_intact(server: Server) -> None:
    """The second chunk is only produced once the client has read the first."""
    token = uuid.uuid4().hex
    conn = server.connection()
    try:
        conn.request("GET", f"/api/stream?token={token}", headers={"Origin": APP})
        response = conn.getresponse()
        assert response.status == 200
        assert response.getheader("Access-Control-Allow-Origin") == APP
        assert response.getheader("Transfer-Encoding") == "chunked"
        received = response.read1()  # returns as soon as the first chunk arrives
        assert received == STREAM_CHUNKS[0]
        assert server.request("GET", f"/api/release?token={token}")[2] == b"released"
        received += response.read()
    finally:
        conn.close()
    assert received == b"".join(STREAM_CHUNKS)


@pytest.mark.parametrize("path", ["/api/items", "/raw/echo"])
def test_post_body_intact(server: Server, path: str) -> None:
    payload = os.urandom(300_000)
    status, headers, body = server.request(
        "POST", path, {"Origin": APP, "Content-Type": "application/octet-stream"}, payload
    )
    assert status == 200
    assert one(headers, "Access-Control-Allow-Origin") == APP
    if path == "/raw/echo":
        assert body == payload
    else:
        digest = {"length": len(payload), "sha256": hashlib.sha256(payload).hexdigest()}
        assert json.loads(body) == digest


def test_close_is_called_on_the_response_iterable(server: Server) -> None:
    token = uuid.uuid4().hex
    status, headers, body = server.request("GET", f"/raw/closing?token={token}", {"Origin": APP})
    assert (status, body) == (200, b"closing body")
    assert one(headers, "Access-Control-Allow-Origin") == APP
    assert server.request("GET", f"/raw/closed?token={token}")[2] == b"closed"


def test_file_wrapper_response_intact(server: Server) -> None:
    status, headers, body = server.request("GET", "/raw/file", {"Origin": APP})
    assert status == 200
    assert body == (ROOT / "tests" / "wsgi" / "server_apps.py").read_bytes()
    assert one(headers, "Access-Control-Allow-Origin") == APP


def test_exc_info_recall_gets_cors_headers(server: Server) -> None:
    """An app that replaces its headers with PEP 3333's exc_info re-call still gets CORS."""
    status, headers, body = server.request("GET", "/raw/late-error", {"Origin": APP})
    assert (status, body) == (500, b"error page")
    if server.name == "werkzeug":
        assert one(headers, "Access-Control-Allow-Origin") == APP
        assert one(headers, "Vary") == "Origin"
    else:
        # gunicorn appends the re-call's headers to the first call's instead of
        # replacing them (PEP 3333 says replace): the app's own Content-Type is
        # doubled just like ours. Each call carried exactly one Allow-Origin.
        copies = len(values(headers, "Content-Type"))
        assert values(headers, "Access-Control-Allow-Origin") == [APP] * copies
        assert values(headers, "Vary") == ["Origin"] * copies


def test_head_request(server: Server) -> None:
    status, headers, body = server.request("HEAD", "/api/items", {"Origin": APP})
    assert (status, body) == (200, b"")
    assert one(headers, "Access-Control-Allow-Origin") == APP
