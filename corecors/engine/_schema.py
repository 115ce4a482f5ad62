"""The options schema: CORSPolicy's options, listed once (docs/architecture.md,
"Walk-through: adding an option").

:data:`SCHEMA` holds one :class:`Option` record per option, in ``CORSPolicy``'s
parameter order. Everything else that knows the options is derived from it:
:func:`validate` (the order the checks run in), :class:`Options` and
:data:`OPTION_NAMES`; in the adapters the names each one accepts and its "did you
mean" candidates (``_common``), Flask's ``app.config`` keys, Django's setting names,
their defaults and the known settings of ``manage.py check``, the ASGI middleware's
options given (:func:`given_options`), and the reference's table of options
(docs/generate.py). The signatures users read stay written out (``CORSPolicy``, the
ASGI middleware, Starlette's order): tests/engine/test_schema.py proves they equal
the schema, and that each adapter accepts exactly the schema's options plus its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from ._errors import ConfigProblem
from ._options import (
    Checking,
    Tokens,
    check_allow_headers,
    check_allow_methods,
    check_allow_origin_func,
    check_allow_origin_regex,
    check_allow_origins,
    check_cache_ttl,
    check_expose_headers,
    check_flag,
    check_max_age,
    check_timeout,
)
from ._tokens import SAFELISTED_REQUEST_HEADERS

#: django-cors-headers' ``CORS_ALLOW_HEADERS`` when unset (corsheaders/defaults.py, 4.x).
DJANGO_ALLOW_HEADERS: tuple[str, ...] = (
    "accept",
    "authorization",
    "content-type",
    "user-agent",
    "x-csrftoken",
    "x-requested-with",
)
#: django-cors-headers' ``CORS_ALLOW_METHODS`` when unset.
DJANGO_ALLOW_METHODS: tuple[str, ...] = ("DELETE", "GET", "OPTIONS", "PATCH", "POST", "PUT")


@dataclass(frozen=True, slots=True)
class Option:
    """One option of ``CORSPolicy``: what every layer needs to know about it.

    - ``name``: the keyword (ASGI, WSGI, the decorators); Flask's ``app.config`` key
      is ``CORS_`` and the name upper-cased.
    - ``default``: its value when not given (``CORSPolicy``'s and the ASGI
      middleware's signatures repeat it: a test compares them).
    - ``summary``: one line for the reference's table of options.
    - ``check``: ``check(value, checking) -> checked`` (``_options``): the checked
      form, problems and notices added to ``checking``.
    - ``stage``: checks run by stage, then in schema order; a check that reads another
      option's checked value (``Checking.value``) has a higher stage than that option.
    - ``shown``: the option's normalised value (``repr``, ``CORSPolicy.options``) from
      its checked form; None: the checked form itself.
    - ``setting``, ``setting_default``: the Django setting (django-cors-headers' name
      where it has one) and its value when unset; None: no setting
      (``CORECORS_POLICY`` then).
    """

    name: str
    default: object
    summary: str
    check: Callable[[object, Checking], object]
    stage: int = 1
    shown: Callable[[Any], object] | None = None
    setting: str | None = None
    setting_default: object = None


SCHEMA: tuple[Option, ...] = (
    Option(
        "allow_origins",
        (),
        'origins allowed: exact, patterns (`https://*.example.com`), `"null"` or `"*"`',
        check_allow_origins,
        shown=attrgetter("shown"),
        setting="CORS_ALLOWED_ORIGINS",
        setting_default=(),
    ),
    Option(
        "allow_origin_regex",
        None,
        "regexes that allow an origin they match whole",
        check_allow_origin_regex,
        setting="CORS_ALLOWED_ORIGIN_REGEXES",
        setting_default=(),
    ),
    Option(
        "allow_origin_func",
        None,
        "a function asked last: `True` allows the origin",
        check_allow_origin_func,
    ),
    Option(
        "allow_methods",
        ("GET",),
        'methods a preflight may ask for, or `"*"`',
        check_allow_methods,
        shown=Tokens.listed,
        setting="CORS_ALLOW_METHODS",
        setting_default=DJANGO_ALLOW_METHODS,
    ),
    Option(
        "allow_headers",
        (),
        'request headers a preflight may ask for, or `"*"`',
        check_allow_headers,
        shown=Tokens.listed,
        setting="CORS_ALLOW_HEADERS",
        setting_default=DJANGO_ALLOW_HEADERS,
    ),
    Option(
        "allow_credentials",
        False,
        "the page may read responses to requests with cookies",
        check_flag,
        stage=0,  # read by the checks of allow_origins, allow_origin_regex, expose_headers
        setting="CORS_ALLOW_CREDENTIALS",
        setting_default=False,
    ),
    Option(
        "expose_headers",
        (),
        "response headers the page may read",
        check_expose_headers,
        setting="CORS_EXPOSE_HEADERS",
        setting_default=(),
    ),
    Option(
        "max_age",
        600,
        "seconds a browser keeps a preflight's answer (`None`: not sent)",
        check_max_age,
        setting="CORS_PREFLIGHT_MAX_AGE",
        setting_default=86400,
    ),
    Option(
        "allow_private_network",
        False,
        "answer Private Network Access preflights",
        check_flag,
        stage=0,  # the flags are checked first (their problems are listed first)
        setting="CORS_ALLOW_PRIVATE_NETWORK",
        setting_default=False,
    ),
    Option(
        "origin_cache_ttl",
        60.0,
        "seconds an answer of `allow_origin_func` is kept",
        check_cache_ttl,
    ),
    Option(
        "origin_lookup_timeout",
        5.0,
        "seconds `allow_origin_func` may take before the origin is refused",
        check_timeout,
    ),
    Option(
        "protect_writes",
        False,
        "refuse cross-origin writes from pages not trusted with credentials",
        check_flag,
        stage=0,
        setting="CORECORS_PROTECT_WRITES",
        setting_default=False,
    ),
)

#: The options' names, in ``CORSPolicy``'s order.
OPTION_NAMES: tuple[str, ...] = tuple(option.name for option in SCHEMA)

_CHECK_ORDER = tuple(sorted(SCHEMA, key=attrgetter("stage")))  # stable: schema order within


@dataclass(frozen=True, slots=True)
class Options:
    """Every option of a CORSPolicy, checked: ``options[name]`` is what the option's
    check returned (e.g. ``OriginRules`` for ``allow_origins``), for the policy's
    precomputation."""

    checked: Mapping[str, Any]

    def __getitem__(self, name: str) -> Any:
        return self.checked[name]

    def shown(self) -> dict[str, object]:
        """Every option, normalised (``allow_headers`` with the safelisted names)."""
        return {
            option.name: (
                self.checked[option.name]
                if option.shown is None
                else option.shown(self.checked[option.name])
            )
            for option in SCHEMA
        }

    def public(self) -> dict[str, object]:
        """The options, as keyword arguments for a new CORSPolicy."""
        options = self.shown()
        headers: Tokens = self.checked["allow_headers"]
        options["allow_headers"] = tuple(
            h for h in headers.listed() if h not in SAFELISTED_REQUEST_HEADERS
        )
        return options


def validate(
    values: Mapping[str, object],
) -> tuple[Options, list[ConfigProblem], list[ConfigProblem]]:
    """Every option checked: ``(options, problems, notices)``; options are only
    meaningful when ``problems`` is empty. ``values``: option name -> value (an
    option it lacks has its default; other keys are ignored, e.g. ``locals()``)."""
    checking = Checking()
    for option in _CHECK_ORDER:
        checking.option = option.name
        value = values.get(option.name, option.default)
        checking.checked[option.name] = option.check(value, checking)
    options = Options({name: checking.checked[name] for name in OPTION_NAMES})
    return options, checking.problems, checking.notices


def given_options(arguments: Mapping[str, object]) -> dict[str, object]:
    """The options in ``arguments`` (a signature with every option, as ``locals()``)
    that differ from their defaults in type or value (``allow_credentials=0`` is not
    the default False): the ones given."""
    given = {}
    for option in SCHEMA:
        value = arguments[option.name]
        if type(value) is not type(option.default) or value != option.default:
            given[option.name] = value
    return given
