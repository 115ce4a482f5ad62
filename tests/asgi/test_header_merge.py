"""The ASGI middleware's response headers: names in any case, its own memo, and its
``bytes`` merge proven equivalent to the ``str`` one (``apply_decision``)."""

from __future__ import annotations

import asyncio
import warnings
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corecors import CORSConfigWarning, CORSPolicy
from corecors.adapters import _asgi_headers, asgi
from corecors.adapters._asgi_headers import merge_raw
from corecors.adapters.asgi import CORSMiddleware
from corecors.engine import Memo, apply_decision

from .test_middleware import APP, EVIL, request, responder

MIXED_CASE = (
    (b"Content-Type", b"text/html; charset=utf-8"),
    (b"Vary", b"Accept-Encoding"),
    (b"Access-Control-Allow-Origin", b"*"),
    (b"ACCESS-CONTROL-EXPOSE-HEADERS", b"X-Own"),
)


def folded(headers: list[tuple[bytes, bytes]], name: bytes) -> list[bytes]:
    return [value for key, value in headers if key.lower() == name]


@pytest.mark.parametrize("twice", [False, True], ids=["first", "learned"])
def test_mixed_case_response_names_get_one_grant_and_one_vary(twice: bool) -> None:
    # Django's ASGI handler sends b"Vary"; newrelic-python-agent #1011: two
    # Access-Control-Allow-Origin lines and two Vary lines, and the browser fails.
    app = CORSMiddleware(responder(*MIXED_CASE), allow_origins=[APP], expose_headers=["X-Total"])
    for _ in range(2 if twice else 1):  # the second time, the names are known
        _, headers, _ = request(app, "GET", [(b"origin", APP.encode())])
    assert folded(headers, b"access-control-allow-origin") == [APP.encode()]
    assert folded(headers, b"access-control-expose-headers") == [b"X-Total"]
    assert folded(headers, b"vary") == [b"Accept-Encoding, Origin"]
    assert folded(headers, b"content-type") == [b"text/html; charset=utf-8"]
    _, refused, _ = request(app, "GET", [(b"origin", EVIL.encode())])  # the app's own answer
    assert folded(refused, b"access-control-allow-origin") == [b"*"]
    assert folded(refused, b"vary") == [b"Accept-Encoding, Origin"]


def test_answers_live_in_a_memo_of_their_own() -> None:
    # ASGI wrote bytes keys into the policy's memo: each origin twice, half the room.
    policy = CORSPolicy(allow_origins=[APP])
    app = CORSMiddleware(responder(), policy=policy)
    for _ in range(3):
        request(app, "GET", [(b"origin", APP.encode())])
        request(
            app, "OPTIONS", [(b"origin", APP.encode()), (b"access-control-request-method", b"GET")]
        )
    assert policy.memo is not None
    assert all(not isinstance(key, bytes) for key in policy.memo.entries)
    assert not any(
        isinstance(key, tuple) and any(isinstance(part, bytes) for part in key)
        for key in policy.memo.entries
    )
    answers = app._router.only
    assert answers is not None
    assert len(answers.entries) == 3  # origin, preflight, its parts


NAMES = st.sampled_from(
    [
        *("Vary", "vary", "VARY", "Content-Type", "X-Other", "Set-Cookie"),
        *("Access-Control-Allow-Origin", "access-control-allow-credentials"),
        *("Access-Control-Expose-Headers", "ACCESS-CONTROL-ALLOW-ORIGIN"),
    ]
)
VALUES = st.sampled_from(
    ["", "*", "Origin", "origin, Cookie", "Accept-Encoding,", " , ", "X-A, x-b", "text/plain"]
)
POLICIES = st.builds(
    dict,
    allow_origins=st.sampled_from([[APP], ["*"], [APP, "*"]]),
    allow_credentials=st.booleans(),
    expose_headers=st.sampled_from([[], ["X-Total"]]),
)


@given(
    headers=st.lists(st.tuples(NAMES, VALUES), max_size=6),
    options=POLICIES,
    origin=st.sampled_from([None, APP, EVIL]),
)
def test_the_bytes_merge_is_the_str_merge(
    headers: list[tuple[str, str]], options: dict[str, Any], origin: str | None
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CORSConfigWarning)
        decision = CORSPolicy(**options).decide("GET", origin)
    expected = apply_decision(headers, decision)
    raw = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers]
    grants = tuple((n.lower().encode("latin-1"), v.encode("latin-1")) for n, v in decision.headers)
    got = merge_raw(raw, grants, ", ".join(decision.vary).encode("latin-1"))
    # The same pairs in the same order; names compared without case (ASGI adds lower case).
    assert [(n.lower(), v) for n, v in got] == [
        (n.lower().encode("latin-1"), v.encode("latin-1")) for n, v in expected
    ]


def test_the_learned_names_stay_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Memo, "LIMIT", 8)
    monkeypatch.setattr(_asgi_headers, "ORDINARY", set())
    monkeypatch.setattr(asgi, "ORDINARY", _asgi_headers.ORDINARY)
    for i in range(20):
        own = ((f"X-Name-{i}".encode(), b"1"), (b"Vary", b"Cookie"))
        app = CORSMiddleware(responder(*own), allow_origins=[APP])
        _, headers, _ = request(app, "GET", [(b"origin", APP.encode())])
        assert folded(headers, b"vary") == [b"Cookie, Origin"]
        assert len(_asgi_headers.ORDINARY) <= 8


def test_a_flood_of_huge_preflights_is_decided_once() -> None:
    # Too big to hash as they are, they are remembered by the values cut to one
    # byte over the core's limits, which is all the core decides on.
    policy = CORSPolicy(allow_origins=[APP], allow_headers=["X-A"])
    app = CORSMiddleware(responder(), policy=policy)
    answers = app._router.only
    assert answers is not None
    decided: list[str] = []

    class Counting:
        def preflight(self, *args: Any) -> Any:
            decided.append("preflight")
            return policy.preflight(*args)

    answers.policy = Counting()  # type: ignore[assignment]
    for tail in (b"x-b", b"x-c", b"x-d"):
        huge = b"x-a," * (1 << 16) + tail  # 256 KiB, differing only past the cut
        status, _, body = request(
            app,
            "OPTIONS",
            [
                (b"origin", APP.encode()),
                (b"access-control-request-method", b"GET"),
                (b"access-control-request-headers", huge),
            ],
        )
        assert status == 400
        assert body.startswith(b"CORS preflight refused")
    assert decided == ["preflight"]


@pytest.mark.parametrize("method", ["GET", "OPTIONS"])  # OPTIONS without a method: not a preflight
def test_request_headers_given_as_an_iterator_are_read_once(method: str) -> None:
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    app = CORSMiddleware(responder(), allow_origins=[APP])
    headers = iter([(b"origin", APP.encode())])  # ASGI asks for an iterable, no more
    scope = {"type": "http", "method": method, "path": "/", "headers": headers}
    asyncio.run(app(scope, receive, send))
    assert (b"access-control-allow-origin", APP.encode()) in sent[0]["headers"]


def test_kept_function_answers_live_in_the_adapters_memo_too() -> None:
    # allow_origin_func: the kept answers (with the lookup's generation and expiry)
    # were written into the policy's memo under (bytes, host) tuple keys.
    calls: list[str] = []

    def allowed(origin: str) -> bool:
        calls.append(origin)
        return origin == APP

    policy = CORSPolicy(allow_origin_func=allowed)
    app = CORSMiddleware(responder(), policy=policy)
    preflight = [(b"origin", APP.encode()), (b"access-control-request-method", b"GET")]
    for _ in range(3):
        _, headers, _ = request(app, "GET", [(b"origin", APP.encode())])
        assert folded(headers, b"access-control-allow-origin") == [APP.encode()]
        assert request(app, "OPTIONS", preflight)[0] == 200
    assert calls == [APP]  # asked once, then kept
    assert all(
        isinstance(key, str | int) or not any(isinstance(part, bytes) for part in key)
        for key in policy.memo.entries
    )
    answers = app._router.only
    assert answers is not None
    kept = [key for key in answers.entries if isinstance(key, tuple) and key[-1] is None]
    assert sorted(len(key) for key in kept) == [2, 5]  # (origin, host), (*preflight, host)
    app.invalidate(APP)  # a new generation: the kept answers are not used again
    request(app, "GET", [(b"origin", APP.encode())])
    assert calls == [APP, APP]
