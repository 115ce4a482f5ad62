"""The FastAPI soak app, served by uvicorn: ``tests.reliability.asgi_app:app``.

``SOAK_VARIANT`` picks the middleware: corecors, none (bare) or Starlette's own (peer).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, StreamingResponse

from . import config

app = FastAPI()


@app.get("/health")
async def health() -> PlainTextResponse:
    return PlainTextResponse("ok")


@app.get("/items")
async def items() -> JSONResponse:
    return JSONResponse(config.item_body(None), headers={"X-Total": "3"})


@app.put("/items")
async def put_item(request: Request) -> JSONResponse:
    payload: Any = await request.json()
    return JSONResponse(config.item_body(payload), headers={"X-Total": "3"})


@app.get("/vary")
async def vary() -> JSONResponse:
    return JSONResponse(config.item_body(None), headers={"Vary": "Accept-Encoding"})


@app.get("/boom")
async def boom() -> None:
    raise RuntimeError("the soak's raising route")


@app.get("/stream")
async def stream(long: int = 0) -> StreamingResponse:
    chunk, count = (
        (config.LONG_STREAM_CHUNK, config.LONG_STREAM_CHUNKS)
        if long
        else (config.STREAM_CHUNK, config.STREAM_CHUNKS)
    )

    async def body() -> AsyncIterator[bytes]:
        for _ in range(count):
            yield chunk

    return StreamingResponse(body(), media_type="application/octet-stream")


_variant = config.variant()
if _variant == "corecors":
    from corecors.adapters.asgi import CORSMiddleware

    app.add_middleware(CORSMiddleware, **config.corecors_options())
elif _variant == "peer":
    from starlette.middleware.cors import CORSMiddleware as StarletteCORS

    app.add_middleware(StarletteCORS, **config.corecors_options())
