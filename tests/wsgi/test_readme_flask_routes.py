"""The README's Flask per-route section: the snippet runs and does what the text says."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask

from tests.docs import section

SECTION = section("flask-routes")
SNIPPETS = re.findall(r"```python\n(.*?)```", SECTION, re.S)
APP = "https://app.example.com"
PARTNER = "https://partner.example.com"


def test_blueprint_and_view_policies() -> None:
    assert len(SNIPPETS) == 1
    namespace: dict[str, Any] = {"__name__": __name__}
    exec(compile(SNIPPETS[0], "README flask-routes section", "exec"), namespace)
    app = namespace["app"]
    assert isinstance(app, Flask)
    client = app.test_client()

    def allow_origin(path: str, origin: str) -> str | None:
        return client.get(path, headers={"Origin": origin}).headers.get(
            "Access-Control-Allow-Origin"
        )

    assert allow_origin("/partner/orders", PARTNER) == PARTNER
    assert allow_origin("/partner/orders", APP) is None
    assert allow_origin("/partner/widget.js", APP) == "*"
    assert allow_origin("/partner/widget.js", PARTNER) == "*"
    assert allow_origin("/elsewhere", APP) == APP
    preflight = {"Origin": PARTNER, "Access-Control-Request-Method": "POST"}
    response = client.options("/partner/orders", headers=preflight)
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    refused = client.options("/partner/orders", headers={**preflight, "Origin": APP})
    assert refused.status_code == 400


def test_the_migration_table_names_every_per_route_idiom() -> None:
    table = SECTION.split("| flask-cors | corecors |", 1)[1]
    for idiom in ("@cross_origin(origins=", "CORS(blueprint, origins=", "resources="):
        assert idiom in table
