"""The ASGI middleware's own behaviour, driven with raw ASGI messages and TestClient."""

from __future__ import annotations

import asyncio
import inspect
import logging
from typing import Any, ClassVar

import pytest
from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware as StarletteCORSMiddleware
from starlette.testclient import TestClient, WebSocketDenialResponse
from starlette.websockets import WebSocket

from corecors import CORSConfigError, CORSPolicy, PathPolicies
from corecors.adapters.asgi import CORSMiddleware
from corecors.engine import SCHEMA
from corecors.engine._memo import Memo

APP = "https://app.example.com"
EVIL = "https://evil.example.org"
Headers = list[tuple[bytes, bytes]]


def request(
    app: Any,
    method: str = "GET",
    headers: Headers = (),
    path: str = "/items",  # type: ignore[assignment]
) -> tuple[int, Headers, bytes]:
    """One HTTP request through ``app`` as an ASGI server would send it."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": method, "path": path, "headers": list(headers)}
    asyncio.run(app(scope, receive, send))
    starts = [m for m in sent if m["type"] == "http.response.start"]
    assert len(starts) == 1, sent
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return starts[0]["status"], list(starts[0].get("headers", [])), body


def values(headers: Headers, name: bytes) -> list[bytes]:
    return [v for k, v in headers if k == name]


def responder(*headers: tuple[bytes, bytes], start: dict[str, Any] | None = None) -> Any:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await send(start or {"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"app"})

    return app


# Configuration


def test_same_parameters_and_defaults_as_starlette() -> None:
    """Compared with the Starlette installed: the version matrix runs the oldest
    Starlette the extra allows (0.40, before allow_private_network) and the newest."""
    ours = inspect.signature(CORSMiddleware).parameters
    theirs = inspect.signature(StarletteCORSMiddleware).parameters
    # Every keyword Starlette accepts, with the same default and in the same order.
    assert [name for name in ours if name in theirs] == list(theirs)
    for name, parameter in theirs.items():
        assert ours[name].default == parameter.default, name
    extras = {name: parameter for name, parameter in ours.items() if name not in theirs}
    # The schema's options Starlette lacks (keyword only; allow_private_network is
    # positional, checked below), then the middleware's own.
    positional = (*theirs, "allow_private_network")
    expected = {
        **{option.name: option.default for option in SCHEMA if option.name not in positional},
        "policy": None,
        "check_websocket_origin": False,
        "debug": None,
        "unknown": inspect.Parameter.empty,  # **unknown: a misspelled keyword, refused (E011)
    }
    if "allow_private_network" in theirs:
        # The current Starlette: its positional order is ours too.
        assert list(ours)[: len(theirs)] == list(theirs)
    else:
        # An older Starlette lacks the option, which sits where the newer one has it.
        private_network = extras.pop("allow_private_network")
        assert private_network.default is False
        assert private_network.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    assert {name: p.default for name, p in extras.items()} == expected
    unknown = extras.pop("unknown")
    assert unknown.kind is inspect.Parameter.VAR_KEYWORD
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in extras.values())


def test_policy_and_options_are_exclusive() -> None:
    policy = CORSPolicy(allow_origins=[APP])
    with pytest.raises(CORSConfigError, match="policy= was given together with allow_origins"):
        CORSMiddleware(responder(), allow_origins=[APP], policy=policy)
    with pytest.raises(CORSConfigError, match="must be a CORSPolicy or a PathPolicies"):
        CORSMiddleware(responder(), policy={"allow_origins": [APP]})  # type: ignore[arg-type]
    assert CORSMiddleware(responder(), policy=policy).policy is policy


def test_bad_options_fail_at_construction() -> None:
    with pytest.raises(CORSConfigError, match="check_websocket_origin=1: must be True or False"):
        CORSMiddleware(responder(), check_websocket_origin=1)  # type: ignore[arg-type]
    # A falsy non-bool is not mistaken for the default.
    with pytest.raises(CORSConfigError, match="allow_credentials=0"):
        CORSMiddleware(responder(), allow_origins=[APP], allow_credentials=0)  # type: ignore[arg-type]
    with pytest.raises(CORSConfigError, match=r"never ends with a slash"):
        CORSMiddleware(responder(), allow_origins=[APP + "/"])


def test_allow_origin_func_is_consulted_on_every_request_without_a_cache() -> None:
    allowed: set[str] = set()
    app = CORSMiddleware(responder(), allow_origin_func=allowed.__contains__, origin_cache_ttl=0)
    assert (
        values(request(app, headers=[(b"origin", APP.encode())])[1], b"access-control-allow-origin")
        == []
    )
    allowed.add(APP)  # e.g. a tenant added in the database: no restart, no stale answer
    _, headers, _ = request(app, headers=[(b"origin", APP.encode())])
    assert values(headers, b"access-control-allow-origin") == [APP.encode()]
    preflight = [(b"origin", APP.encode()), (b"access-control-request-method", b"GET")]
    assert request(app, "OPTIONS", preflight)[0] == 200
    allowed.clear()
    assert request(app, "OPTIONS", preflight)[0] == 400


# Scopes


def test_lifespan_and_other_scopes_pass_through() -> None:
    seen: list[str] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen.append(scope["type"])

    middleware = CORSMiddleware(app, allow_origins=[APP])

    async def nothing() -> dict[str, Any]:
        raise AssertionError("not called")

    async def run() -> None:
        for scope_type in ("lifespan", "custom", "websocket"):
            await middleware({"type": scope_type}, nothing, nothing)

    asyncio.run(run())
    assert seen == ["lifespan", "custom", "websocket"]


def test_lifespan_through_a_fastapi_app() -> None:
    events: list[str] = []
    app = FastAPI()
    app.add_middleware(CORSMiddleware, allow_origins=[APP])
    app.router.on_startup.append(lambda: events.append("startup"))
    app.router.on_shutdown.append(lambda: events.append("shutdown"))
    with TestClient(app):
        assert events == ["startup"]
    assert events == ["startup", "shutdown"]


# Request headers


def test_several_request_header_lines_are_joined() -> None:
    app = CORSMiddleware(responder(), allow_origins=[APP], allow_headers=["X-A", "X-B"])
    base = [(b"origin", APP.encode()), (b"access-control-request-method", b"GET")]
    lines = [
        (b"access-control-request-headers", b"x-a"),
        (b"access-control-request-headers", b"x-b"),
    ]
    status, headers, _ = request(app, "OPTIONS", base + lines)
    assert status == 200
    assert {b"x-a", b"x-b"} <= set(values(headers, b"access-control-allow-headers")[0].split(b", "))
    bad = [*lines, (b"access-control-request-headers", b"x-c")]
    assert request(app, "OPTIONS", base + bad)[0] == 400


def test_several_origins_or_methods_are_refused() -> None:
    app = CORSMiddleware(responder(), allow_origins=[APP], allow_methods=["GET", "PUT"])
    origin = (b"origin", APP.encode())
    _, headers, body = request(app, "GET", [origin, origin])
    assert body == b"app"
    assert values(headers, b"access-control-allow-origin") == []
    methods = [(b"access-control-request-method", b"PUT")] * 2
    assert request(app, "OPTIONS", [origin, *methods])[0] == 400
    assert request(app, "OPTIONS", [origin, origin, methods[0]])[0] == 400


def test_options_without_request_method_reaches_the_app() -> None:
    app = CORSMiddleware(responder(), allow_origins=[APP])
    for extra in ([], [(b"access-control-request-method", b"")]):
        status, headers, body = request(app, "OPTIONS", [(b"origin", APP.encode()), *extra])
        assert (status, body) == (200, b"app")
        assert values(headers, b"access-control-allow-origin") == [APP.encode()]


def test_private_network_needs_the_true_value() -> None:
    app = CORSMiddleware(responder(), allow_origins=[APP])  # private network not enabled
    base = [(b"origin", APP.encode()), (b"access-control-request-method", b"GET")]
    assert request(app, "OPTIONS", base)[0] == 200
    assert (
        request(app, "OPTIONS", [*base, (b"access-control-request-private-network", b"no")])[0]
        == 200
    )
    pna = (b"access-control-request-private-network", b"true")
    assert request(app, "OPTIONS", [*base, pna])[0] == 400


class DecodeSpy(bytes):
    """A header value that records every decode and hash of itself (a plain slice never does)."""

    decoded: ClassVar[list[int]] = []

    def decode(self, *args: Any, **kwargs: Any) -> str:
        DecodeSpy.decoded.append(len(self))
        return super().decode(*args, **kwargs)

    def __hash__(self) -> int:  # a dict lookup would hash all of it
        DecodeSpy.decoded.append(len(self))
        return super().__hash__()


def test_huge_header_values_are_never_decoded_or_hashed_whole() -> None:
    app = CORSMiddleware(responder(), allow_origins=[APP], allow_headers=["*"])
    huge_origin = DecodeSpy(APP.encode() + b"a" * (1 << 20))
    huge_list = DecodeSpy(b"x-a," * (1 << 18))
    DecodeSpy.decoded.clear()
    _, headers, body = request(app, "GET", [(b"origin", huge_origin)])
    assert body == b"app"
    assert values(headers, b"access-control-allow-origin") == []
    preflight = [
        (b"origin", APP.encode()),
        (b"access-control-request-method", DecodeSpy(b"G" * (1 << 20))),
        (b"access-control-request-headers", huge_list),
    ]
    assert request(app, "OPTIONS", preflight)[0] == 400
    preflight[1] = (b"access-control-request-method", b"GET")
    assert request(app, "OPTIONS", preflight)[0] == 400
    assert request(app, "OPTIONS", [(b"origin", huge_origin), preflight[1]])[0] == 400
    assert DecodeSpy.decoded == []  # only plain, cut copies were decoded, nothing hashed


def test_remembered_answers_stay_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Memo, "LIMIT", 256)
    policy = CORSPolicy(allow_origin_regex=r"https://[a-z0-9]+\.example\.net")
    app = CORSMiddleware(responder(), policy=policy)
    for i in range(1000):
        origin = f"https://h{i}.example.net".encode()
        _, headers, _ = request(app, "GET", [(b"origin", origin)])
        assert values(headers, b"access-control-allow-origin") == [origin]
        request(app, "OPTIONS", [(b"origin", origin), (b"access-control-request-method", b"GET")])
        assert len(policy.memo) <= 256  # the core's decisions
        answers = app._router.only
        assert answers is not None
        assert len(answers.memo) <= 256  # the adapter's encoded answers, kept apart


def test_every_refusal_is_logged_even_when_remembered(caplog: pytest.LogCaptureFixture) -> None:
    app = CORSMiddleware(responder(), allow_origins=[APP])
    evil = [(b"origin", b"https://evil.example.org\n")]
    preflight = [(b"origin", APP.encode()), (b"access-control-request-method", b"PUT")]
    with caplog.at_level(logging.DEBUG, logger="corecors"):
        for _ in range(2):
            request(app, "GET", evil)
            request(app, "OPTIONS", preflight)
    messages = [r.getMessage() for r in caplog.records if r.name == "corecors"]
    assert len(messages) == 4, messages
    assert messages[0] == messages[2]
    assert messages[1] == messages[3]
    assert "'https://evil.example.org\\n'" in messages[0]  # escaped, never raw
    assert "method 'PUT' is not allowed" in messages[1]


# Response headers


def test_vary_is_merged_never_duplicated() -> None:
    app = CORSMiddleware(
        responder((b"vary", b"Accept-Encoding"), (b"vary", b"origin, Cookie")),
        allow_origins=[APP],
    )
    for headers in ([], [(b"origin", APP.encode())], [(b"origin", EVIL.encode())]):
        _, response, _ = request(app, "GET", headers)
        assert values(response, b"vary") == [b"Accept-Encoding, origin, Cookie"]
    star = CORSMiddleware(responder((b"vary", b"*")), allow_origins=[APP])
    assert values(request(star)[1], b"vary") == [b"*"]


def test_one_allow_origin_whatever_the_app_sets() -> None:
    own = (
        (b"access-control-allow-origin", b"*"),
        (b"access-control-allow-credentials", b"true"),
        (b"access-control-expose-headers", b"X-Own"),
    )
    app = CORSMiddleware(responder(*own), allow_origins=[APP], expose_headers=["X-Total"])
    _, headers, _ = request(app, "GET", [(b"origin", APP.encode())])
    assert values(headers, b"access-control-allow-origin") == [APP.encode()]
    assert values(headers, b"access-control-allow-credentials") == []
    assert values(headers, b"access-control-expose-headers") == [b"X-Total"]
    # Refused or no Origin: the middleware grants nothing and keeps the app's own answer.
    for origin in ([], [(b"origin", EVIL.encode())]):
        _, headers, _ = request(app, "GET", origin)
        assert values(headers, b"access-control-allow-origin") == [b"*"]


def test_a_reused_start_message_never_leaks_grants() -> None:
    start = {"type": "http.response.start", "status": 200, "headers": [(b"x-app", b"1")]}
    app = CORSMiddleware(responder(start=start), allow_origins=[APP], allow_credentials=True)
    _, headers, _ = request(app, "GET", [(b"origin", APP.encode())])
    assert values(headers, b"access-control-allow-origin") == [APP.encode()]
    assert start == {"type": "http.response.start", "status": 200, "headers": [(b"x-app", b"1")]}
    _, headers, _ = request(app, "GET", [(b"origin", EVIL.encode())])
    assert values(headers, b"access-control-allow-origin") == []
    _, headers, _ = request(
        CORSMiddleware(
            responder(start={"type": "http.response.start", "status": 204}), allow_origins=[APP]
        )
    )
    assert headers == [(b"vary", b"Origin")]


def test_response_headers_from_a_generator() -> None:
    """ASGI allows any iterable of headers, even one that can be read only once."""
    for origin, vary in ((APP, b"Accept-Encoding, Origin"), (EVIL, b"Accept-Encoding, Origin")):
        app_headers = iter([(b"x-app", b"1"), (b"vary", b"Accept-Encoding")])
        start = {"type": "http.response.start", "status": 200, "headers": app_headers}
        app = CORSMiddleware(responder(start=start), allow_origins=[APP])
        _, headers, _ = request(app, "GET", [(b"origin", origin.encode())])
        assert values(headers, b"x-app") == [b"1"]
        assert values(headers, b"vary") == [vary]
    start = {"type": "http.response.start", "status": 200, "headers": iter([(b"x-app", b"1")])}
    _, headers, _ = request(CORSMiddleware(responder(start=start), allow_origins=[APP]))
    assert headers == [(b"x-app", b"1"), (b"vary", b"Origin")]


def test_preflight_answers_are_fresh_lists() -> None:
    """An outer middleware that edits the header list in place cannot corrupt the next answer."""
    inner = CORSMiddleware(responder(), allow_origins=[APP])

    async def outer(scope: dict[str, Any], receive: Any, send: Any) -> None:
        async def add_header(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message["headers"].append((b"x-outer", b"1"))
            await send(message)

        await inner(scope, receive, add_header)

    preflight = [(b"origin", APP.encode()), (b"access-control-request-method", b"GET")]
    for _ in range(3):
        status, headers, body = request(outer, "OPTIONS", preflight)
        assert (status, body) == (200, b"OK")
        assert values(headers, b"x-outer") == [b"1"]
        assert values(headers, b"content-length") == [b"2"]


# Errors


def failing(after_start: bool = False) -> Any:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if after_start:
            await send({"type": "http.response.start", "status": 200, "headers": []})
        raise RuntimeError("boom")

    return app


def test_500_with_cors_when_the_app_fails_before_responding() -> None:
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def call(app: Any, origin: bytes, **options: Any) -> None:
        scope = {"type": "http", "method": "GET", "path": "/", "headers": [(b"origin", origin)]}
        await CORSMiddleware(app, allow_origins=[APP], allow_credentials=True, **options)(
            scope,
            send,
            send,  # type: ignore[arg-type]
        )

    with pytest.raises(RuntimeError, match="boom"):  # re-raised for the server to log
        asyncio.run(call(failing(), APP.encode()))
    assert sent[0]["status"] == 500
    assert sent[0]["headers"][:3] == [
        (b"access-control-allow-origin", APP.encode()),
        (b"access-control-allow-credentials", b"true"),
        (b"vary", b"Origin"),
    ]
    assert sent[1] == {
        "type": "http.response.body",
        "body": b"Internal Server Error",
        "more_body": False,
    }
    # Refused origins and responses already started are left to the server.
    for app, origin in ((failing(), EVIL.encode()), (failing(after_start=True), APP.encode())):
        sent.clear()
        with pytest.raises(RuntimeError, match="boom"):
            asyncio.run(call(app, origin))
        assert [m["status"] for m in sent] == ([200] if sent else [])


def test_a_public_policys_500_without_origin_carries_its_grant() -> None:
    # A public policy ("*" without credentials) grants every request, without
    # Origin included, so its 500 carries "*" and, like its other answers, no Vary.
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    app = CORSMiddleware(failing(), allow_origins=["*"], expose_headers=["X-Total"])
    scope = {"type": "http", "method": "GET", "path": "/", "headers": []}
    with pytest.raises(RuntimeError, match="boom"):
        asyncio.run(app(scope, send, send))  # type: ignore[arg-type]
    assert sent[0]["status"] == 500
    assert sent[0]["headers"][:2] == [
        (b"access-control-allow-origin", b"*"),
        (b"access-control-expose-headers", b"X-Total"),
    ]
    assert values(sent[0]["headers"], b"vary") == []


class _RulesListingNoPolicy(PathPolicies):
    """Rules whose ``policies`` misses the policy they answer (a careless subclass)."""

    def __init__(self, policy: CORSPolicy) -> None:
        super().__init__([])
        self.policy = policy

    def for_path(self, path: str) -> CORSPolicy | None:
        return self.policy


def test_the_no_origin_answer_of_a_policy_the_rules_did_not_list() -> None:
    # The answers without Origin are built per listed policy at construction; an
    # unlisted one still gets its own (here a public policy's "*"), never another's.
    app = CORSMiddleware(responder(), policy=_RulesListingNoPolicy(CORSPolicy(allow_origins=["*"])))
    _, headers, _ = request(app)
    assert values(headers, b"access-control-allow-origin") == [b"*"]
    assert values(headers, b"vary") == []
    _, headers, _ = request(CORSMiddleware(responder(), policy=_RulesListingNoPolicy(CORSPolicy())))
    assert values(headers, b"access-control-allow-origin") == []
    assert values(headers, b"vary") == [b"Origin"]


def test_the_apps_exception_wins_over_a_failing_send() -> None:
    async def broken_send(message: dict[str, Any]) -> None:
        raise OSError("client went away")

    scope = {"type": "http", "method": "GET", "path": "/", "headers": [(b"origin", APP.encode())]}
    app = CORSMiddleware(failing(), allow_origins=[APP])
    with pytest.raises(RuntimeError, match="boom"):
        asyncio.run(app(scope, broken_send, broken_send))  # type: ignore[arg-type]


def fastapi_boom() -> FastAPI:
    app = FastAPI()

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("boom")

    return app


def test_500_through_fastapi_default_error_handling() -> None:
    app = fastapi_boom()
    app.add_middleware(CORSMiddleware, allow_origins=[APP])
    client = TestClient(app, raise_server_exceptions=False)
    response = client.get("/boom", headers={"Origin": APP})
    assert response.status_code == 500
    assert response.headers["access-control-allow-origin"] == APP
    with pytest.raises(RuntimeError, match="boom"):  # re-raised through ServerErrorMiddleware
        TestClient(app).get("/boom", headers={"Origin": APP})


def test_wrapping_the_whole_app_decorates_the_frameworks_own_500() -> None:
    app = fastapi_boom()
    handled: list[str] = []

    async def on_error(request: Any, exc: Exception) -> Any:
        from starlette.responses import PlainTextResponse

        handled.append(str(exc))
        return PlainTextResponse("custom error page", status_code=500)

    app.add_exception_handler(Exception, on_error)
    client = TestClient(CORSMiddleware(app, allow_origins=[APP]), raise_server_exceptions=False)
    response = client.get("/boom", headers={"Origin": APP})
    assert (response.status_code, response.text) == (500, "custom error page")
    assert response.headers.get_list("access-control-allow-origin") == [APP]
    assert handled == ["boom"]


# WebSockets (the real-server handshake is in test_uvicorn.py)


def websocket_app(**options: Any) -> TestClient:
    app = FastAPI()

    @app.websocket("/ws")
    async def echo(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("hello")
        await websocket.close()

    @app.websocket("/public/ws")
    async def public(websocket: WebSocket) -> None:
        await echo(websocket)

    app.add_middleware(CORSMiddleware, **options)
    return TestClient(app)


def connects(client: TestClient, origin: str | None, path: str = "/ws") -> bool | int:
    """True when the handshake succeeds, else the refusal's HTTP status."""
    headers = {} if origin is None else {"Origin": origin}
    try:
        with client.websocket_connect(path, headers=headers) as websocket:
            return websocket.receive_text() == "hello"
    except WebSocketDenialResponse as denied:  # the websocket.http.response extension
        return denied.status_code


def test_websocket_origin_check() -> None:
    checked = websocket_app(allow_origins=[APP], check_websocket_origin=True)
    assert connects(checked, APP) is True
    assert connects(checked, EVIL) == 403
    assert connects(checked, f"{APP}, {EVIL}") == 403
    assert connects(checked, None) is True  # not a browser: browsers always send Origin
    unchecked = websocket_app(allow_origins=[APP])
    assert connects(unchecked, APP) is True
    assert connects(unchecked, EVIL) is True


def test_websocket_origin_check_with_path_policies() -> None:
    routes = PathPolicies([("/ws", CORSPolicy(allow_origins=[APP]))])
    client = websocket_app(policy=routes, check_websocket_origin=True)
    assert connects(client, APP) is True
    assert connects(client, EVIL) == 403
    assert connects(client, EVIL, "/public/ws") is True  # no policy for this path: untouched


def test_websocket_client_gone_before_connect() -> None:
    reached: list[bool] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        reached.append(True)

    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "websocket.disconnect", "code": 1006}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "websocket", "path": "/ws", "headers": [(b"origin", EVIL.encode())]}
    asyncio.run(
        CORSMiddleware(app, allow_origins=[APP], check_websocket_origin=True)(scope, receive, send)
    )
    assert (reached, sent) == ([], [])
