"""The WSGI middleware's contract with the server and the application (PEP 3333)."""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from wsgiref.util import FileWrapper

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.test import Client, EnvironBuilder

from corecors import CORSConfigError, CORSPolicy, PathPolicies, apply_decision
from corecors.adapters.wsgi import CORSMiddleware
from tests.blocked_imports import run_without

APP = "https://app.example.com"
ROOT = Path(__file__).resolve().parents[2]

StartResponse = Callable[..., Callable[[bytes], object]]


def environ(path: str = "/items", method: str = "GET", **headers: str) -> dict[str, Any]:
    return EnvironBuilder(path=path, method=method, headers=headers).get_environ()


class Recorder:
    """A PEP 3333 start_response that records every call, as a server sees them."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[tuple[str, str]], object]] = []
        self.written: list[bytes] = []

    def __call__(
        self, status: str, headers: list[tuple[str, str]], exc_info: object = None
    ) -> Callable[[bytes], object]:
        self.calls.append((status, headers, exc_info))
        return self.written.append


def test_the_apps_iterable_is_returned_untouched() -> None:
    body = FileWrapper(io.BytesIO(b"file body"))

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return body

    recorder = Recorder()
    for env in (environ(), environ(Origin=APP), environ(Origin="https://evil.example.org")):
        assert CORSMiddleware(app, allow_origins=[APP])(env, recorder) is body


def test_exc_info_recall_is_decorated_and_passed_on() -> None:
    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain"), ("Vary", "Accept")])
        try:
            raise ValueError("late failure")
        except ValueError:
            info = sys.exc_info()
            start_response("500 Internal Server Error", [("Content-Type", "text/plain")], info)
        return [b"error"]

    recorder = Recorder()
    CORSMiddleware(app, allow_origins=[APP])(environ(Origin=APP), recorder)
    (_, headers1, exc1), (status2, headers2, exc2) = recorder.calls
    assert exc1 is None
    assert isinstance(exc2, tuple)
    assert isinstance(exc2[1], ValueError)  # the very exception, for the server to re-raise
    assert status2 == "500 Internal Server Error"
    for headers, vary in ((headers1, "Accept, Origin"), (headers2, "Origin")):
        assert [v for k, v in headers if k == "Access-Control-Allow-Origin"] == [APP]
        assert [v for k, v in headers if k == "Vary"] == [vary]


HEADER_NAMES = st.sampled_from(
    [
        "Content-Type",
        "X-App",
        "Vary",
        "vary",
        "VARY",
        "Access-Control-Allow-Origin",
        "access-control-allow-origin",
        "Access-Control-Allow-Credentials",
        "Access-Control-Expose-Headers",
        "Access-Control-Max-Age",
        "Set-Cookie",
    ]
)
HEADER_VALUES = st.sampled_from(["*", "Origin", "Accept-Encoding, Origin", "x", "", "true"])
MERGE_POLICY = CORSPolicy(allow_origins=[APP], allow_credentials=True, expose_headers=["X-Total"])


@settings(max_examples=300, deadline=None)
@given(
    headers=st.lists(st.tuples(HEADER_NAMES, HEADER_VALUES), max_size=6),
    origin=st.sampled_from([None, APP, "https://evil.example.org"]),
)
def test_response_headers_are_exactly_apply_decisions(
    headers: list[tuple[str, str]], origin: str | None
) -> None:
    """The middleware's shortcut for responses with nothing to merge changes nothing."""

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        start_response("200 OK", list(headers))
        return []

    recorder = Recorder()
    env = environ() if origin is None else environ(Origin=origin)
    CORSMiddleware(app, policy=MERGE_POLICY)(env, recorder)
    expected = apply_decision(list(headers), MERGE_POLICY.decide("GET", origin))
    assert recorder.calls[0][1] == expected


def test_write_callable_reaches_the_server() -> None:
    """Legacy apps write the body through the callable start_response returns."""

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        write = start_response("200 OK", [("Content-Type", "text/plain")])
        write(b"written ")
        return [b"returned"]

    recorder = Recorder()
    result = CORSMiddleware(app, allow_origins=[APP])(environ(Origin=APP), recorder)
    assert recorder.written == [b"written "]
    assert list(result) == [b"returned"]


def test_preflight_response_is_complete_and_skips_the_app() -> None:
    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        raise AssertionError("a preflight reached the application")

    recorder = Recorder()
    env = environ(method="OPTIONS", Origin=APP, **{"Access-Control-Request-Method": "GET"})
    body = CORSMiddleware(app, allow_origins=[APP])(env, recorder)
    [(status, headers, _)] = recorder.calls
    assert status == "200 OK"
    assert list(body) == [b"OK"]
    assert ("Content-Type", "text/plain; charset=utf-8") in headers
    assert ("Content-Length", "2") in headers
    refused = environ(method="OPTIONS", Origin=APP, **{"Access-Control-Request-Method": "PUT"})
    body = CORSMiddleware(app, allow_origins=[APP])(refused, recorder)
    status, headers, _ = recorder.calls[-1]
    assert status == "400 Bad Request"
    assert ("Content-Length", str(len(b"".join(body)))) in headers


@pytest.mark.parametrize(
    "origin",
    [
        "https://app.example.com\x00",
        "\udcff\udcfe",  # undecodable bytes as a server may pass them
        "https://app.example.com, https://app.example.com",
        "x" * 100_000,
        "",
    ],
)
def test_malformed_origin_is_a_refusal_never_a_crash(origin: str) -> None:
    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        start_response("200 OK", [])
        return [b"app"]

    middleware = CORSMiddleware(app, allow_origins=[APP])
    for env in (
        {**environ(), "HTTP_ORIGIN": origin},
        {
            **environ(method="OPTIONS"),
            "HTTP_ORIGIN": origin,
            "HTTP_ACCESS_CONTROL_REQUEST_METHOD": "GET",
            "HTTP_ACCESS_CONTROL_REQUEST_HEADERS": ",,\x00," * 2000,
        },
    ):
        recorder = Recorder()
        middleware(env, recorder)
        status, headers, _ = recorder.calls[0]
        assert status in ("200 OK", "400 Bad Request")
        assert not [k for k, _ in headers if k.startswith("Access-Control-Allow")]


def test_path_policies_match_path_info_as_the_server_decoded_it() -> None:
    """PATH_INFO is latin-1: "/café" arrives as "/cafÃ©" (see the class docstring)."""

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        start_response("200 OK", [])
        return [environ["PATH_INFO"].encode("latin-1")]

    wsgi_form = "/café/*".encode().decode("latin-1")
    policy = CORSPolicy(allow_origins=[APP])
    client = Client(CORSMiddleware(app, policy=PathPolicies([(wsgi_form, policy)])))
    response = client.get("/caf%C3%A9/menu", headers={"Origin": APP})
    assert response.get_data() == "/café/menu".encode()
    assert response.headers["Access-Control-Allow-Origin"] == APP

    unicode_rule = Client(CORSMiddleware(app, policy=PathPolicies([("/café/*", policy)])))
    response = unicode_rule.get("/caf%C3%A9/menu", headers={"Origin": APP})
    assert "Access-Control-Allow-Origin" not in response.headers

    # %2F is decoded by the server: "/api%2Fx" is matched as "/api/x". No "+" decoding.
    api = Client(CORSMiddleware(app, policy=PathPolicies([("/api/*", policy)])))
    assert api.get("/api%2Fx", headers={"Origin": APP}).access_control_allow_origin == APP
    assert "Vary" not in api.get("/api+x/y", headers={"Origin": APP}).headers


def test_path_policies_are_relative_to_the_mount_point() -> None:
    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        start_response("200 OK", [])
        return [b"app"]

    rules = PathPolicies([("/api/*", CORSPolicy(allow_origins=[APP]))])
    middleware = CORSMiddleware(app, policy=rules)
    recorder = Recorder()
    mounted = {**environ("/api/items", Origin=APP), "SCRIPT_NAME": "/backend"}
    middleware(mounted, recorder)
    assert ("Access-Control-Allow-Origin", APP) in recorder.calls[0][1]
    no_path = environ(Origin=APP)
    del no_path["PATH_INFO"]  # PEP 3333 allows it to be missing for the root
    middleware(no_path, recorder)
    assert "Vary" not in dict(recorder.calls[1][1])


def test_configuration_errors() -> None:
    with pytest.raises(CORSConfigError, match="policy= was given together with allow_origins"):
        CORSMiddleware(lambda e, s: [], policy=CORSPolicy(), allow_origins=[APP])
    with pytest.raises(CORSConfigError, match="must be a CORSPolicy or a PathPolicies"):
        CORSMiddleware(lambda e, s: [], policy={"allow_origins": [APP]})  # type: ignore[arg-type]
    with pytest.raises(CORSConfigError, match=re.escape("use 'https://app.example.com'")):
        CORSMiddleware(lambda e, s: [], allow_origins=[APP + "/"])


@pytest.mark.parametrize(
    ("options", "message"),
    [
        # Both were a TypeError: an unknown keyword, and one the adapter passes itself.
        (
            {"allow_orgins": [APP]},
            "allow_orgins=.*is not a CORSPolicy option.*rename it allow_origins",
        ),
        ({"vocabulary": str.upper}, "vocabulary=.*is set by the adapter.*Fix: remove it"),
        ({"zzz": 1}, "zzz=1.*use policy= or one of allow_origins, "),
    ],
)
def test_unknown_and_adapter_internal_options_are_configuration_errors(
    options: dict[str, object], message: str
) -> None:
    with pytest.raises(CORSConfigError, match=message):
        CORSMiddleware(lambda e, s: [], **options)


def test_repr_shows_the_policy() -> None:
    text = repr(CORSMiddleware(lambda e, s: [], allow_origins=[APP]))
    assert text.startswith("CORSMiddleware(<function")
    assert "allow_origins=('https://app.example.com',)" in text


def test_wsgi_adapter_imports_no_framework() -> None:
    result = run_without(
        ("flask", "werkzeug", "django", "starlette", "fastapi"),
        """
        import sys
        from corecors.adapters.wsgi import CORSMiddleware
        app = CORSMiddleware(lambda e, s: [], allow_origins=["https://a.example.com"])
        frameworks = {"flask", "werkzeug", "django", "starlette", "fastapi"}
        print(sorted(frameworks & {m.split(".")[0] for m in sys.modules}))
        """,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_flask_adapter_without_flask_names_the_extra() -> None:
    result = run_without(("flask",), "import corecors.adapters.flask")
    assert result.returncode == 1
    assert 'pip install "corecors[flask]"' in result.stderr
    assert "ImportError" in result.stderr
