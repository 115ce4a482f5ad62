"""The CORSPolicy options, validated one option at a time, and the warning catalogue.

Each option has one check function below (``_check_<option>``); each returns the
normalised value and adds what is wrong to ``problems`` (errors) or ``notices``
(warnings). A new option gets a field in :class:`Options`, a parameter of
``CORSPolicy`` and one check here (docs/architecture.md, "Adding an option").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ._catalogue import (
    null_with_credentials,
    plain_http_with_credentials,
    public_suffix_problem,
    star_with_credentials,
)
from ._errors import ConfigProblem
from ._hints import (
    header_problem,
    parse_origin_item,
    regex_header,
    strings,
    token_fix,
)
from ._origins import OriginSpec
from ._regexes import check_allow_origin_regex
from ._tokens import SAFELISTED_REQUEST_HEADERS, TOKEN, is_forbidden_method, normalise_method

MAX_AGE_LIMIT = 86400  # Firefox's cap; Chromium caps at 7200
CHROMIUM_MAX_AGE = 7200

RegexOption = str | re.Pattern[str] | Iterable[str | re.Pattern[str]] | None


@dataclass(frozen=True, slots=True)
class Options:
    """Every option of a CORSPolicy, normalised, plus what precomputation needs.

    The first twelve fields are the public options (``CORSPolicy.options``); the
    rest are derived from them: ``"*"`` split out of the lists, exact origins
    separated from patterns.
    """

    allow_origins: tuple[str, ...]
    allow_origin_regex: tuple[re.Pattern[str], ...]
    allow_origin_func: Callable[[str], bool] | None
    allow_methods: tuple[str, ...]
    allow_headers: tuple[str, ...]  # with the CORS-safelisted names
    allow_credentials: bool
    expose_headers: tuple[str, ...]
    max_age: int | None
    allow_private_network: bool
    protect_writes: bool
    origin_cache_ttl: float = 60.0
    origin_lookup_timeout: float | None = 5.0
    any_origin: bool = field(default=False, repr=False)
    exact_origins: tuple[str, ...] = field(default=(), repr=False)
    origin_patterns: tuple[OriginSpec, ...] = field(default=(), repr=False)
    any_method: bool = field(default=False, repr=False)
    methods: tuple[str, ...] = field(default=(), repr=False)
    any_header: bool = field(default=False, repr=False)
    headers: tuple[str, ...] = field(default=(), repr=False)  # allow_headers without "*"

    def public(self) -> dict[str, object]:
        """The public options, as keyword arguments for a new CORSPolicy."""
        options = {name: getattr(self, name) for name in OPTION_NAMES}
        options["allow_headers"] = tuple(
            h for h in self.allow_headers if h not in SAFELISTED_REQUEST_HEADERS
        )
        return options


OPTION_NAMES = (
    "allow_origins",
    "allow_origin_regex",
    "allow_origin_func",
    "allow_methods",
    "allow_headers",
    "allow_credentials",
    "expose_headers",
    "max_age",
    "allow_private_network",
    "origin_cache_ttl",
    "origin_lookup_timeout",
    "protect_writes",
)


@dataclass(frozen=True, slots=True)
class _Origins:
    shown: tuple[str, ...]
    any_origin: bool
    exact: tuple[str, ...]
    patterns: tuple[OriginSpec, ...]


def validate(
    allow_origins: object,
    allow_origin_regex: object,
    allow_origin_func: object,
    allow_methods: object,
    allow_headers: object,
    allow_credentials: object,
    expose_headers: object,
    max_age: object,
    allow_private_network: object,
    origin_cache_ttl: object = 60.0,
    origin_lookup_timeout: object = 5.0,
    protect_writes: object = False,
) -> tuple[Options, list[ConfigProblem], list[ConfigProblem]]:
    """Every option checked: ``(options, problems, notices)``; options are only
    meaningful when ``problems`` is empty."""
    problems: list[ConfigProblem] = []
    notices: list[ConfigProblem] = []
    credentials = _check_flag("allow_credentials", allow_credentials, problems)
    private_network = _check_flag("allow_private_network", allow_private_network, problems)
    writes = _check_flag("protect_writes", protect_writes, problems)
    origins = _check_allow_origins(allow_origins, credentials, problems, notices)
    regexes = check_allow_origin_regex(allow_origin_regex, problems, notices, credentials)
    func = _check_allow_origin_func(allow_origin_func, problems)
    any_method, methods = _check_allow_methods(allow_methods, problems)
    any_header, headers = _check_allow_headers(allow_headers, problems)
    exposed = _check_expose_headers(expose_headers, credentials, problems)
    age = _check_max_age(max_age, problems, notices)
    ttl = _check_seconds("origin_cache_ttl", origin_cache_ttl, problems, zero=True)
    timeout = _check_seconds("origin_lookup_timeout", origin_lookup_timeout, problems, zero=False)
    options = Options(
        allow_origins=origins.shown,
        allow_origin_regex=regexes,
        allow_origin_func=func,
        allow_methods=(("*",) if any_method else ()) + methods,
        allow_headers=(("*",) if any_header else ()) + headers,
        allow_credentials=credentials,
        expose_headers=exposed,
        max_age=age,
        allow_private_network=private_network,
        origin_cache_ttl=60.0 if ttl is None else ttl,
        origin_lookup_timeout=timeout,
        protect_writes=writes,
        any_origin=origins.any_origin,
        exact_origins=origins.exact,
        origin_patterns=origins.patterns,
        any_method=any_method,
        methods=methods,
        any_header=any_header,
        headers=headers,
    )
    return options, problems, notices


def _check_allow_origins(
    value: object, credentials: bool, problems: list[ConfigProblem], notices: list[ConfigProblem]
) -> _Origins:
    """Origins: "*", "null", exact origins and patterns (Fetch: a serialised origin)."""
    any_origin = False
    exact: dict[str, None] = {}  # insertion-ordered set
    patterns: list[OriginSpec] = []
    shown: list[str] = []
    for item in strings("allow_origins", value, problems):
        if item == "*":
            any_origin = True
            shown.append("*")
            continue
        if item.lower() == "null":
            exact["null"] = None
            shown.append("null")
            if credentials:
                notices.append(null_with_credentials(item))
            continue
        spec = parse_origin_item(item)
        if isinstance(spec, ConfigProblem):
            problems.append(spec)
            continue
        if spec.is_pattern:
            patterns.append(spec)
            suffix = spec.subdomains and public_suffix_problem(
                "allow_origins", item, repr(item), spec.host, spec.scheme, credentials
            )
            if suffix:
                (notices if suffix.code.startswith("W") else problems).append(suffix)
        else:
            exact[spec.serialise()] = None
        shown.append(spec.serialise())
        if credentials and spec.scheme in ("http", "ws") and not spec.is_local:
            notices.append(plain_http_with_credentials(item, spec))
    if any_origin and credentials:
        notices.append(star_with_credentials())
    return _Origins(tuple(shown), any_origin, tuple(exact), tuple(patterns))


def _check_allow_origin_func(
    value: object, problems: list[ConfigProblem]
) -> Callable[[str], bool] | None:
    if value is None or callable(value):
        return value  # any callable; only its answer True allows
    problems.append(
        ConfigProblem(
            "E005",
            "allow_origin_func",
            value,
            "is not callable",
            "pass a function that takes the origin (str) and returns True to allow it",
        )
    )
    return None


def _check_seconds(
    option: str, value: object, problems: list[ConfigProblem], *, zero: bool
) -> float | None:
    """Seconds: a finite number above 0 (or 0 too, with ``zero``); None: wait for ever."""
    if value is None and not zero:
        return None
    if (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and 0 <= value < float("inf")
        and (zero or value > 0)
    ):
        return float(value)
    bound = "0 or more" if zero else "above 0, or None to wait for ever"
    problems.append(
        ConfigProblem(
            "E011",
            option,
            value,
            f"must be a number of seconds, {bound}",
            f"use e.g. {option}={60 if zero else 5}",
        )
    )
    return None


def _check_allow_methods(
    value: object, problems: list[ConfigProblem]
) -> tuple[bool, tuple[str, ...]]:
    any_method = False
    methods: dict[str, None] = {}
    for item in strings("allow_methods", value, problems):
        if item == "*":
            any_method = True
        elif TOKEN.fullmatch(item) is None:
            problems.append(
                ConfigProblem(
                    "E006", "allow_methods", item, "is not an HTTP method token", token_fix(item)
                )
            )
        elif is_forbidden_method(item):
            problems.append(
                ConfigProblem(
                    "E007",
                    "allow_methods",
                    item,
                    "is a forbidden method that browsers never send cross-origin",
                    f"remove {item!r}",
                )
            )
        else:
            methods[normalise_method(item)] = None
    return any_method, tuple(methods)


def _check_allow_headers(
    value: object, problems: list[ConfigProblem]
) -> tuple[bool, tuple[str, ...]]:
    any_header = False
    headers: dict[str, None] = {}
    for item in strings("allow_headers", value, problems):
        if item == "*":
            any_header = True
        elif TOKEN.fullmatch(item) is None or regex_header("allow_headers", item):
            problems.append(header_problem("allow_headers", item))
        else:
            headers[item.lower()] = None
    headers.update(dict.fromkeys(SAFELISTED_REQUEST_HEADERS))
    return any_header, tuple(headers)


def _check_expose_headers(
    value: object, credentials: bool, problems: list[ConfigProblem]
) -> tuple[str, ...]:
    exposed: dict[str, None] = {}
    for item in strings("expose_headers", value, problems):
        if item == "*" and credentials:
            problems.append(
                ConfigProblem(
                    "E009",
                    "expose_headers",
                    item,
                    "'*' is taken literally by browsers when credentials are allowed",
                    "list the response headers to expose by name",
                )
            )
        elif item != "*" and (
            TOKEN.fullmatch(item) is None or regex_header("expose_headers", item)
        ):
            problems.append(header_problem("expose_headers", item))
        else:
            exposed[item] = None
    return tuple(exposed)


def _check_max_age(
    value: object, problems: list[ConfigProblem], notices: list[ConfigProblem]
) -> int | None:
    if value is None:
        return None
    if type(value) is not int or not 0 <= value <= MAX_AGE_LIMIT:
        problems.append(
            ConfigProblem.templated(
                "E010",
                "max_age",
                value,
                f"must be an integer number of seconds from 0 to {MAX_AGE_LIMIT}",
                "use e.g. {max_age}=600, or None to omit Access-Control-Max-Age",
            )
        )
        return None
    if value > CHROMIUM_MAX_AGE:
        notices.append(
            ConfigProblem.templated(
                "W004",
                "max_age",
                value,
                f"Chromium caches preflights for at most {CHROMIUM_MAX_AGE} seconds",
                f"use {{max_age}}={CHROMIUM_MAX_AGE} or less to get the same result everywhere",
            )
        )
    return value


def _check_flag(option: str, value: object, problems: list[ConfigProblem]) -> bool:
    if isinstance(value, bool):
        return value
    problems.append(flag_problem(option, value, "use a bool"))
    return False


def flag_problem(option: str, value: object, fix: str) -> ConfigProblem:
    """E011 for an option that must be True or False: the one wording every layer uses."""
    return ConfigProblem("E011", option, value, "must be True or False", fix)
