"""The WSGI middleware and Flask against the options schema: each accepts exactly the
schema's options plus its own (WSGI: ``policy``, ``debug``; Flask's ``CORS`` and
``cross_origin``: ``policy``), Flask's ``app.config`` keys are the schema's, and every
option reaches the policy whichever way it is given."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest
from flask import Flask

from corecors import CORSPolicy
from corecors.adapters import wsgi
from corecors.adapters.flask import CONFIG_KEYS, CORS, cross_origin
from corecors.engine import OPTION_NAMES
from tests.schema import EXAMPLES, accepted, normalised


def app(environ: Any, start_response: Any) -> Iterable[bytes]:
    """Never called."""
    return [b""]


def test_wsgi_accepts_exactly_the_schema_and_its_own() -> None:
    names = accepted(lambda **kw: wsgi.CORSMiddleware(app, **kw))
    assert names == {*OPTION_NAMES, "policy", "debug"}


def test_flask_cors_and_cross_origin_accept_exactly_the_schema_and_policy() -> None:
    assert accepted(lambda **kw: CORS(Flask(__name__), **kw)) == {*OPTION_NAMES, "policy"}
    assert accepted(lambda **kw: cross_origin(**kw)) == {*OPTION_NAMES, "policy"}


def test_flask_config_keys_are_the_schema_upper_cased() -> None:
    expected = {f"CORS_{name.upper()}": name for name in ("policy", *OPTION_NAMES)}
    assert expected == CONFIG_KEYS


@pytest.mark.parametrize("name", OPTION_NAMES)
def test_each_option_reaches_the_policy(name: str) -> None:
    value = EXAMPLES[name]
    assert wsgi.CORSMiddleware(app, **{name: value}).policy.options[name] == normalised(name)  # type: ignore[union-attr]
    by_keyword = CORS(**{name: value}).resolve({})
    by_config = CORS().resolve({f"CORS_{name.upper()}": value})
    for policy in (by_keyword, by_config):
        assert isinstance(policy, CORSPolicy)
        assert policy.options[name] == normalised(name)
