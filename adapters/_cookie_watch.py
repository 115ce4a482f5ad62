"""Debug mode: the cookies a browser will not send back, logged once per cookie name.

A credentialed cross-origin response (the request's origin allowed, credentials
allowed) that sets a cookie: :func:`corecors.engine.cookie_reports` says, per
engine, whether the browser will send it back on such requests; each cookie that
some engine will not is logged once (per name, per adapter instance) through the
adapter's :class:`corecors.engine.RefusalLog`, at WARNING::

    CORS cookie 'session' not sent back: set on a cross-site response: Chromium 156:
    not sent (no SameSite, taken as Lax: never sent on cross-site requests); ...
    Fix: serve the API on the page's site ...

Only in the framework's debug mode; outside it the adapters never call in here.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, MutableMapping
from typing import Any

from corecors.engine import MAX_HOST_LENGTH, CookieRequest, RefusalLog, cookie_reports

from ._common import FETCH_SITE, HOST, ORIGIN

#: The grant that marks a credentialed response (str and latin-1 bytes forms).
CREDENTIALS = ("Access-Control-Allow-Credentials", "true")
RAW_CREDENTIALS = (b"access-control-allow-credentials", b"true")


def host_without_port(host: str) -> str:
    """``api.example.com:8443`` -> ``api.example.com``; ``[::1]:8000`` -> ``[::1]``."""
    host = host[:MAX_HOST_LENGTH].strip().lower()
    if host.startswith("["):
        return host.partition("]")[0] + "]"
    return host.rpartition(":")[0] if ":" in host else host


class CookieWatch:
    """The cookie names already logged (at most ``LIMIT``, then forgotten all at once)
    and how to word the fix.

    - ``refusals`` (:class:`corecors.engine.RefusalLog`): the adapter's log.
    - ``framework`` (``str | None``): ``"django"``, ``"flask"``, ``"starlette"`` or None.
    - ``settings`` (``Mapping[str, str]``, default empty): cookie name -> its
      settings' prefix (Django's ``{"sessionid": "SESSION_COOKIE"}``).
    """

    LIMIT = 256

    def __init__(
        self,
        refusals: RefusalLog,
        framework: str | None = None,
        settings: Mapping[str, str] | None = None,
    ) -> None:
        self.refusals = refusals
        self.framework = framework
        self.settings = dict(settings or {})
        self.logged: set[str] = set()

    def check(
        self,
        set_cookies: list[str],
        origin: str,
        scheme: str,
        host: str,
        fetch_site: str | None,
    ) -> None:
        """Log each cookie of ``set_cookies`` some engine will not send back, once."""
        request = CookieRequest(origin, scheme, host_without_port(host), fetch_site)
        for report in cookie_reports(set_cookies, request, self.framework, self.settings):
            if report.name in self.logged:
                continue
            outcome = "kept per site" if report.outcome == "partitioned" else "not sent back"
            kind = f"cookie {report.name!r}"
            # Noted only once its line is out: a minute whose lines refusals spent
            # must not lose the diagnosis for good.
            if self.refusals.log(logging.WARNING, kind, report, outcome=outcome):
                if len(self.logged) >= self.LIMIT:
                    self.logged.clear()
                self.logged.add(report.name)

    def check_cgi(
        self, meta: Mapping[str, Any], scheme: str, headers: Iterable[tuple[str, str]]
    ) -> None:
        """:meth:`check` for a CGI-style request (WSGI ``environ``, Django ``META``) and
        ``str`` response headers."""
        set_cookies = [value for name, value in headers if name.lower() == "set-cookie"]
        if set_cookies:
            host = meta.get(HOST) or meta.get("SERVER_NAME") or ""
            self.check(set_cookies, meta[ORIGIN], scheme, host, meta.get(FETCH_SITE))

    def check_asgi(self, scope: MutableMapping[str, Any], message: Mapping[str, Any]) -> None:
        """:meth:`check` for an ASGI scope and its ``http.response.start`` message."""
        set_cookies = [
            value.decode("latin-1")
            for name, value in message.get("headers", ())
            if name.lower() == b"set-cookie"
        ]
        if not set_cookies:
            return
        found: dict[bytes, str] = {}
        for name, value in scope["headers"]:
            if name in (b"origin", b"host", b"sec-fetch-site"):
                found.setdefault(name, value.decode("latin-1"))
        if b"origin" in found:
            host = found.get(b"host", "")
            scheme = scope.get("scheme", "http")
            self.check(set_cookies, found[b"origin"], scheme, host, found.get(b"sec-fetch-site"))


def watched_send(middleware: Any, scope: Any, send: Any) -> Any:
    """``send``, checking the cookies of ``http.response.start`` in debug mode; ``send``
    itself otherwise. ``middleware`` is the ASGI ``CORSMiddleware`` (its ``cookies`` and
    ``debug``). With ``debug=None`` the application's debug mode (the ``debug``
    attribute of ``scope["app"]``, Starlette's and FastAPI's) is read here, on the
    first credentialed response: outside it the watch is dropped for good, so that
    requests cost nothing more (Starlette too reads its debug mode once, when it builds
    its middleware stack)."""
    watch: CookieWatch = middleware.cookies
    if not (middleware.debug or getattr(scope.get("app"), "debug", False) is True):
        middleware.cookies = None
        return send

    async def send_watched(message: Any) -> None:
        if message["type"] == "http.response.start":
            watch.check_asgi(scope, message)
        await send(message)

    return send_watched
