"""``manage.py check``: every bad setting gives its stable id and its fix as the hint."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.middleware.csrf import CsrfViewMiddleware
from django.test import Client
from pytest_django import Settings

from corecors import CODES, CORSConfigWarning, CORSPolicy
from tests.conformance import APP
from tests.django import policies

CSRF = "django.middleware.csrf.CsrfViewMiddleware"
OURS = "corecors.adapters.django.CORSMiddleware"


def run_check() -> str:
    """``call_command("check")``'s whole output, errors included."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("check", stdout=out, stderr=err)
    except SystemCheckError as exc:
        return str(exc)
    return out.getvalue() + err.getvalue()


def corecors_ids(output: str) -> list[str]:
    return re.findall(r"\(corecors\.([EW]\d{3})\)", output)


def configure(settings: Settings, values: dict[str, Any]) -> None:
    # W005 (credentials without CORECORS_PROTECT_WRITES) has its own tests below; the
    # tables check one id each, so it is silenced here as a project would silence it.
    settings.SILENCED_SYSTEM_CHECKS = ["corecors.W005"]
    for name, value in values.items():
        setattr(settings, name, value)


# (setting values, expected id, a piece of the hint, a piece of the message)
BAD: list[tuple[str, dict[str, Any], str, str]] = [
    (
        "no-scheme",
        {"CORS_ALLOWED_ORIGINS": ["app.example.com"]},
        "E001",
        "'https://app.example.com'",
    ),
    ("file-origin", {"CORS_ALLOWED_ORIGINS": ["file://"]}, "E001", "Use 'null', knowing"),
    ("trailing-slash", {"CORS_ALLOWED_ORIGINS": [APP + "/"]}, "E002", repr(APP)),
    ("single-label-wildcard", {"CORS_ALLOWED_ORIGINS": ["https://*.com"]}, "E003", ""),
    (
        "public-suffix-wildcard",
        {"CORS_ALLOWED_ORIGINS": ["https://*.co.uk"]},
        "E003",
        "List your own domain under it, e.g. https://*.example.co.uk",
    ),
    ("bad-regex", {"CORS_ALLOWED_ORIGIN_REGEXES": ["https://("]}, "E004", "Fix the regex"),
    ("bad-method", {"CORS_ALLOW_METHODS": ["GE(T"]}, "E006", "'GET'"),
    ("forbidden-method", {"CORS_ALLOW_METHODS": ["GET", "TRACE"]}, "E007", "Remove 'TRACE'"),
    ("bad-header", {"CORS_ALLOW_HEADERS": ["x(token"]}, "E008", "'xtoken'"),
    (
        "expose-star-credentials",
        {"CORS_EXPOSE_HEADERS": ["*"], "CORS_ALLOW_CREDENTIALS": True},
        "E009",
        "by name",
    ),
    ("negative-max-age", {"CORS_PREFLIGHT_MAX_AGE": -1}, "E010", "CORS_PREFLIGHT_MAX_AGE=600"),
    ("string-origins", {"CORS_ALLOWED_ORIGINS": APP}, "E011", f"CORS_ALLOWED_ORIGINS=[{APP!r}]"),
    (
        "string-regexes",
        {"CORS_ALLOWED_ORIGIN_REGEXES": "^x$"},
        "E011",
        "CORS_ALLOWED_ORIGIN_REGEXES = [",
    ),
    ("credentials-not-bool", {"CORS_ALLOW_CREDENTIALS": "yes"}, "E011", "bool"),
    ("allow-all-not-bool", {"CORS_ALLOW_ALL_ORIGINS": "yes"}, "E011", "bool"),
    ("policy-wrong-type", {"CORECORS_POLICY": 42}, "E011", "CORECORS_POLICY = CORSPolicy("),
    ("urls-regex-bad", {"CORS_URLS_REGEX": "^/api/("}, "E012", "r'^/api/'"),
    ("urls-regex-type", {"CORS_URLS_REGEX": 42}, "E012", "r'^/api/'"),
    (
        "policy-not-importable",
        {"CORECORS_POLICY": "tests.django.nowhere.policy"},
        "E101",
        "dotted path",
    ),
    (
        "star-with-credentials",
        {"CORS_ALLOW_ALL_ORIGINS": True, "CORS_ALLOW_CREDENTIALS": True},
        "W001",
        "Set CORS_ALLOW_ALL_ORIGINS = False and list",
    ),
    (
        "null-credentials",
        {"CORS_ALLOWED_ORIGINS": ["null"], "CORS_ALLOW_CREDENTIALS": True},
        "W002",
        "Remove 'null'",
    ),
    (
        "plain-http-credentials",
        {"CORS_ALLOWED_ORIGINS": ["http://app.example.com"], "CORS_ALLOW_CREDENTIALS": True},
        "W003",
        "'https://app.example.com'",
    ),
    ("explicit-long-max-age", {"CORS_PREFLIGHT_MAX_AGE": 86400}, "W004", "7200"),
    (
        "private-suffix-credentials",
        {"CORS_ALLOWED_ORIGINS": ["https://*.github.io"], "CORS_ALLOW_CREDENTIALS": True},
        "W006",
        "CORS_ALLOWED_ORIGINS=['https://your-app.github.io']",
    ),
    (
        "private-suffix-regex-credentials",
        {
            "CORS_ALLOWED_ORIGIN_REGEXES": [r"^https://[a-z]+\.vercel\.app$"],
            "CORS_ALLOW_CREDENTIALS": True,
        },
        "W006",
        r"CORS_ALLOWED_ORIGIN_REGEXES=r'https://your-app\.vercel\.app'",
    ),
    (
        "csrf-untrusted",
        {"CORS_ALLOWED_ORIGINS": [APP], "CORS_ALLOW_CREDENTIALS": True, "MIDDLEWARE": [OURS, CSRF]},
        "W101",
        f"CSRF_TRUSTED_ORIGINS = [{APP!r}]",
    ),
    (
        "csrf-untrusted-any-port",
        {
            "CORS_ALLOWED_ORIGINS": ["http://localhost:*"],
            "CORS_ALLOW_CREDENTIALS": True,
            "MIDDLEWARE": [OURS, CSRF],
            "CSRF_TRUSTED_ORIGINS": ["http://localhost"],
        },
        "W101",
        "list each port you use, e.g. 'http://localhost:3000'",
    ),
    (
        "csrf-subdomains-not-covered",
        {
            "CORS_ALLOWED_ORIGINS": ["https://*.example.com"],
            "CORS_ALLOW_CREDENTIALS": True,
            "MIDDLEWARE": [OURS, CSRF],
            "CSRF_TRUSTED_ORIGINS": [APP],  # one subdomain is not all of them
        },
        "W101",
        "'https://*.example.com'",
    ),
    (
        "regex-prefix",
        {"CORS_ALLOWED_ORIGIN_REGEXES": [r"^https://\w+\.example\.com"]},
        "W102",
        "$'",
    ),
    ("regex-escaped-dollar", {"CORS_ALLOWED_ORIGIN_REGEXES": [r"^https://a\.com\$"]}, "W102", "$'"),
    (
        "policy-and-settings",
        {"CORECORS_POLICY": "tests.django.policies.api", "CORS_ALLOWED_ORIGINS": [APP]},
        "W103",
        "Remove them",
    ),
    (
        "middleware-after-common",
        {"MIDDLEWARE": ["django.middleware.common.CommonMiddleware", OURS]},
        "W104",
        "above 'django.middleware.common.CommonMiddleware'",
    ),
    (
        "authentication-above-ours",
        {"MIDDLEWARE": ["myproject.auth.TokenMiddleware", OURS]},
        "W108",
        "Move 'corecors.adapters.django.CORSMiddleware' above 'myproject.auth.TokenMiddleware'",
    ),
    (
        "old-middleware-left",
        {"MIDDLEWARE": [OURS, "corsheaders.middleware.CorsMiddleware"]},
        "W105",
        "Remove 'corsheaders.middleware.CorsMiddleware'",
    ),
]


@pytest.mark.parametrize(("values", "code", "hint"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_setting_gives_its_id_and_hint(
    settings: Settings, values: dict[str, Any], code: str, hint: str
) -> None:
    configure(settings, values)
    output = run_check()
    assert corecors_ids(output) == [code], output
    assert f"(corecors.{code})" in output
    hint_line = output[output.index(f"(corecors.{code})") :].split("HINT:", 1)[1].splitlines()[0]
    assert hint in hint_line, output
    if code.startswith("E"):
        assert "SystemCheckError" in output  # an error fails `manage.py check`


GOOD: list[tuple[str, dict[str, Any]]] = [
    ("defaults", {}),  # django-cors-headers' default max age 86400 is not reported
    ("one-origin", {"CORS_ALLOWED_ORIGINS": [APP]}),
    (
        "credentials-and-csrf",
        {
            "CORS_ALLOWED_ORIGINS": [APP, "https://*.example.org", "http://localhost:5173"],
            "CORS_ALLOWED_ORIGIN_REGEXES": [
                r"^https://\w+\.example\.net$",
                re.compile(r"https://x\.io\Z"),
            ],
            "CORS_ALLOW_CREDENTIALS": True,
            "CORS_URLS_REGEX": r"^/api/",
            "CORS_PREFLIGHT_MAX_AGE": 600,
            "MIDDLEWARE": [
                "django.middleware.security.SecurityMiddleware",
                OURS,
                "django.middleware.common.CommonMiddleware",
                CSRF,
            ],
            "CSRF_TRUSTED_ORIGINS": [
                "https://*.example.com",
                "https://*.example.org",
                "http://localhost:5173",
            ],
        },
    ),
    ("csrf-without-credentials", {"CORS_ALLOWED_ORIGINS": [APP], "MIDDLEWARE": [OURS, CSRF]}),
    ("credentials-without-csrf", {"CORS_ALLOWED_ORIGINS": [APP], "CORS_ALLOW_CREDENTIALS": True}),
    ("policy-dotted-path", {"CORECORS_POLICY": "tests.django.policies.api"}),
]


@pytest.mark.parametrize("values", [g[1] for g in GOOD], ids=[g[0] for g in GOOD])
def test_good_configuration_gives_nothing(settings: Settings, values: dict[str, Any]) -> None:
    configure(settings, values)
    output = run_check()
    assert corecors_ids(output) == [], output
    assert "corecors" not in output


def test_policy_object_warnings_are_reported(settings: Settings) -> None:
    with pytest.warns(CORSConfigWarning):  # the core warns when the object is built...
        policy = CORSPolicy(allow_origins=["null"], allow_credentials=True, protect_writes=True)
    settings.CORECORS_POLICY = policy
    output = run_check()  # ...and the check reports it, in the core's terms
    assert corecors_ids(output) == ["W002"], output
    assert "allow_origins: (corecors.W002)" in output


def test_every_problem_of_a_configuration_is_reported(settings: Settings) -> None:
    configure(
        settings,
        {"CORS_ALLOWED_ORIGINS": ["app.example.com", APP + "/"], "CORS_ALLOW_METHODS": ["TRACE"]},
    )
    assert sorted(corecors_ids(run_check())) == ["E001", "E002", "E007"]


def test_messages_name_the_setting(settings: Settings) -> None:
    settings.CORS_ALLOW_HEADERS = ["x token"]
    output = run_check()
    assert "CORS_ALLOW_HEADERS: (corecors.E008) 'x token'" in output, output
    assert "allow_headers" not in output


def test_every_id_is_documented() -> None:
    from corecors.adapters.django.checks import DJANGO_CODES

    page = (policies.ROOT / "docs" / "django.md").read_text()
    for code in [*CODES, *DJANGO_CODES]:
        assert f"corecors.{code}" in page, f"corecors.{code} is not in docs/django.md"
    assert not set(CODES) & set(DJANGO_CODES)


@pytest.mark.parametrize(
    ("origin", "trusted", "passes"),
    [
        (APP, [], False),
        (APP, [APP], True),
        (APP, ["https://*.example.com"], True),
        ("https://a.b.example.com", ["https://*.example.com"], True),
        (APP, ["http://*.example.com"], False),
        (APP, ["https://app.example.com:443"], False),
        ("https://app.example.com:8443", ["https://*.example.com"], False),
        ("http://localhost:5173", ["http://localhost:5173"], True),
        ("http://localhost:5173", ["http://localhost"], False),
    ],
)
def test_csrf_check_mirrors_djangos_csrf_middleware(
    settings: Settings, origin: str, trusted: list[str], passes: bool
) -> None:
    """What W101 assumes is what CsrfViewMiddleware does to a credentialed POST."""
    settings.MIDDLEWARE = [OURS, CSRF]
    settings.CSRF_TRUSTED_ORIGINS = trusted
    settings.CORS_ALLOWED_ORIGINS = [origin]
    settings.CORS_ALLOW_CREDENTIALS = True
    client = Client(enforce_csrf_checks=True)
    secret = "a" * 32  # a valid unmasked CSRF secret: only the Origin check can fail
    client.cookies["csrftoken"] = secret
    response = client.post("/items", headers={"Origin": origin, "X-CSRFToken": secret})
    assert (response.status_code == 200) is passes, response.content[:200]
    assert ("corecors.W101" not in run_check()) is passes


class SubclassedCsrf(CsrfViewMiddleware):
    """A project's own CSRF middleware: W101 still applies to it."""


def test_csrf_check_finds_a_subclass_and_skips_a_broken_entry(settings: Settings) -> None:
    settings.CORS_ALLOWED_ORIGINS = ["https://*.api.example.com"]
    settings.CORS_ALLOW_CREDENTIALS = True
    settings.CSRF_TRUSTED_ORIGINS = ["http://*.example.com"]  # another scheme: no cover
    settings.MIDDLEWARE = [OURS, "tests.django.no_such_module.Middleware", _SUBCLASS]
    assert "W101" in corecors_ids(run_check())
    settings.CSRF_TRUSTED_ORIGINS = ["https://*.other.org"]  # another domain: no cover
    assert "W101" in corecors_ids(run_check())
    settings.CSRF_TRUSTED_ORIGINS = ["https://*.example.com"]  # covers *.api.example.com
    assert "W101" not in corecors_ids(run_check())
    settings.CSRF_TRUSTED_ORIGINS = ["http://*.example.com"]
    settings.MIDDLEWARE = [OURS, "tests.django.no_such_module.Middleware"]
    assert "W101" not in corecors_ids(run_check())  # no CSRF middleware: nothing to warn


def test_old_middleware_alone_is_reported_without_order_warnings(settings: Settings) -> None:
    settings.MIDDLEWARE = ["django.middleware.common.CommonMiddleware", _OLD]
    ids = corecors_ids(run_check())
    assert "W105" in ids
    assert "W104" not in ids  # ours is not installed: no order to check


_SUBCLASS = "tests.django.test_checks.SubclassedCsrf"
_OLD = "corsheaders.middleware.CorsMiddleware"


def test_django_s_own_middleware_above_ours_is_not_reported(settings: Settings) -> None:
    # Django's default MIDDLEWARE with corecors' placed last: nothing of it answers a
    # request in its own __call__ (CSRF runs in process_view, after the preflight was
    # answered), so only CommonMiddleware's redirects are reported (W104).
    settings.MIDDLEWARE = [
        "django.middleware.security.SecurityMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.common.CommonMiddleware",
        CSRF,
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
        OURS,
    ]
    assert [code for code in corecors_ids(run_check()) if code.startswith("W10")] == ["W104"]


@pytest.mark.parametrize("csrf", [False, True])
def test_w005_credentials_without_write_protection(settings: Settings, csrf: bool) -> None:
    settings.CORS_ALLOWED_ORIGINS = [APP]
    settings.CORS_ALLOW_CREDENTIALS = True
    settings.MIDDLEWARE = [OURS, CSRF] if csrf else [OURS]
    settings.CSRF_TRUSTED_ORIGINS = [APP]
    output = run_check()
    assert corecors_ids(output) == ["W005"], output
    assert "CORS_ALLOW_CREDENTIALS=True a page on any other site" in output
    assert "Set CORECORS_PROTECT_WRITES=True" in output
    assert "SILENCED_SYSTEM_CHECKS = ['corecors.W005']" in output
    assert ("not a reason to remove the middleware" in output) is csrf
    settings.SILENCED_SYSTEM_CHECKS = ["corecors.W005"]
    assert corecors_ids(run_check()) == []
    settings.SILENCED_SYSTEM_CHECKS = []
    settings.CORECORS_PROTECT_WRITES = True
    assert corecors_ids(run_check()) == []


def test_w001_and_w101_agree(settings: Settings) -> None:
    """Following W001's hint (CORS and CSRF trusted origins, a dev port) gives no W101."""
    settings.MIDDLEWARE = [OURS, CSRF]
    settings.CORS_ALLOW_ALL_ORIGINS = True
    settings.CORS_ALLOW_CREDENTIALS = True
    settings.CORECORS_PROTECT_WRITES = True
    output = run_check()
    assert corecors_ids(output) == ["W001"], output
    assert "localhost:*" not in output
    assert "'http://localhost:5173'" in output
    assert "CSRF_TRUSTED_ORIGINS" in output
    settings.CORS_ALLOW_ALL_ORIGINS = False
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.com", "http://localhost:5173"]
    settings.CSRF_TRUSTED_ORIGINS = ["https://app.example.com", "http://localhost:5173"]
    assert corecors_ids(run_check()) == []


def test_w101_gives_the_whole_recipe(settings: Settings) -> None:
    configure(
        settings,
        {"CORS_ALLOWED_ORIGINS": [APP], "CORS_ALLOW_CREDENTIALS": True, "MIDDLEWARE": [OURS, CSRF]},
    )
    output = run_check()
    for piece in (
        f"CSRF_TRUSTED_ORIGINS = [{APP!r}]",
        "@ensure_csrf_cookie",
        "get_token(request)",
        "X-CSRFToken",
        "credentials: 'include'",
        "CSRF_COOKIE_SAMESITE = SESSION_COOKIE_SAMESITE = 'None'",
        "CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE = True",
        "Keep CsrfViewMiddleware",
        "CORECORS_PROTECT_WRITES = True",
    ):
        assert piece in output, piece
