"""Django in debug mode: the cookies browsers will not send back (``adapters/_cookie_watch``).

Called by the middleware for each response it grants with credentials; logs
through the process's refusal log (``_responses.REFUSALS``), naming Django's
settings in the fix (``SESSION_COOKIE_SAMESITE``, ``CSRF_COOKIE_SECURE``, ...).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from corecors import Decision

from .._cookie_watch import CREDENTIALS, CookieWatch
from ._responses import REFUSALS

#: The cookie names already logged, for the whole process (the middleware and views).
WATCH = CookieWatch(REFUSALS, "django")


def watch_cookies(request: HttpRequest, response: HttpResponseBase, decision: Decision) -> None:
    """Log the cookies of ``response`` browsers will not send back, when ``DEBUG`` is on
    and ``decision`` grants credentials; else nothing (two cheap checks)."""
    if CREDENTIALS not in decision.headers or not settings.DEBUG or not response.cookies:
        return
    WATCH.settings = {
        settings.SESSION_COOKIE_NAME: "SESSION_COOKIE",
        settings.CSRF_COOKIE_NAME: "CSRF_COOKIE",
    }
    lines = [("Set-Cookie", morsel.OutputString()) for morsel in response.cookies.values()]
    WATCH.check_cgi(request.META, request.scheme or "http", lines)
