"""docs/cookies-and-csrf.md: the Flask snippet protects writes and exempts one view."""

from __future__ import annotations

from tests.writes import APP, EVIL, run_snippet

ATTACK = {"Origin": EVIL, "Sec-Fetch-Site": "cross-site"}


def test_flask_snippet() -> None:
    app = run_snippet("flask")["app"]
    ran: list[str] = []

    @app.post("/items")
    def create() -> str:
        ran.append("create")
        return "ok"

    client = app.test_client()
    assert client.post("/items", headers=ATTACK).status_code == 403
    own = {"Origin": APP, "Sec-Fetch-Site": "same-site"}
    assert client.post("/items", headers=own).status_code == 200
    response = client.post("/newsletter/subscribe", headers=ATTACK)
    assert response.status_code == 200
    assert response.text == "subscribed"
    assert ran == ["create"]
