"""``corecors check --credentials``: the cookies a browser will not send back (DESIGN §7.2),
under ``"cookies"`` with ``--json``, per engine; against a real server on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from corecors.cli import main

COOKIES = (
    "sid=1; Path=/; HttpOnly",  # no SameSite: Lax for Chromium
    "pref=1; Path=/; SameSite=None; Secure; Partitioned",
    "ok=1; Path=/; SameSite=Lax",
)


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        origin = self.headers.get("Origin")
        if origin and not self.path.startswith("/refused"):
            self.send_header("Access-Control-Allow-Origin", origin)
            self.send_header("Access-Control-Allow-Credentials", "true")
        for cookie in () if self.path.startswith("/plain") else COOKIES:
            self.send_header("Set-Cookie", cookie)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return None


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    status = main(["check", *args])
    return status, capsys.readouterr().out


def test_json_names_each_cookie_each_engines_fate_and_the_fix(
    port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"http://127.0.0.1:{port}/login"
    page = "http://localhost:3000"  # localhost and 127.0.0.1: two sites
    status, out = check(capsys, url, "--origin", page, "--credentials", "--json")
    assert status == 0
    cookies = json.loads(out)["cookies"]
    assert [cookie["name"] for cookie in cookies] == ["sid", "pref", "ok"]
    sid, pref, ok = cookies
    assert sid["url"] == url
    assert sid["relation"] == "cross-site"
    assert sid["engines"]["chromium"] == {
        "outcome": "not sent",
        "reason": "no SameSite, taken as Lax: never sent on cross-site requests",
    }
    assert sid["engines"]["firefox"]["outcome"] == "partitioned"
    assert sid["engines"]["webkit"]["outcome"] == "blocked"
    assert sid["fix"].startswith("serve the API on the page's site")
    assert {engine: fate["outcome"] for engine, fate in pref["engines"].items()} == {
        "chromium": "partitioned",
        "firefox": "partitioned",
        "webkit": "rejected",  # Secure over http, even on 127.0.0.1
    }
    assert ok["engines"]["firefox"]["reason"] == "SameSite=Lax: never sent on cross-site requests"


def test_on_the_same_site_only_what_an_engine_refuses(
    port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"http://localhost:{port}/login"
    _, out = check(capsys, url, "--origin", "http://localhost:3000", "--credentials", "--json")
    (pref,) = json.loads(out)["cookies"]  # sid and ok come back everywhere
    assert pref["relation"] == "same-site"
    assert pref["engines"]["chromium"] == {"outcome": "sent", "reason": "same-site"}
    assert pref["engines"]["webkit"] == {
        "outcome": "rejected",
        "reason": "a Secure cookie over plain http, even on localhost",
    }


def test_the_text_output_lists_the_cookies(port: int, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{port}/login"
    status, out = check(capsys, url, "--origin", "http://localhost:3000", "--credentials")
    assert status == 0
    assert "cookie 'sid': set on a cross-site response: Chromium 156: not sent" in out
    assert "cookie 'pref': set on a cross-site response: " in out


@pytest.mark.parametrize(
    ("path", "credentials"),
    [("/login", False), ("/refused", True), ("/plain", True)],
)
def test_no_cookies_without_credentials_a_grant_or_a_cookie(
    port: int, capsys: pytest.CaptureFixture[str], path: str, credentials: bool
) -> None:
    url = f"http://127.0.0.1:{port}{path}"
    args = [url, "--origin", "http://localhost:3000", "--json"]
    _, out = check(capsys, *args, *(["--credentials"] if credentials else []))
    assert json.loads(out)["cookies"] == []


def test_one_engine_chosen_gives_that_engines_cookie_fates(
    port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"http://127.0.0.1:{port}/login"
    args = (url, "--origin", "http://localhost:3000", "--credentials", "--browser", "webkit")
    status, out = check(capsys, *args)
    assert status == 0
    cookie_lines = [line for line in out.splitlines() if line.startswith("cookie ")]
    assert cookie_lines
    assert all("WebKitGTK" in line for line in cookie_lines), cookie_lines
    assert not any("Chromium" in line or "Firefox" in line for line in cookie_lines)
    status, out = check(capsys, *args, "--json")
    cookies = json.loads(out)["cookies"]
    assert cookies
    assert all(set(cookie["engines"]) == {"webkit"} for cookie in cookies)
