"""The warning catalogue: configurations that work but are risky (codes in ``errors.CODES``).

Beside ``options``, which calls these while it checks each option.
"""

from __future__ import annotations

from ._errors import ConfigProblem
from ._origins import DEFAULT_PORTS, OriginSpec
from ._suffixes import public_suffix


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


def public_suffix_problem(
    option: str, value: object, shown: str, base: str, scheme: str, credentials: bool
) -> ConfigProblem | None:
    """E003 for a pattern or regex (``shown``, as written) that allows every host under
    ``base`` when ``base`` is an ICANN public suffix (``*.co.uk``); W006 when it is a
    private one (``*.github.io``: anyone can create a site there) and credentials are
    allowed; else None. Parses the Public Suffix List on its first call."""
    suffix = public_suffix(base)
    if not suffix.listed or suffix.name != base.lower().removesuffix("."):
        return None  # a registrable domain (or an unlisted top-level name such as localhost)
    regex = option == "allow_origin_regex"
    escaped = suffix.name.replace(".", "\\.")
    if not suffix.private:
        own = (
            rf"r'{scheme}://[a-z0-9-]+\.example\.{escaped}'"
            if regex
            else (f"{scheme}://*.example.{suffix.name}")
        )
        return ConfigProblem(
            "E003",
            option,
            value,
            f"{shown} matches every site registered under {suffix.name!r}, a public suffix "
            "(Public Suffix List): anyone can register one",
            f"list your own domain under it, e.g. {own}",
        )
    if not credentials:
        return None
    own = (
        rf"{{allow_origin_regex}}=r'{scheme}://your-app\.{escaped}'"
        if regex
        else (f"{{allow_origins}}=['{scheme}://your-app.{suffix.name}']")
    )
    shown = shown.replace("{", "{{").replace("}", "}}")  # a regex's braces, in a template
    return ConfigProblem.templated(
        "W006",
        option,
        value,
        f"{shown} matches every site under {suffix.name!r}, where anyone can create one "
        "(a private suffix of the Public Suffix List), and {allow_credentials} is on: any "
        "of those sites can read your users' data with their cookies",
        f"list your own sites only, e.g. {own}",
    )
