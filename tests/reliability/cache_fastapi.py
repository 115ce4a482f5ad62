"""The cacheable FastAPI app behind the ASGI adapter: ``tests.reliability.cache_fastapi:app``."""

from fastapi import FastAPI, Request
from fastapi.responses import Response

from corecors.adapters.asgi import CORSMiddleware

from .cache_apps import BODY, HEADERS, POLICIES

app = FastAPI()


@app.get("/health")
async def health() -> Response:
    return Response(b"ok", media_type="text/plain")


@app.get("/broken/{rest:path}")
async def broken(rest: str, request: Request) -> Response:
    """No CORS policy covers this path: reflects any Origin and forgets Vary (the classic bug)."""
    headers = dict(HEADERS)
    if "origin" in request.headers:
        headers["Access-Control-Allow-Origin"] = request.headers["origin"]
    return Response(BODY, media_type="application/json", headers=headers)


@app.get("/{rest:path}")
async def cached(rest: str) -> Response:
    return Response(BODY, media_type="application/json", headers=HEADERS)


app.add_middleware(CORSMiddleware, policy=POLICIES)
