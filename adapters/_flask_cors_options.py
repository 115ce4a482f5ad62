"""flask-cors' options translated onto corecors (no Flask needed; used by ``flask_cors``).

:func:`policy_options` turns one flask-cors option set (its defaults, then
``app.config``'s ``CORS_*`` keys, then keyword arguments, then a resource's own
options) into :class:`corecors.CORSPolicy` keyword arguments, and
:func:`parse_resources` turns ``resources=`` into the ``(pattern, options)``
rules of a :class:`corecors.PathPolicies`.

What flask-cors did that is unsafe is not translated; each such use is logged
once per process at WARNING on the ``corecors`` logger with the corecors
spelling (:data:`DIFFERENCES`, docs/migrating-from-flask-cors.md):

- ``"*"`` with ``supports_credentials=True`` never reflects the request's
  origin (it answers ``*`` without credentials);
- origin regexes match the whole origin (``re.fullmatch``), never a prefix;
- ``resources`` patterns match case-sensitively the path as Flask routes it
  (no ``+``-to-space decoding), from its start;
- header names are never regexes; ``vary_header=False``,
  ``intercept_exceptions=False`` and ``automatic_options=False`` have no
  effect; ``always_send`` without ``"*"`` neither (not logged: it is the default).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from corecors import ConfigProblem, CORSConfigError
from corecors.engine import FLASK_CORS_WILDCARD

logger = logging.getLogger("corecors")

ALL_METHODS = ["GET", "HEAD", "POST", "OPTIONS", "PUT", "PATCH", "DELETE"]
#: flask-cors' defaults (flask-cors 5): every origin, method and header.
DEFAULTS: dict[str, Any] = {
    "origins": "*",
    "methods": ALL_METHODS,
    "allow_headers": "*",
    "expose_headers": None,
    "supports_credentials": False,
    "max_age": None,
    "send_wildcard": False,
    "automatic_options": True,
    "subdomains": "origins %r matches subdomains only (flask-cors also let evilexample.com "
    "through); the corecors spelling: allow_origins=['https://*.example.com']",
    "vary_header": True,
    "resources": r"/*",
    "intercept_exceptions": True,
    "always_send": True,
    "allow_private_network": False,
}
#: ``app.config`` key -> flask-cors option.
CONFIG_KEYS = {f"CORS_{name.upper()}": name for name in DEFAULTS}
#: flask-cors option -> the corecors keyword it becomes (for error messages).
KEYWORDS = {
    "allow_origins": "origins",
    "allow_origin_regex": "origins",
    "allow_origin_func": "origins",
    "allow_methods": "methods",
    "allow_credentials": "supports_credentials",
}
# Characters flask-cors took as a sign that a string is a regex.
_REGEX_SIGNS = frozenset("*\\]?$^[()")

#: Each deliberate difference: its log line (with the corecors spelling).
DIFFERENCES: dict[str, str] = {
    "star_credentials": "origins='*' with supports_credentials=True: corecors never reflects "
    "the request's origin with credentials and answers '*' without them; list the front "
    "ends: CORS(app, allow_origins=['https://app.example.com'], allow_credentials=True)",
    "regex_header": "allow_headers %r is a regex: header names are matched literally, so "
    "it allows nothing; list the names: allow_headers=['X-Company-Id'] (or '*')",
    "subdomains": "origins %r matches subdomains only (flask-cors also let evilexample.com "
    "through); the corecors spelling: allow_origins=['https://*.example.com']",
    "vary_header": "vary_header=False is ignored: Vary: Origin is sent whenever the answer "
    "depends on the origin (a cache would serve one origin's answer to another)",
    "intercept_exceptions": "intercept_exceptions=False is ignored: error pages get the CORS "
    "headers too, so the browser shows the error instead of a CORS failure",
    "automatic_options": "automatic_options=False is ignored on CORS(app) and blueprints: "
    "preflights are answered before Flask's routing (@cross_origin honours it)",
    "resources": "resources patterns match the path as Flask routes it, case-sensitively, "
    "from its start; the corecors spelling: policy=PathPolicies([(re.compile(r'/api/.*'), "
    "CORSPolicy(...))])",
}
_logged: set[str] = set()


def log_difference(key: str, *args: object) -> None:
    """Log a deliberate difference from flask-cors once per process (WARNING)."""
    if key in _logged:
        return
    _logged.add(key)
    logger.warning("corecors.adapters.flask_cors: " + DIFFERENCES[key], *args)


def config_options(config: Mapping[str, Any]) -> dict[str, Any]:
    """flask-cors' options set in ``app.config`` (``CORS_ORIGINS``...; None means unset)."""
    return {
        name: config[key]
        for key, name in CONFIG_KEYS.items()
        if key in config and config[key] is not None
    }


def problem(option: str, value: object, message: str, fix: str) -> CORSConfigError:
    return CORSConfigError([ConfigProblem("E011", option, value, message, fix)])


def _items(value: object) -> list[Any]:
    """flask-cors' ``ensure_iterable``: one string (or regex) is a list of one."""
    if isinstance(value, str | re.Pattern) or not isinstance(value, Iterable):
        return [value]
    return list(value)


def _names(value: object) -> list[str]:
    """A list option flask-cors also took as one comma-separated string."""
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return [str(item) for item in _items(value)]


def _is_regex(item: object) -> bool:
    return isinstance(item, re.Pattern) or (
        isinstance(item, str) and bool(_REGEX_SIGNS & set(item))
    )


def _origins(options: Mapping[str, Any], credentials: bool) -> dict[str, Any]:
    """allow_origins and allow_origin_regex: exact origins, regexes (matched whole), '*'."""
    exact: list[str] = []
    regexes: list[Any] = []
    wildcard = False
    for item in _items(options["origins"]):
        if item in ("*", ".*"):
            wildcard = True
        elif _is_regex(item):
            regexes.append(_subdomains(item) if isinstance(item, str) else item)
        else:
            exact.append(item)
    if wildcard:  # answered '*', never a reflected origin (send_wildcard is always on)
        exact.append("*")
        if credentials:
            log_difference("star_credentials")
    return {"allow_origins": exact, "allow_origin_regex": regexes or None}


def _subdomains(item: str) -> str:
    """flask-cors' ``".*.example.com"`` as the subdomains of example.com it meant:
    ``https?://(?:[a-z0-9-]+\\.)+example\\.com`` (it also matched ``evilexample.com``)."""
    match = FLASK_CORS_WILDCARD.fullmatch(item)
    if match is None:
        return item
    scheme = match["scheme"] or "https?"
    scheme = "https?" if "?" in scheme else scheme
    domain = match["domain"].replace("\\.", ".")
    log_difference("subdomains", item)
    return f"{scheme}://(?:[a-z0-9-]+\\.)+{re.escape(domain)}"


def _max_age(value: object) -> object:
    if isinstance(value, timedelta):
        return int(value.total_seconds())
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return value


def _headers(value: object) -> list[str]:
    kept = []
    for item in _names(value) if isinstance(value, str) else _items(value):
        if item in ("*", ".*"):
            kept.append("*")
        elif _is_regex(item):
            log_difference("regex_header", getattr(item, "pattern", item))
        else:
            kept.append(item)
    return kept


def policy_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """CORSPolicy keyword arguments for a full set of flask-cors options."""
    credentials = options["supports_credentials"]
    for flag in ("vary_header", "intercept_exceptions", "automatic_options"):
        if options[flag] is False:
            log_difference(flag)
    methods = [m.upper() for m in _names(options["methods"])]
    return {
        **_origins(options, bool(credentials)),
        "allow_methods": methods,
        "allow_headers": _headers(options["allow_headers"]),
        "allow_credentials": credentials,
        "expose_headers": sorted(_names(options["expose_headers"])),  # as flask-cors sends them
        "max_age": _max_age(options["max_age"]),
        "allow_private_network": options["allow_private_network"],
    }


def parse_resources(resources: object) -> list[tuple[re.Pattern[str], dict[str, Any]]]:
    """``resources=`` as ``(compiled pattern, options)`` rules, longest pattern first.

    A regex matches a path from its start, as flask-cors' ``re.match`` did
    (``r"/api/*"`` covers ``/api/v1``), so it is compiled as ``(?:pattern).*``
    for a full match; a string without regex characters is one exact path (as
    in flask-cors); ``"*"`` is every path. Raises :class:`CORSConfigError`
    for another type or a pattern that does not compile.
    """
    if isinstance(resources, Mapping):
        rules = [(key, dict(value or {})) for key, value in resources.items()]
    elif isinstance(resources, str | re.Pattern):
        rules = [(resources, {})]
    elif isinstance(resources, Iterable):
        rules = [(key, {}) for key in resources]
    else:
        raise problem(
            "resources",
            resources,
            "must be a path regex, a list of them, or a dict of regex -> options",
            "e.g. resources={r'/api/.*': {'origins': ['https://app.example.com']}}",
        )
    if rules and any(pattern not in ("*", "/*", r"/.*", ".*") for pattern, _ in rules):
        log_difference("resources")
    rules.sort(key=lambda rule: len(getattr(rule[0], "pattern", str(rule[0]))), reverse=True)
    return [(_path_pattern(pattern), opts) for pattern, opts in rules]


def _path_pattern(pattern: object) -> re.Pattern[str]:
    text = pattern.pattern if isinstance(pattern, re.Pattern) else str(pattern)
    text = ".*" if text == "*" else text
    flags = pattern.flags if isinstance(pattern, re.Pattern) else 0
    # flask-cors compared a string without regex signs to the path as a whole.
    whole = isinstance(pattern, str) and not _is_regex(pattern)
    try:
        return re.compile(re.escape(text) if whole else f"(?:{text}).*", flags | re.DOTALL)
    except re.error as exc:
        raise problem(
            "resources", pattern, f"does not compile as a regex ({exc})", "fix the regex"
        ) from None
