"""Django settings -> one corecors policy.

django-cors-headers' setting names keep their names and defaults (those of
django-cors-headers 4.x, copied here so that it need not be installed), and its
older aliases (``CORS_ORIGIN_WHITELIST``...) still work. ``CORECORS_POLICY``
(a ``CORSPolicy``/``PathPolicies`` object or a dotted path to one) overrides them.

Settings are read only by :func:`load_policy`: when Django builds the middleware,
when the middleware sees a ``setting_changed`` signal, and by the system checks.
Never at import time.
"""

from __future__ import annotations

import difflib
import logging
import re
import warnings
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from django.apps import apps
from django.conf import settings
from django.utils.module_loading import import_string

from corecors import ConfigProblem, CORSConfigError, CORSConfigWarning, CORSPolicy, PathPolicies
from corecors.engine import SCHEMA, RegexWording, compile_regex, flag_problem, warn_config

from .._common import Policy, Routable, policies_of

DEFAULT_URLS_REGEX = r"^.*$"

#: Setting name -> its older django-cors-headers alias, read when it is unset.
ALIASES = {
    "CORS_ALLOWED_ORIGINS": "CORS_ORIGIN_WHITELIST",
    "CORS_ALLOWED_ORIGIN_REGEXES": "CORS_ORIGIN_REGEX_WHITELIST",
    "CORS_ALLOW_ALL_ORIGINS": "CORS_ORIGIN_ALLOW_ALL",
}

#: Option name -> (its setting, the setting's default): from the options schema, whose
#: records name the setting (django-cors-headers' where it has one) and its default.
OPTION_SETTINGS: dict[str, tuple[str, object]] = {
    option.name: (option.setting, option.setting_default) for option in SCHEMA if option.setting
}

#: The settings that are no option's: ``CORS_ALLOW_ALL_ORIGINS`` adds ``"*"`` to
#: ``allow_origins``; ``CORS_URLS_REGEX`` chooses the paths with CORS processing.
OWN_SETTINGS = ("CORS_ALLOW_ALL_ORIGINS", "CORS_URLS_REGEX")

#: Every setting that CORECORS_POLICY replaces (aliases included).
CORS_SETTINGS = (
    *(setting for setting, _ in OPTION_SETTINGS.values()),
    *OWN_SETTINGS,
    *ALIASES.values(),
)

_MISSING = object()

logger = logging.getLogger("corecors")

#: The app whose ready() registers the system checks (apps.py).
APP_NAME = "corecors.adapters.django"
_not_installed_warned: list[bool] = []  # one warning per process, not per middleware


class LoadedPolicy(NamedTuple):
    """The policy built from the settings, and its warnings in settings terms."""

    policy: Routable
    warnings: tuple[ConfigProblem, ...]


class URLsRegexPolicies:
    """``CORS_URLS_REGEX`` as a path policy, with django-cors-headers' semantics.

    django-cors-headers applies ``re.match(CORS_URLS_REGEX, request.path_info)``:
    a match at the start of the path, not a full match (``r"^/api/"`` covers
    everything below ``/api/``). Kept as is so that migrated patterns cover the
    same paths; other paths get no CORS processing at all. A ``PathRules``
    (the adapter toolkit's protocol), not a ``PathPolicies`` subclass.
    """

    __slots__ = ("_match", "_policy", "_regex")

    def __init__(self, urls_regex: re.Pattern[str], policy: CORSPolicy) -> None:
        self._regex = urls_regex
        self._match = urls_regex.match
        self._policy = policy

    def for_path(self, path: str) -> CORSPolicy | None:
        return self._policy if self._match(path) is not None else None

    @property
    def policies(self) -> tuple[CORSPolicy, ...]:
        return (self._policy,)

    def __repr__(self) -> str:
        return f"URLsRegexPolicies({self._regex.pattern!r}, {self._policy!r})"


def is_cors_setting(name: str) -> bool:
    """Whether a changed setting can change the policy (``setting_changed``)."""
    return name.startswith(("CORS_", "CORECORS_"))


def load_policy(source: Any = None, *, emit_warnings: bool = True) -> LoadedPolicy:
    """Build the policy from Django's settings (or any object with setting attributes).

    Raises :class:`CORSConfigError` naming the settings to change. With
    ``emit_warnings``, risky ``CORS_*`` settings emit a :class:`CORSConfigWarning`
    naming the setting (a ``CORECORS_POLICY`` object warned when it was built).
    """
    source = settings if source is None else source
    unknown = _unknown_own_settings(source)
    if unknown:
        raise CORSConfigError(unknown)
    custom = getattr(source, "CORECORS_POLICY", None)
    if custom is not None:
        policy = _custom_policy(custom)
        notices = tuple(p for item in policies_of(policy) for p in item.config_warnings)
        return LoadedPolicy(policy, notices)
    loaded = _from_cors_settings(source)
    if emit_warnings:
        for notice in loaded.warnings:
            warn_config(CORSConfigWarning(notice))
    return loaded


def _unknown_own_settings(source: Any) -> list[ConfigProblem]:
    """The ``CORECORS_*`` settings nothing reads, as errors: the prefix is corecors' own,
    and a typo there fails open (``CORECORS_PROTECT_WRITE = True`` would leave writes
    unprotected in silence under a server that runs no system check). An unknown
    ``CORS_*`` setting may be another package's: a warning (``corecors.W106``)."""
    own = sorted(name for name in (*CORS_SETTINGS, "CORECORS_POLICY") if "CORECORS_" in name)
    problems = []
    for name in dir(source):
        if name.startswith("CORECORS_") and name not in own:
            # Compared without the shared prefix, which alone would make any name close.
            suffixes = {known.removeprefix("CORECORS_"): known for known in own}
            close = difflib.get_close_matches(name.removeprefix("CORECORS_"), suffixes, n=1)
            fix = (
                f"rename it {suffixes[close[0]]}"
                if close
                else f"remove it (known: {', '.join(own)})"
            )
            message = "is not a corecors setting: nothing reads it"
            problems.append(ConfigProblem("E011", name, getattr(source, name), message, fix))
    return problems


def warn_if_not_installed() -> None:
    """Log one WARNING (once per process) when the app is not in INSTALLED_APPS: then
    ``manage.py check`` never checks the CORS settings, and says "no issues"."""
    if _not_installed_warned or not apps.ready or apps.is_installed(APP_NAME):
        return
    _not_installed_warned.append(True)
    logger.warning(
        "%r is not in INSTALLED_APPS, so 'manage.py check' does not check the CORS "
        "settings (it reports no issues even for a typo): add %r to INSTALLED_APPS",
        APP_NAME,
        APP_NAME,
    )


def read_setting(source: Any, name: str, default: object) -> tuple[str, Any]:
    """(the name actually set, its value): the setting, else its old alias, else the default."""
    value = getattr(source, name, _MISSING)
    if value is _MISSING and name in ALIASES:
        alias = ALIASES[name]
        value = getattr(source, alias, _MISSING)
        if value is not _MISSING:
            return alias, value
    return name, default if value is _MISSING else value


def _from_cors_settings(source: Any) -> LoadedPolicy:
    problems: list[ConfigProblem] = []
    options, names = _options_from_settings(source, problems)
    all_name = names["allow_all"]
    urls_regex = _urls_regex(source, problems)
    policy = None
    # The core warns as it builds; the warnings are re-issued below with the
    # names of the settings instead of the CORSPolicy options.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CORSConfigWarning)
        try:
            # Refusals (log lines) name the settings, e.g. CORS_ALLOWED_ORIGINS.
            policy = CORSPolicy(**options, vocabulary=lambda option: names.get(option, option))
        except CORSConfigError as exc:
            problems.extend(_in_settings_terms(p, names, all_name) for p in exc.problems)
    if problems or policy is None:
        raise CORSConfigError(problems)
    max_age_is_default = not hasattr(source, "CORS_PREFLIGHT_MAX_AGE")
    notices = tuple(
        _in_settings_terms(p, names, all_name)
        for p in policy.config_warnings
        # The default 86400 is django-cors-headers' and harmless (Chromium caps it
        # at 7200): warn only about a value the project chose.
        if not (p.code == "W004" and max_age_is_default)
    )
    if urls_regex is None:
        return LoadedPolicy(policy, notices)
    return LoadedPolicy(URLsRegexPolicies(urls_regex, policy), notices)


def _options_from_settings(
    source: Any, problems: list[ConfigProblem]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The CORSPolicy options from their settings (``OPTION_SETTINGS``), and the setting
    name of each option (``names["allow_all"]``: the name of CORS_ALLOW_ALL_ORIGINS)."""
    options: dict[str, Any] = {}
    names: dict[str, str] = {}
    for option, (setting, default) in OPTION_SETTINGS.items():
        names[option], options[option] = read_setting(source, setting, default)
    all_name, allow_all = read_setting(source, "CORS_ALLOW_ALL_ORIGINS", False)
    names["allow_all"] = all_name

    if not isinstance(allow_all, bool):
        problems.append(flag_problem(all_name, allow_all, "use a bool"))
        allow_all = False
    options["allow_origins"] = _origins_setting(options["allow_origins"], allow_all)
    regexes, regexes_name = options["allow_origin_regex"], names["allow_origin_regex"]
    if isinstance(regexes, str | bytes):
        problems.append(
            ConfigProblem(
                "E011",
                regexes_name,
                regexes,
                "must be a list of regexes, not one string",
                f"write {regexes_name} = [{regexes!r}]",
            )
        )
        regexes = ()
    options["allow_origin_regex"] = regexes or None
    if options["max_age"] == 0:
        options["max_age"] = None  # django-cors-headers omits Access-Control-Max-Age for 0
    return options, names


def _origins_setting(origins: Any, allow_all: bool) -> Any:
    """CORS_ALLOWED_ORIGINS, with "*" for CORS_ALLOW_ALL_ORIGINS."""
    if allow_all and isinstance(origins, Iterable) and not isinstance(origins, str | bytes):
        return ["*", *origins]
    return origins


def _urls_regex(source: Any, problems: list[ConfigProblem]) -> re.Pattern[str] | None:
    """The compiled ``CORS_URLS_REGEX``, or None when it covers every path (the default)."""
    value = getattr(source, "CORS_URLS_REGEX", DEFAULT_URLS_REGEX)
    if value == DEFAULT_URLS_REGEX:
        return None  # every path: skip the per-request match altogether
    return compile_regex("CORS_URLS_REGEX", value, problems, _URLS_REGEX_WORDING)


_URLS_REGEX_WORDING = RegexWording(
    "E012",
    "must be a regex (str or compiled)",
    r"use e.g. CORS_URLS_REGEX = r'^/api/'",
    "E012",
    r"fix the regex; it is matched at the start of request.path_info, e.g. r'^/api/'",
)


def _custom_policy(value: object) -> Policy:
    if isinstance(value, str):
        try:
            value = import_string(value)
        except ImportError as exc:
            raise CORSConfigError(
                [
                    ConfigProblem(
                        "E101",
                        "CORECORS_POLICY",
                        value,
                        f"cannot be imported ({exc})",
                        "give the dotted path of a CORSPolicy or PathPolicies, e.g. "
                        "'myproject.cors.policy', or the object itself",
                    )
                ]
            ) from exc
    if not isinstance(value, CORSPolicy | PathPolicies):
        raise CORSConfigError(
            [
                ConfigProblem(
                    "E011",
                    "CORECORS_POLICY",
                    value,
                    "must be a CORSPolicy or a PathPolicies (or a dotted path to one)",
                    "use CORECORS_POLICY = CORSPolicy(allow_origins=[...])",
                )
            ]
        )
    return value


def _in_settings_terms(
    problem: ConfigProblem, names: Mapping[str, str], all_name: str
) -> ConfigProblem:
    """A core problem, reworded with the Django setting names instead of CORSPolicy options."""
    if problem.code == "W001":  # "*" here always comes from CORS_ALLOW_ALL_ORIGINS
        return problem._replace(
            option=all_name,
            value=True,
            fix=f"set {all_name} = False and list your front end's origins, e.g. "
            "CORS_ALLOWED_ORIGINS = ['https://app.example.com'] (in development the dev "
            "server's origin, e.g. ['http://localhost:5173']), and the same origins in "
            "CSRF_TRUSTED_ORIGINS, which has no any-port form",
        )
    return problem.render(lambda option: names.get(option, option))
