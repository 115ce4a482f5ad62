"""The warning catalogue: configurations that work but are risky (codes in ``errors.CODES``).

Beside ``options``, which calls these while it checks each option.
"""

from __future__ import annotations

from ._errors import ConfigProblem
from ._origins import DEFAULT_PORTS, OriginSpec


def star_with_credentials() -> ConfigProblem:
    """W001: "*" together with credentials."""
    return ConfigProblem.templated(
        "W001",
        "allow_origins",
        ["*"],
        "'*' cannot be combined with credentials: browsers reject it, and reflecting the "
        "request's origin instead would let any website read your users' data, so corecors "
        "answers 'Access-Control-Allow-Origin: *' without credentials",
        "list your front end's origins, e.g. {allow_origins}=['https://app.example.com'] "
        "(in development: ['http://localhost:*'])",
    )


def null_with_credentials(value: str) -> ConfigProblem:
    """W002: "null" together with credentials."""
    return ConfigProblem(
        "W002",
        "allow_origins",
        value,
        "any page can send 'Origin: null' (sandboxed iframes, data: URLs), so this lets "
        "any website read your users' data",
        "remove 'null' unless you really serve a sandboxed or file: front end",
    )


def plain_http_with_credentials(value: str, spec: OriginSpec) -> ConfigProblem:
    """W003: a plain-http origin (not local) together with credentials."""
    scheme = "https" if spec.scheme == "http" else "wss"
    # "http://host:443" becomes "https://host", not "https://host:443".
    port = "" if spec.port == DEFAULT_PORTS[scheme] else spec.port
    secure = spec._replace(scheme=scheme, port=port)
    return ConfigProblem(
        "W003",
        "allow_origins",
        value,
        "a plain-http origin can be impersonated on the network, and it is allowed with "
        "credentials",
        f"use {secure.serialise()!r}",
    )
