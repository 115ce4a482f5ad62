"""A Flask app whose view raises, for the Troubleshooting row on ``flask run --debug``.

Served by ``flask --app tests.e2e.troubleshooting_flask run --debug``; the page's
origin comes from ``CORECORS_PAGE_ORIGIN``.
"""

from __future__ import annotations

import os

from flask import Flask

from corecors.adapters.flask import CORS

app = Flask(__name__)
CORS(app, allow_origins=[os.environ.get("CORECORS_PAGE_ORIGIN", "http://localhost:8000")])


@app.get("/boom")
def boom() -> str:
    return str(1 / 0)
