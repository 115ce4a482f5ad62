"""Configuration warnings point at the user's line, not corecors' own (corecors.engine._stack)."""

from __future__ import annotations

import pytest
from flask import Flask
from starlette.applications import Starlette

from corecors import CORSConfigWarning, CORSPolicy
from corecors.adapters.asgi import CORSMiddleware
from corecors.adapters.flask import CORS
from corecors.engine._stack import PREFIXES, user_stacklevel

RISKY = {"allow_origins": ["*"], "allow_credentials": True}


@pytest.mark.parametrize(
    "build",
    [
        lambda: CORSPolicy(**RISKY),
        lambda: CORSMiddleware(Starlette(), **RISKY),
        lambda: CORS(Flask(__name__), **RISKY),
    ],
    ids=["CORSPolicy", "asgi.CORSMiddleware", "flask.CORS"],
)
def test_the_warning_names_this_file(build: object) -> None:
    with pytest.warns(CORSConfigWarning) as caught:
        build()  # type: ignore[operator]
    assert [w.filename for w in caught if w.category is CORSConfigWarning] == [__file__]


def test_the_prefixes_are_corecors_and_its_adapters() -> None:
    assert any(prefix.endswith(("/corecors/", "/adapters/")) for prefix in PREFIXES)
    assert len(PREFIXES) == 2


def test_outside_corecors_the_level_is_the_caller() -> None:
    def warn_here() -> int:
        return user_stacklevel()

    assert warn_here() == 1
