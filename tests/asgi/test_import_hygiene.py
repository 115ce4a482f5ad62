"""``import corecors.adapters.asgi`` needs no framework: it is pure ASGI."""

from __future__ import annotations

from tests.blocked_imports import run_without

BLOCKED = ("starlette", "fastapi", "django", "flask", "anyio", "pydantic")

SCRIPT = """
    import asyncio

    from corecors.adapters.asgi import CORSMiddleware

    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"hand-written"})

    sent = []

    async def receive():
        return {"type": "http.request", "body": b""}

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "headers": [(b"origin", b"https://app.example.com")],
    }
    middleware = CORSMiddleware(app, allow_origins=["https://app.example.com"])
    asyncio.run(middleware(scope, receive, send))
    assert sent[0]["headers"] == [
        (b"access-control-allow-origin", b"https://app.example.com"),
        (b"vary", b"Origin"),
    ], sent
    assert sent[1]["body"] == b"hand-written"
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED)
    assert not loaded, loaded
    print("ok")
    """


def test_the_asgi_adapter_imports_no_framework() -> None:
    result = run_without(BLOCKED, SCRIPT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
