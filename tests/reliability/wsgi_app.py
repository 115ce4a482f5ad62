"""The Flask soak app, served by gunicorn: ``tests.reliability.wsgi_app:app``.

``SOAK_VARIANT`` picks the middleware: corecors, none (bare) or flask-cors (peer).
"""

from __future__ import annotations

from collections.abc import Iterator

from flask import Flask, Response, jsonify, request

from . import config

app = Flask(__name__)


@app.get("/health")
def health() -> str:
    return "ok"


@app.get("/items")
def items() -> Response:
    response = jsonify(config.item_body(None))
    response.headers["X-Total"] = "3"
    return response


@app.put("/items")
def put_item() -> Response:
    response = jsonify(config.item_body(request.get_json()))
    response.headers["X-Total"] = "3"
    return response


@app.get("/vary")
def vary() -> Response:
    response = jsonify(config.item_body(None))
    response.headers["Vary"] = "Accept-Encoding"
    return response


@app.get("/boom")
def boom() -> Response:
    raise RuntimeError("the soak's raising route")


@app.get("/stream")
def stream() -> Response:
    long = request.args.get("long") == "1"
    chunk, count = (
        (config.LONG_STREAM_CHUNK, config.LONG_STREAM_CHUNKS)
        if long
        else (config.STREAM_CHUNK, config.STREAM_CHUNKS)
    )

    def body() -> Iterator[bytes]:
        for _ in range(count):
            yield chunk

    return Response(body(), mimetype="application/octet-stream")


_variant = config.variant()
if _variant == "corecors":
    from corecors.adapters.flask import CORS

    CORS(app, **config.corecors_options())
elif _variant == "peer":
    from flask_cors import CORS as FlaskCORS

    FlaskCORS(
        app,
        origins=list(config.ALLOWED),
        supports_credentials=True,
        methods=config.METHODS,
        allow_headers=config.HEADERS,
        expose_headers=config.EXPOSE,
        max_age=config.MAX_AGE,
    )
