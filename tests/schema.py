"""What the options-schema tests share: a value for every option, and a probe of the
keywords an adapter accepts (tests/*/test_options_schema.py).

A new option in ``corecors.engine.SCHEMA`` needs an entry in :data:`EXAMPLES`
(tests/engine/test_options_schema.py fails until it has one); every adapter's test
then checks that the adapter accepts it and that it reaches the policy.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable
from typing import Any

from corecors import CORSConfigError, CORSPolicy
from corecors.engine import OPTION_NAMES, SCHEMA


def allow_partner(origin: str) -> bool:
    """An ``allow_origin_func``."""
    return origin == "https://partner.example.org"


#: A valid value for each option that is not its default.
EXAMPLES: dict[str, Any] = {
    "allow_origins": ["https://app.example.com"],
    "allow_origin_regex": [r"https://[a-z]+\.example\.com"],
    "allow_origin_func": allow_partner,
    "allow_methods": ["GET", "PUT"],
    "allow_headers": ["x-token"],
    "allow_credentials": True,
    "expose_headers": ["x-total"],
    "max_age": 120,
    "allow_private_network": True,
    "origin_cache_ttl": 5.0,
    "origin_lookup_timeout": 1.0,
    "protect_writes": True,
}

#: Every adapter's own keywords (each adapter accepts some of them), with a valid value.
EXTRAS: dict[str, Any] = {
    "policy": CORSPolicy(allow_origins=["https://app.example.com"]),
    "check_websocket_origin": True,
    "debug": True,
}

#: Names no adapter accepts: CORSPolicy's adapter-set keyword, a near miss, flask-cors'.
REFUSED: dict[str, Any] = {"vocabulary": str.upper, "allow_origin": ["*"], "origins": ["*"]}


def normalised(name: str) -> object:
    """What ``CORSPolicy.options[name]`` holds for :data:`EXAMPLES`' value."""
    return CORSPolicy(**{name: EXAMPLES[name]}).options[name]


def accepted(build: Callable[..., object]) -> set[str]:
    """The names ``build(name=value)`` accepts, among the schema's options, every
    adapter's extras and :data:`REFUSED`: a name is refused when building raises
    :class:`CORSConfigError` or ``TypeError``."""
    names = set()
    for name, value in {**EXAMPLES, **EXTRAS, **REFUSED}.items():
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                build(**{name: value})
        except (CORSConfigError, TypeError):
            continue
        names.add(name)
    return names


def explicit_defaults(callable_: Callable[..., Any]) -> dict[str, object]:
    """The schema's options among a signature's parameters: name -> default, in order."""
    parameters = inspect.signature(callable_).parameters
    return {name: p.default for name, p in parameters.items() if name in OPTION_NAMES}


def schema_defaults() -> dict[str, object]:
    """The schema's options: name -> default, in the schema's order."""
    return {option.name: option.default for option in SCHEMA}
