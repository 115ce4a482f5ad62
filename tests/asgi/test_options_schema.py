"""The ASGI middleware and the options schema: its written-out signature (Starlette's
names, order and defaults first) equals the schema, and it accepts exactly the
schema's options plus its own (``policy``, ``check_websocket_origin``, ``debug``)."""

from __future__ import annotations

import inspect

import pytest

from corecors import CORSConfigError
from corecors.adapters.asgi import CORSMiddleware
from corecors.engine import OPTION_NAMES
from tests.schema import EXAMPLES, accepted, explicit_defaults, normalised, schema_defaults

OWN = {"policy", "check_websocket_origin", "debug"}


async def app(scope: object, receive: object, send: object) -> None:
    """Never called."""


def test_signature_is_the_schema_plus_its_own() -> None:
    parameters = inspect.signature(CORSMiddleware).parameters
    named = {name for name, p in parameters.items() if p.kind is not p.VAR_KEYWORD}
    assert named == {"app", *OPTION_NAMES, *OWN}
    assert dict(sorted(explicit_defaults(CORSMiddleware).items())) == dict(
        sorted(schema_defaults().items())
    )
    for name in OPTION_NAMES:
        assert type(parameters[name].default) is type(schema_defaults()[name]), name


def test_accepts_exactly_the_schema_and_its_own() -> None:
    assert accepted(lambda **kw: CORSMiddleware(app, **kw)) == {*OPTION_NAMES, *OWN}


@pytest.mark.parametrize("name", OPTION_NAMES)
def test_each_option_reaches_the_policy(name: str) -> None:
    middleware = CORSMiddleware(app, **{name: EXAMPLES[name]})
    assert middleware.policy.options[name] == normalised(name)  # type: ignore[union-attr]


def test_a_misspelled_keyword_is_a_config_error_naming_the_option() -> None:
    # Not a TypeError: Starlette builds the middleware lazily, and uvicorn would then
    # serve 500s instead of failing the start-up.
    with pytest.raises(CORSConfigError, match=r"protect_write=True: .*rename it protect_writes"):
        CORSMiddleware(app, protect_write=True)
