"""The cacheable Flask app behind the WSGI adapter: ``tests.reliability.cache_flask:app``."""

from flask import Flask, Response, request

from corecors.adapters.flask import CORS

from .cache_apps import BODY, HEADERS, POLICIES

app = Flask(__name__)


@app.get("/health")
def health() -> str:
    return "ok"


@app.get("/broken/<path:rest>")
def broken(rest: str) -> Response:
    """No CORS middleware here: reflects any Origin and forgets Vary (the classic bug)."""
    response = Response(BODY, mimetype="application/json", headers=HEADERS)
    if "Origin" in request.headers:
        response.headers["Access-Control-Allow-Origin"] = request.headers["Origin"]
    return response


@app.get("/<path:rest>")
def cached(rest: str) -> Response:
    return Response(BODY, mimetype="application/json", headers=HEADERS)


CORS(app, policy=POLICIES)
