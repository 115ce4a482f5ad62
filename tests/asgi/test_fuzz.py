"""The fuzz/property suite (tests/fuzzing.py) through the ASGI adapter, Starlette's TestClient.

The application sends one prebuilt ``http.response.start`` message for every
request: the adapter must never write a grant into it.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from starlette.testclient import TestClient

from corecors.adapters.asgi import CORSMiddleware

from ..fuzzing import APP_VARY, FUZZ, POLICY, Sent, check, requests

SHARED_START: dict[str, Any] = {
    "type": "http.response.start",
    "status": 200,
    "headers": [(b"vary", APP_VARY.encode()), (b"content-type", b"text/plain")],
}
reached: list[str] = []


async def shared(scope: dict[str, Any], receive: Any, send: Any) -> None:
    reached.append(scope["method"])
    await send(SHARED_START)
    await send({"type": "http.response.body", "body": b"shared"})


client = TestClient(CORSMiddleware(shared, policy=POLICY))


@FUZZ
@given(st.lists(requests(), min_size=1, max_size=3))
def test_hostile_requests_keep_the_invariants(batch: list[Sent]) -> None:
    for sent in batch:
        reached.clear()
        headers = {name: value.encode("latin-1") for name, value in sent.headers().items()}
        response = client.request(sent.method, "/", headers=headers)
        check(POLICY, sent, response.status_code, response.headers.multi_items(), bool(reached))
    assert SHARED_START["headers"] == [(b"vary", b"Cookie"), (b"content-type", b"text/plain")]
