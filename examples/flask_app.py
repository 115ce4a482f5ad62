"""The Items API in Flask, with corecors' Flask extension.

Run it alone: ``flask --app examples.flask_app run --port 8000`` (allows the
demo front end, http://localhost:3000), or ``make demo FRAMEWORK=flask``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import Flask, Response, jsonify, request

from corecors.adapters.flask import CORS

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
    parse_item,
)


def create_app(allow_origins: Sequence[str] = DEMO_ORIGINS) -> Flask:
    """The API, allowing ``allow_origins`` (exact origins or patterns) with credentials."""
    app = Flask(__name__)
    # corecors reads CORS_* keys from app.config (the CORSPolicy options, upper-cased).
    app.config.update(
        CORS_ALLOW_ORIGINS=list(allow_origins),
        CORS_ALLOW_CREDENTIALS=True,
        CORS_ALLOW_METHODS=list(ALLOW_METHODS),
        CORS_ALLOW_HEADERS=list(ALLOW_HEADERS),
        CORS_EXPOSE_HEADERS=list(EXPOSE_HEADERS),
    )
    CORS(app)
    store = ItemStore()
    sessions = Sessions()

    def counted(body: dict[str, Any], status: int = 200) -> tuple[Response, int]:
        response = jsonify(body)
        response.headers[COUNT_HEADER] = str(len(store))
        response.headers[BACKEND_HEADER] = "flask"
        return response, status

    @app.errorhandler(ItemError)
    def item_error(exc: ItemError) -> tuple[Response, int]:
        return jsonify(detail=exc.detail), exc.status

    @app.post("/items/")
    def create_item() -> tuple[Response, int]:
        return counted(store.create(parse_item(request.get_json(silent=True))), 201)

    @app.get("/items/<int:item_id>")
    def read_item(item_id: int) -> tuple[Response, int]:
        return counted(store.get(item_id))

    @app.put("/items/<int:item_id>")
    def update_item(item_id: int) -> tuple[Response, int]:
        return counted(store.update(parse_item(request.get_json(silent=True), item_id)))

    @app.delete("/items/<int:item_id>")
    def delete_item(item_id: int) -> tuple[Response, int]:
        return counted(store.delete(item_id))

    @app.post("/login")
    def login() -> Response:
        session = sessions.login(request.get_json(silent=True))
        response = jsonify(session)
        response.set_cookie(SESSION_COOKIE, session["token"], httponly=True, samesite="Lax")
        return response

    @app.get("/me")
    def me() -> Response:
        return jsonify(
            sessions.whoami(
                request.headers.get("Authorization"), request.cookies.get(SESSION_COOKIE)
            )
        )

    @app.get("/boom")
    def fail() -> Response:
        boom()
        return jsonify()  # never reached

    return app


app = create_app()
