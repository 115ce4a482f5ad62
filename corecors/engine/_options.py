"""The checks of CORSPolicy's options, one function per option (or kind of option).

Each check is ``check(value, checking) -> checked``: it returns the option's checked
(normalised) form and adds what is wrong to ``checking.problems`` (errors) or
``checking.notices`` (warnings, worded in ``_catalogue``). The schema (``_schema``)
names each option's check and the order they run in; a check that depends on another
option reads its checked value with :meth:`Checking.value` (docs/architecture.md,
"Walk-through: adding an option").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

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
from ._regexes import check_allow_origin_regex as check_regexes
from ._tokens import SAFELISTED_REQUEST_HEADERS, TOKEN, is_forbidden_method, normalise_method

MAX_AGE_LIMIT = 86400  # Firefox's cap; Chromium caps at 7200
CHROMIUM_MAX_AGE = 7200

RegexOption = str | re.Pattern[str] | Iterable[str | re.Pattern[str]] | None


class Checking:
    """What the checks of one ``validate`` share: the problems (errors) and notices
    (warnings) found so far, and the checked value of each option already checked.

    ``option`` is the name of the option being checked, for checks that several
    options share (:func:`check_flag`). A check reads another option's checked value
    with :meth:`value`; the schema's ``stage`` makes that option be checked first.
    """

    __slots__ = ("checked", "notices", "option", "problems")

    def __init__(self) -> None:
        self.problems: list[ConfigProblem] = []
        self.notices: list[ConfigProblem] = []
        self.checked: dict[str, Any] = {}
        self.option = ""

    def value(self, option: str) -> Any:
        """The checked value of ``option``, which must have been checked already
        (a lower ``stage`` in the schema): a KeyError otherwise."""
        return self.checked[option]


class OriginRules(NamedTuple):
    """``allow_origins`` checked: as listed (normalised), and split for matching."""

    shown: tuple[str, ...]
    any_origin: bool
    exact: tuple[str, ...]
    patterns: tuple[OriginSpec, ...]


class Tokens(NamedTuple):
    """``allow_methods`` or ``allow_headers`` checked: whether ``"*"`` was listed, and
    the names (normalised; ``allow_headers``' with the CORS-safelisted names)."""

    any: bool
    names: tuple[str, ...]

    def listed(self) -> tuple[str, ...]:
        """As listed: ``"*"`` first when given, then the names."""
        return (("*",) if self.any else ()) + self.names


def check_allow_origins(value: object, c: Checking) -> OriginRules:
    """Origins: "*", "null", exact origins and patterns (Fetch: a serialised origin);
    reads ``allow_credentials`` (W001, W002, W003, W006)."""
    credentials: bool = c.value("allow_credentials")
    problems, notices = c.problems, c.notices
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
    return OriginRules(tuple(shown), any_origin, tuple(exact), tuple(patterns))


def check_allow_origin_regex(value: object, c: Checking) -> tuple[re.Pattern[str], ...]:
    """Regexes (``_regexes``); reads ``allow_credentials`` (W006)."""
    return check_regexes(value, c.problems, c.notices, c.value("allow_credentials"))


def check_allow_origin_func(value: object, c: Checking) -> Callable[..., Any] | None:
    """A callable or None."""
    if value is None or callable(value):
        return value  # any callable; only its answer True allows
    c.problems.append(
        ConfigProblem(
            "E005",
            "allow_origin_func",
            value,
            "is not callable",
            "pass a function that takes the origin (str) and returns True to allow it",
        )
    )
    return None


def check_cache_ttl(value: object, c: Checking) -> float | None:
    """Seconds, 0 or more (``origin_cache_ttl``)."""
    return _seconds(value, c, zero=True)


def check_timeout(value: object, c: Checking) -> float | None:
    """Seconds above 0, or None to wait for ever (``origin_lookup_timeout``)."""
    return _seconds(value, c, zero=False)


def _seconds(value: object, c: Checking, *, zero: bool) -> float | None:
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
    c.problems.append(
        ConfigProblem(
            "E011",
            c.option,
            value,
            f"must be a number of seconds, {bound}",
            f"use e.g. {c.option}={60 if zero else 5}",
        )
    )
    return None


def check_allow_methods(value: object, c: Checking) -> Tokens:
    """Method tokens or "*"; forbidden methods are E007."""
    problems = c.problems
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
    return Tokens(any_method, tuple(methods))


def check_allow_headers(value: object, c: Checking) -> Tokens:
    """Header names (lower-cased) or "*", then the CORS-safelisted names."""
    any_header = False
    headers: dict[str, None] = {}
    for item in strings("allow_headers", value, c.problems):
        if item == "*":
            any_header = True
        elif TOKEN.fullmatch(item) is None or regex_header("allow_headers", item):
            c.problems.append(header_problem("allow_headers", item))
        else:
            headers[item.lower()] = None
    headers.update(dict.fromkeys(SAFELISTED_REQUEST_HEADERS))
    return Tokens(any_header, tuple(headers))


def check_expose_headers(value: object, c: Checking) -> tuple[str, ...]:
    """Header names, or "*" (E009 with ``allow_credentials``, which it reads)."""
    credentials: bool = c.value("allow_credentials")
    problems = c.problems
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


def check_max_age(value: object, c: Checking) -> int | None:
    """Seconds from 0 to 86400, or None; above Chromium's 7200: W004."""
    if value is None:
        return None
    if type(value) is not int or not 0 <= value <= MAX_AGE_LIMIT:
        c.problems.append(
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
        c.notices.append(
            ConfigProblem.templated(
                "W004",
                "max_age",
                value,
                f"Chromium caches preflights for at most {CHROMIUM_MAX_AGE} seconds",
                f"use {{max_age}}={CHROMIUM_MAX_AGE} or less to get the same result everywhere",
            )
        )
    return value


def check_flag(value: object, c: Checking) -> bool:
    """True or False (any option that is a flag)."""
    if isinstance(value, bool):
        return value
    c.problems.append(flag_problem(c.option, value, "use a bool"))
    return False


def flag_problem(option: str, value: object, fix: str) -> ConfigProblem:
    """E011 for an option that must be True or False: the one wording every layer uses."""
    return ConfigProblem("E011", option, value, "must be True or False", fix)
