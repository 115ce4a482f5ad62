"""System checks: ``manage.py check`` reports every CORS problem with a stable id.

- ``corecors.E0xx`` / ``corecors.W0xx``: the core's codes (``corecors.errors.CODES``),
  one message per problem, the fix as the hint, worded with the setting names.
- Django-specific ids (:data:`DJANGO_CODES`): checks of the surrounding settings.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning
from django.utils.http import is_same_domain
from django.utils.module_loading import import_string

from corecors import ConfigProblem, CORSConfigError
from corecors.engine import unprotected

from .._common import Routable, policies_of
from ._decorators import decorated_views
from ._order_checks import middleware_order
from .conf import ALIASES, CORS_SETTINGS, load_policy, read_setting

#: The ids only the Django adapter emits (the core's are in corecors.CODES).
DJANGO_CODES: dict[str, str] = {
    "E101": "CORECORS_POLICY cannot be imported",
    "W101": "an origin allowed with credentials is missing from CSRF_TRUSTED_ORIGINS",
    "W102": "a CORS_ALLOWED_ORIGIN_REGEXES regex relied on django-cors-headers' prefix match",
    "W103": "CORS_* settings are ignored because CORECORS_POLICY is set",
    "W104": "CORSMiddleware comes after CommonMiddleware, whose redirects then lack CORS headers",
    "W105": "django-cors-headers' CorsMiddleware is still in MIDDLEWARE",
    "W106": "a CORS_* setting that corecors does not know (a typo?)",
    "W107": "a django-cors-headers setting under its old name, or one it removed",
    "W108": "a middleware that may answer requests itself comes before CORSMiddleware",
}

#: W101's recipe for a front end on another origin (docs/cookies-and-csrf.md).
CSRF_RECIPE = (
    "Then give the page the CSRF token: a GET view decorated with @ensure_csrf_cookie "
    "that returns JsonResponse({'csrfToken': get_token(request)}) (a page on another "
    "origin cannot read the API's csrftoken cookie from document.cookie), and send it "
    "on every POST/PUT/PATCH/DELETE as the X-CSRFToken header with fetch(..., "
    "{credentials: 'include'}) ('x-csrftoken' is in CORS_ALLOW_HEADERS' default). On "
    "another site, not only another port, both cookies must be sent cross-site: "
    "CSRF_COOKIE_SAMESITE = SESSION_COOKIE_SAMESITE = 'None' with CSRF_COOKIE_SECURE = "
    "SESSION_COOKIE_SECURE = True (https). Keep CsrfViewMiddleware; "
    "CORECORS_PROTECT_WRITES = True also guards @csrf_exempt views. "
    "See docs/cookies-and-csrf.md"
)

#: Every setting corecors reads, under its current name.
KNOWN_SETTINGS = (
    *(name for name in CORS_SETTINGS if name not in ALIASES.values()),
    "CORECORS_POLICY",
)

# django-cors-headers' removed settings: what to do instead.
_REMOVED = {
    "CORS_MODEL": "Remove it: for origins kept in the database, set CORECORS_POLICY = "
    "CORSPolicy(allow_origin_func=...) with a function that looks the origin up.",
    "CORS_REPLACE_HTTPS_REFERER": "Remove it: Django checks the Origin of a cross-origin "
    "HTTPS POST against CSRF_TRUSTED_ORIGINS; list your front end's origin there.",
}

_CSRF_MIDDLEWARE = "django.middleware.csrf.CsrfViewMiddleware"


def check_cors_settings(
    app_configs: Sequence[Any] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """The registered check (see apps.py)."""
    messages: list[CheckMessage] = []
    try:
        loaded = load_policy(emit_warnings=False)
    except CORSConfigError as exc:
        messages.extend(_message(Error, problem) for problem in exc.problems)
    else:
        messages.extend(_message(Warning, problem) for problem in loaded.warnings)
        messages.extend(_csrf_trusted_origins(loaded.policy))
        messages.extend(_unprotected_writes(loaded.policy))
    messages.extend(_decorated_views())
    messages.extend(_prefix_regexes())
    messages.extend(_ignored_settings())
    messages.extend(_unknown_settings())
    messages.extend(middleware_order())
    return messages


def _decorated_views() -> list[CheckMessage]:
    """The warnings of each ``@cross_origin`` view's policy in the URLconf.

    Its errors raised CORSConfigError when the decorator ran, at import.
    """
    try:
        views = list(decorated_views())
    except Exception:  # a broken URLconf: Django's own URL checks report it
        return []
    return [
        _message(Warning, problem._replace(option=f"@cross_origin({problem.option}=...) on {name}"))
        for name, policy in views
        for problem in policy.config_warnings
    ]


def _message(kind: type[Error | Warning], problem: ConfigProblem) -> CheckMessage:
    """A core problem as a system-check message: the same code, the fix as the hint."""
    return kind(
        f"{problem.value!r}: {problem.message}",
        hint=problem.fix[:1].upper() + problem.fix[1:] + ".",
        obj=problem.option,
        id=f"corecors.{problem.code}",
    )


def _csrf_trusted_origins(policy: Routable) -> list[CheckMessage]:
    """W101: a credentialed unsafe request (POST...) from another origin passes
    Django's CSRF origin check only if that origin is in CSRF_TRUSTED_ORIGINS."""
    if not _uses_middleware(_CSRF_MIDDLEWARE):
        return []
    trusted = list(getattr(settings, "CSRF_TRUSTED_ORIGINS", ()))
    policies = policies_of(policy)
    missing: list[str] = []
    for item in policies:
        if not item.allow_credentials:
            continue  # no cookies, no session: the CSRF check does not apply
        for origin in item.allow_origins:
            # "*" answers without credentials; "null" can never be trusted by Django.
            if origin not in ("*", "null", *missing) and not _csrf_trusts(origin, trusted):
                missing.append(origin)
    if not missing:
        return []
    listable = [origin for origin in missing if not origin.endswith(":*")]
    any_port = [origin for origin in missing if origin.endswith(":*")]
    hints = []
    if listable:
        hints.append(f"Add them to CSRF_TRUSTED_ORIGINS, e.g. CSRF_TRUSTED_ORIGINS = {listable!r}")
    for pattern in any_port:
        # Django has no "any port" entry: each port in use must be listed.
        hints.append(
            f"Django cannot trust {pattern!r}: list each port you use, e.g. "
            f"{pattern[:-1] + '3000'!r}"
        )
    hints.append("or exempt the views that do not use cookie authentication with @csrf_exempt.")
    hints.append(CSRF_RECIPE + ".")
    return [
        Warning(
            f"credentialed POST/PUT/PATCH/DELETE requests from {', '.join(map(repr, missing))} "
            "will fail Django's CSRF check (403 Forbidden): these origins are allowed with "
            "credentials but are not in CSRF_TRUSTED_ORIGINS",
            hint="; ".join(hints),
            obj="CSRF_TRUSTED_ORIGINS",
            id="corecors.W101",
        )
    ]


def _unprotected_writes(policy: Routable) -> list[CheckMessage]:
    """W005: a credentialed policy without protect_writes (the middleware's notice)."""
    problem = unprotected(policies_of(policy))
    if problem is None:
        return []
    if _uses_middleware(_CSRF_MIDDLEWARE):
        fix = (
            f"{problem.fix}: CsrfViewMiddleware already protects the views that are not "
            "@csrf_exempt; write protection also covers those, and it is not a reason to "
            "remove the middleware"
        )
        problem = problem._replace(fix=fix)
    message = _message(Warning, problem)
    message.hint = f"{message.hint} Silence: SILENCED_SYSTEM_CHECKS = ['corecors.W005']."
    return [message]


def _csrf_trusts(origin: str, trusted: Iterable[str]) -> bool:
    """Whether Django's CsrfViewMiddleware accepts every origin that ``origin`` stands for.

    Mirrors ``CsrfViewMiddleware._origin_verified``: an exact entry, or an entry
    ``scheme://*.domain`` covering the host and its subdomains.
    """
    if origin in trusted:
        return True
    scheme, _, netloc = origin.partition("://")
    if netloc.endswith(":*"):
        return False  # any port: CSRF_TRUSTED_ORIGINS has no way to say that
    for entry in trusted:
        if "*" not in entry:
            continue
        parsed = urlsplit(entry)
        domain = parsed.netloc.lstrip("*")
        if parsed.scheme != scheme:
            continue
        if netloc.startswith("*."):  # a corecors subdomain pattern: every host below it
            if domain.startswith(".") and netloc[1:].endswith(domain.lower()):
                return True
        elif is_same_domain(netloc, domain):
            return True
    return False


def _prefix_regexes() -> list[CheckMessage]:
    """W102: django-cors-headers used re.match (a prefix); corecors always matches
    the whole origin. Safer (``^https://app\\.example\\.com`` also allowed
    ``https://app.example.com.evil.net``), but origins that only began with a
    match are no longer allowed."""
    if getattr(settings, "CORECORS_POLICY", None) is not None:
        return []
    name, regexes = read_setting(settings, "CORS_ALLOWED_ORIGIN_REGEXES", ())
    if isinstance(regexes, str | bytes) or not isinstance(regexes, Iterable):
        return []  # reported as an error by the policy
    messages: list[CheckMessage] = []
    for regex in regexes:
        pattern = regex.pattern if isinstance(regex, re.Pattern) else regex
        if isinstance(pattern, str) and _compiles(pattern) and not _ends_anchored(pattern):
            messages.append(
                Warning(
                    f"{pattern!r} now has to match the whole origin: django-cors-headers "
                    "matched only its start, which also let in longer origins such as "
                    "'https://app.example.com.evil.net'; origins that only begin with a "
                    "match are no longer allowed",
                    hint=f"End the regex with '$' ({pattern + '$'!r}) once you have checked "
                    "that every origin it must allow matches it entirely.",
                    obj=name,
                    id="corecors.W102",
                )
            )
    return messages


def _ends_anchored(pattern: str) -> bool:
    """Whether the regex ends with "$" or "\\Z" (not an escaped "\\$" or "\\\\Z")."""
    body, last = pattern[:-1], pattern[-1:]
    backslashes = len(body) - len(body.rstrip("\\"))
    return (last == "$" and backslashes % 2 == 0) or (last == "Z" and backslashes % 2 == 1)


def _compiles(pattern: str) -> bool:
    try:
        re.compile(pattern)
    except re.error:
        return False  # reported as corecors.E004
    return True


def _ignored_settings() -> list[CheckMessage]:
    """W103: CORECORS_POLICY replaces every CORS_* setting; left-overs are confusing."""
    if getattr(settings, "CORECORS_POLICY", None) is None:
        return []
    ignored = [name for name in CORS_SETTINGS if hasattr(settings, name)]
    if not ignored:
        return []
    return [
        Warning(
            f"{', '.join(ignored)} {'is' if len(ignored) == 1 else 'are'} ignored because "
            "CORECORS_POLICY is set",
            hint="Remove them, or move their values into the CORSPolicy of CORECORS_POLICY.",
            obj="CORECORS_POLICY",
            id="corecors.W103",
        )
    ]


def _unknown_settings() -> list[CheckMessage]:
    """W106 (an unknown CORS_*/CORECORS_* setting: nothing reads it) and W107 (an old
    django-cors-headers name, which still works, or a setting it removed)."""
    messages: list[CheckMessage] = []
    renamed = {alias: name for name, alias in ALIASES.items()}
    for name in sorted(dir(settings)):
        # An unknown CORECORS_* setting is an error of load_policy (corecors' own prefix).
        if not name.startswith("CORS_") or name in KNOWN_SETTINGS:
            continue
        if name in renamed:
            new = renamed[name]
            if hasattr(settings, new):  # renaming would leave two; the new name wins
                hint = f"{new} is also set, so {name} is ignored: move what it holds into {new}"
                hint += ", then delete it."
            else:
                hint = f"Rename it {new} (the old name still works, unless {new} is also set)."
            messages.append(
                Warning(
                    f"{name} is django-cors-headers' old name for {new}",
                    hint=hint,
                    obj=name,
                    id="corecors.W107",
                )
            )
        elif name in _REMOVED:
            messages.append(
                Warning(
                    f"{name} was removed from django-cors-headers and corecors ignores it",
                    hint=_REMOVED[name],
                    obj=name,
                    id="corecors.W107",
                )
            )
        else:
            close = difflib.get_close_matches(name, KNOWN_SETTINGS, n=1)
            hint = f"Did you mean {close[0]}?" if close else "Remove it if it is not a typo."
            messages.append(
                Warning(
                    f"{name} is not a corecors setting: nothing reads it",
                    hint=f"{hint} The settings: {', '.join(KNOWN_SETTINGS)}.",
                    obj=name,
                    id="corecors.W106",
                )
            )
    return messages


def _uses_middleware(path: str) -> bool:
    """Whether MIDDLEWARE has ``path`` or a subclass of it."""
    base = import_string(path)
    for name in getattr(settings, "MIDDLEWARE", None) or ():
        if name == path:
            return True
        try:
            cls = import_string(name)
        except ImportError:
            continue  # Django's own checks report a broken MIDDLEWARE entry
        if isinstance(cls, type) and issubclass(cls, base):
            return True
    return False
