"""The system checks of ``MIDDLEWARE``'s order (W104, W105, W108): what answers a
request before ``CORSMiddleware`` does it without CORS headers."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import CheckMessage, Warning

_OUR_MIDDLEWARE = (
    "corecors.adapters.django.CORSMiddleware",
    "corecors.adapters.django.middleware.CORSMiddleware",
)
# Middleware whose responses, sent outside a CORSMiddleware placed below them,
# carry no CORS headers: CommonMiddleware's redirects (APPEND_SLASH's 301 of the
# actual request, PREPEND_WWW's of the preflight too). A browser follows the
# redirect of a CORS request only if it carries the grant (Fetch). Redirects from
# process_view (LoginRequiredMiddleware) pass through CORSMiddleware in any order
# (tests/django/test_redirects.py).
_ANSWER_FIRST = ("django.middleware.common.CommonMiddleware",)
# Middleware that never answers a request in its own __call__ (what runs in
# process_view, such as CSRF checks, comes after CORSMiddleware has answered the
# preflight): harmless above it. Anything else above it may answer a preflight
# itself, without CORS headers (W108).
_PASS_THROUGH = frozenset(
    {
        "django.middleware.security.SecurityMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
        "django.middleware.gzip.GZipMiddleware",
        "django.middleware.http.ConditionalGetMiddleware",
        "django.middleware.locale.LocaleMiddleware",
        "whitenoise.middleware.WhiteNoiseMiddleware",
    }
)
_OLD_MIDDLEWARE = "corsheaders.middleware.CorsMiddleware"


def middleware_order() -> list[CheckMessage]:
    """W104 and W108 (CORSMiddleware below middleware that answers first) and W105
    (django-cors-headers still installed)."""
    middleware = [m for m in getattr(settings, "MIDDLEWARE", None) or () if isinstance(m, str)]
    messages: list[CheckMessage] = []
    ours = next((i for i, m in enumerate(middleware) if m in _OUR_MIDDLEWARE), 0)
    for name in middleware[:ours]:
        if name in _ANSWER_FIRST:
            messages.append(
                Warning(
                    f"CORSMiddleware comes after {name}, so its redirects carry no CORS "
                    "headers: APPEND_SLASH's 301 for a URL without its trailing slash "
                    "(and PREPEND_WWW's, preflights included) is reported by the browser "
                    "as a CORS error instead of being followed",
                    hint=f"Move {middleware[ours]!r} above {name!r} in MIDDLEWARE "
                    "(as high as possible; after SecurityMiddleware is fine).",
                    obj="MIDDLEWARE",
                    id="corecors.W104",
                )
            )
        elif name not in _PASS_THROUGH:
            messages.append(_answers_first(name, middleware[ours]))
    if _OLD_MIDDLEWARE in middleware:
        messages.append(
            Warning(
                f"{_OLD_MIDDLEWARE!r} is still in MIDDLEWARE: two CORS middlewares answer "
                "preflights and set Access-Control-* headers differently",
                hint=f"Remove {_OLD_MIDDLEWARE!r} (corecors reads the same CORS_* settings), "
                "and 'corsheaders' from INSTALLED_APPS.",
                obj="MIDDLEWARE",
                id="corecors.W105",
            )
        )
    return messages


def _answers_first(name: str, ours: str) -> CheckMessage:
    """W108: ``name`` runs before CORSMiddleware and may answer a preflight itself.

    A preflight carries no cookies and no Authorization (Fetch §4.8): an
    authentication middleware above CORS answers it 401 without CORS headers, the
    browser reports PreflightMissingAllowOriginHeader, and corecors never sees it.
    """
    return Warning(
        f"{name} comes before CORSMiddleware in MIDDLEWARE: if it answers a request "
        "itself (an authentication check answering 401 to a preflight, which carries no "
        "cookies or Authorization), the browser reports PreflightMissingAllowOriginHeader "
        "and corecors never sees the request",
        hint=f"Move {ours!r} above {name!r} in MIDDLEWARE (as high as possible). If "
        f"{name} never answers a request itself, silence this check with "
        "SILENCED_SYSTEM_CHECKS = ['corecors.W108'].",
        obj="MIDDLEWARE",
        id="corecors.W108",
    )
