"""The Items API in FastAPI, with corecors' ASGI middleware.

Run it alone: ``uvicorn examples.fastapi_app:app --port 8000`` (allows the
demo front end, http://localhost:3000), or ``make demo``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import Cookie, FastAPI, Header, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from corecors.adapters.asgi import CORSMiddleware

from .items import (
    ALLOW_HEADERS,
    ALLOW_METHODS,
    BACKEND_HEADER,
    COUNT_HEADER,
    DEMO_ORIGINS,
    EXPOSE_HEADERS,
    SESSION_COOKIE,
    ItemError,
    ItemStore,
    Sessions,
    boom,
)


class Item(BaseModel):
    # strict: "1" is not an id and 5 is not a name, as in the Flask and Django apps.
    model_config = ConfigDict(strict=True)
    id: int
    name: str = Field(min_length=1)
    description: str = ""


class ItemFields(BaseModel):
    """The body of ``PUT /items/{id}``: the id comes from the URL."""

    model_config = ConfigDict(strict=True)
    name: str = Field(min_length=1)
    description: str = ""


class Login(BaseModel):
    username: str = Field(default="demo", min_length=1)


def create_app(allow_origins: Sequence[str] = DEMO_ORIGINS) -> FastAPI:
    """The API, allowing ``allow_origins`` (exact origins or patterns) with credentials."""
    app = FastAPI(title="Items API (corecors demo)")
    # The same keyword arguments as Starlette's CORSMiddleware: switching is one import.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(allow_origins),
        allow_credentials=True,
        allow_methods=list(ALLOW_METHODS),
        allow_headers=list(ALLOW_HEADERS),
        expose_headers=list(EXPOSE_HEADERS),
    )
    store = ItemStore()
    sessions = Sessions()

    def counted(response: Response) -> None:
        response.headers[COUNT_HEADER] = str(len(store))
        response.headers[BACKEND_HEADER] = "fastapi"

    @app.exception_handler(ItemError)
    async def item_error(request: Request, exc: ItemError) -> JSONResponse:
        return JSONResponse({"detail": exc.detail}, status_code=exc.status)

    @app.post("/items/", status_code=201)
    def create_item(item: Item, response: Response) -> dict[str, Any]:
        created = store.create(item.model_dump())
        counted(response)
        return created

    @app.get("/items/{item_id}")
    def read_item(item_id: int, response: Response) -> dict[str, Any]:
        item = store.get(item_id)
        counted(response)
        return item

    @app.put("/items/{item_id}")
    def update_item(item_id: int, fields: ItemFields, response: Response) -> dict[str, Any]:
        item = store.update({"id": item_id, **fields.model_dump()})
        counted(response)
        return item

    @app.delete("/items/{item_id}")
    def delete_item(item_id: int, response: Response) -> dict[str, Any]:
        deleted = store.delete(item_id)
        counted(response)
        return deleted

    @app.post("/login")
    def login(response: Response, body: Login | None = None) -> dict[str, str]:
        session = sessions.login((body or Login()).model_dump())
        response.set_cookie(SESSION_COOKIE, session["token"], httponly=True, samesite="lax")
        return session

    @app.get("/me")
    def me(
        authorization: str | None = Header(default=None),
        demo_session: str | None = Cookie(default=None),
    ) -> dict[str, str]:
        return sessions.whoami(authorization, demo_session)

    @app.get("/boom")
    def fail() -> None:
        boom()

    return app


app = create_app()
