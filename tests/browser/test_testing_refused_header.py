"""corecors.testing names the request header a refused preflight did not allow."""

from __future__ import annotations

import pytest
from flask import Flask

from corecors.adapters.flask import CORS
from corecors.testing import assert_cors_allowed


def test_the_failure_names_the_refused_header() -> None:
    app = Flask(__name__)
    app.add_url_rule("/items", "items", lambda: "ok", methods=["GET", "PUT"])
    CORS(app, allow_origins=["https://app.example"], allow_methods=["PUT"], allow_headers=["x-a"])
    with pytest.raises(AssertionError) as failure:
        assert_cors_allowed(
            app.test_client(),
            "/items",
            origin="https://app.example",
            method="PUT",
            headers=[("X-A", "1"), ("X-Tenant", "t"), ("Content-Type", "text/plain")],
        )
    assert failure.value.args[0].endswith("The request headers the server refused: x-tenant")
