"""docs/cookies-and-csrf.md: the FastAPI and PathPolicies snippets protect writes."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.writes import APP, EVIL, run_snippet

ATTACK = {"Origin": EVIL, "Sec-Fetch-Site": "cross-site"}
OWN = {"Origin": APP, "Sec-Fetch-Site": "same-site"}


def test_fastapi_snippet() -> None:
    app = run_snippet("fastapi")["app"]
    ran: list[str] = []

    @app.post("/items")
    def create() -> str:
        ran.append("create")
        return "ok"

    client = TestClient(app)
    assert client.post("/items", headers=ATTACK).status_code == 403
    assert client.post("/items", headers=OWN).status_code == 200
    assert ran == ["create"]


def test_paths_snippet() -> None:
    app = run_snippet("paths")["app"]
    ran: list[str] = []

    @app.post("/{path:path}")
    def anything(path: str) -> str:
        ran.append(path)
        return "ok"

    client = TestClient(app)
    assert client.post("/newsletter/subscribe", headers=ATTACK).status_code == 200
    assert client.post("/newsletter/subscribe/", headers=ATTACK).status_code == 403
    assert client.post("/items", headers=ATTACK).status_code == 403
    assert ran == ["newsletter/subscribe"]
