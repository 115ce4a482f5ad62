"""The README's per-router section (ASGI): its snippets run and do what the text says."""

from __future__ import annotations

import re
from typing import Any

from starlette.testclient import TestClient

from tests.docs import section

SECTION = section("asgi-routes")
SNIPPETS = re.findall(r"```python\n(.*?)```", SECTION, re.S)
APP = "https://app.example.com"
PARTNER = "https://partner.example.com"


def run(snippet: str) -> Any:
    namespace: dict[str, Any] = {"__name__": __name__}
    exec(compile(snippet, "README asgi-routes section", "exec"), namespace)
    return namespace


def allow_origin(client: TestClient, path: str, origin: str) -> str | None:
    return client.get(path, headers={"Origin": origin}).headers.get("access-control-allow-origin")


def test_router_and_route_rules() -> None:
    assert len(SNIPPETS) == 2
    client = TestClient(run(SNIPPETS[0])["app"])
    assert allow_origin(client, "/partner/orders", PARTNER) == PARTNER
    assert (
        client.get("/partner/orders", headers={"Origin": PARTNER}).headers[
            "access-control-allow-credentials"
        ]
        == "true"
    )
    assert allow_origin(client, "/partner/orders", APP) is None  # the router's policy replaces
    assert allow_origin(client, "/partner/widget.js", APP) == "*"  # the route's, listed first
    assert allow_origin(client, "/elsewhere", APP) == APP
    preflight = {"Origin": PARTNER, "Access-Control-Request-Method": "GET"}
    assert client.options("/partner/orders", headers=preflight).status_code == 200


def test_mounted_app_rules_are_relative_to_the_mount() -> None:
    client = TestClient(run(SNIPPETS[1])["app"])
    items = client.get("/v1/items/1", headers={"Origin": PARTNER})
    assert items.headers.get_list("access-control-allow-origin") == [PARTNER]
    assert items.headers["vary"] == "Origin"  # one middleware answered, not two
    assert allow_origin(client, "/v1/items/1", APP) is None
    assert allow_origin(client, "/elsewhere", APP) == APP
