"""Cookies across origins: will the browser send a cookie back, per engine, and the fix.

A front end on another origin logs in through the API, CORS passes, and the cookie
the API set never comes back. The browser decides per cookie, from its attributes
(``SameSite``, ``Secure``, ``Partitioned``) and from how the page and the API are
related: the same site (the same registrable domain, :mod:`._suffixes`; Chromium
also compares the schemes) or not. :func:`cookie_reports` is that decision, as a pure
function of a response's ``Set-Cookie`` lines and the request, for each engine in
:data:`COOKIE_ENGINES`; the adapters call it in debug mode only (``adapters/_cookie_watch``),
and ``corecors check --credentials`` for the cookies it sees.

:data:`COOKIE_ENGINES` holds what was measured in each engine, not what its vendor
announces: ``tests/e2e/test_cookie_engines.py`` sets every kind of cookie from a
page on one site to an API on another (or the same) and asserts that the cookies
the browser sends back are those this module predicts. An engine added there is
added here (a new key), and the tests hold it to its row.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import NamedTuple

from ._suffixes import public_suffix, site_of


class CookieEngine(NamedTuple):
    """How one browser engine treats cookies across sites (measured; see the module).

    - ``label`` (``str``): the engine and version measured, e.g. ``"Chromium 156"``.
    - ``default_same_site`` (``str``): ``"lax"`` or ``"none"``: a cookie without
      ``SameSite`` (or with an unknown value) is treated so.
    - ``none_needs_secure`` (``bool``): ``SameSite=None`` without ``Secure`` is refused.
    - ``secure_on_loopback_http`` (``bool``): ``Secure`` cookies are kept over plain
      http from ``localhost`` and ``127.0.0.1`` (never from other hosts).
    - ``schemeful`` (``bool``): an http page and an https API on the same
      registrable domain are different sites for cookies.
    - ``third_party`` (``str``): what happens to a cookie that may go cross-site
      (``SameSite=None``): ``"blocked"`` or ``"partitioned"`` (kept per top-level site).
    - ``partitioned_attribute`` (``bool``): a ``Partitioned`` cookie is kept per
      top-level site where third-party cookies are blocked (CHIPS).
    - ``unlisted_hosts_apart`` (``bool``, default False): two hosts under a top-level
      name off the Public Suffix List (``app.site.localhost`` and ``api.site.localhost``)
      are two sites to its cookie jar, whatever ``Sec-Fetch-Site`` says.
    """

    label: str
    default_same_site: str
    none_needs_secure: bool
    secure_on_loopback_http: bool
    schemeful: bool
    third_party: str
    partitioned_attribute: bool
    unlisted_hosts_apart: bool = False


#: The engines' measured behaviour, by the name ``corecors check --browser`` uses.
#: Measured on 2026-12-05 in CI (tests/e2e/test_cookie_engines.py; docs/cookies.md has
#: the table): Chromium 156 (Debian's build, a fresh profile), Firefox ESR 153.8
#: (default settings: Total Cookie Protection), WebKitGTK 2.50.6 (its default policy,
#: over http and https: it blocks every cross-site cookie, ``Partitioned`` too, and
#: compares sites without their schemes, but hosts under ``.localhost`` or ``.test`` as
#: hosts: those are never one site to it).
COOKIE_ENGINES: dict[str, CookieEngine] = {
    "chromium": CookieEngine("Chromium 156", "lax", True, True, True, "blocked", True),
    "firefox": CookieEngine("Firefox 153", "none", True, True, False, "partitioned", True),
    "webkit": CookieEngine(
        "WebKitGTK 2.50", "none", False, False, False, "blocked", False, unlisted_hosts_apart=True
    ),
}

SENT, REJECTED, NOT_SENT, BLOCKED, PARTITIONED = (
    "sent",
    "rejected",
    "not sent",
    "blocked",
    "partitioned",
)
_SEVERITY = {SENT: 0, PARTITIONED: 1, BLOCKED: 2, NOT_SENT: 3, REJECTED: 4}

_APART = "two hosts, two sites"
_LOOPBACK = re.compile(r"(?:.+\.)?localhost\.?|127(?:\.[0-9]{1,3}){3}|\[::1\]")


class Cookie(NamedTuple):
    """The attributes of one ``Set-Cookie`` line that decide where it goes."""

    name: str
    same_site: str | None  # "lax", "strict", "none", or None (absent or unknown)
    secure: bool
    partitioned: bool
    deleted: bool  # Max-Age=0 or less: a cookie being removed needs nothing back


def parse_set_cookie(line: str) -> Cookie:
    """One ``Set-Cookie`` value's name and attributes (RFC 6265bis §5.6). Raises nothing."""
    pair, *attributes = line.split(";")
    name = pair.partition("=")[0].strip() if "=" in pair else ""
    same_site = None
    secure = partitioned = deleted = False
    for attribute in attributes:
        key, _, value = attribute.partition("=")
        key, value = key.strip().lower(), value.strip().lower()
        if key == "samesite":
            same_site = value if value in ("lax", "strict", "none") else None
        elif key == "secure":
            secure = True
        elif key == "partitioned":
            partitioned = True
        elif key == "max-age":
            deleted = value.lstrip("-").isdigit() and int(value) <= 0
    return Cookie(name, same_site, secure, partitioned, deleted)


class Fate(NamedTuple):
    """What one engine does with one cookie: ``outcome`` (``"sent"``, ``"rejected"``
    (not stored), ``"not sent"``, ``"blocked"`` (a third-party cookie),
    ``"partitioned"`` (sent back only from pages on the front end's site)) and why."""

    outcome: str
    reason: str


class CookieRequest(NamedTuple):
    """The request a cookie was set on, as the API saw it.

    ``origin``: the page's serialised origin; ``scheme``: ``"http"`` or ``"https"``, as
    the framework reports it; ``host``: the API's host, without the port;
    ``sec_fetch_site``: the header's value, or None.
    """

    origin: str
    scheme: str
    host: str
    sec_fetch_site: str | None = None


class CookieReport(NamedTuple):
    """One cookie that some engine will not send back on such requests.

    ``name`` (``str``); ``fates`` (``dict[str, Fate]``, by engine name, every engine);
    ``fix`` (``str``): what to change, in the framework's vocabulary; ``relation``
    (``str``): how the page and the API are related, for the message.
    """

    name: str
    fates: dict[str, Fate]
    fix: str
    relation: str

    @property
    def outcome(self) -> str:
        """The worst engine's outcome."""
        return max((fate.outcome for fate in self.fates.values()), key=_SEVERITY.__getitem__)

    def render(self, name: object = None) -> str:
        """The log line's text: each engine's fate (engines that agree together), then
        the fix. ``name`` is ignored (the fix is already worded). Raises nothing."""
        groups: dict[Fate, list[str]] = {}
        for engine, fate in self.fates.items():
            label = COOKIE_ENGINES[engine].label if engine in COOKIE_ENGINES else engine
            groups.setdefault(fate, []).append(label)
        parts = [
            f"{', '.join(labels[:-1]) + ' and ' if len(labels) > 1 else ''}{labels[-1]}: "
            f"{fate.outcome} ({fate.reason})"
            for fate, labels in groups.items()
        ]
        return f"set on a {self.relation} response: {'; '.join(parts)}. Fix: {self.fix}"


def cookie_reports(
    set_cookies: Iterable[str],
    request: CookieRequest,
    framework: str | None = None,
    settings: Mapping[str, str] | None = None,
    engines: Mapping[str, CookieEngine] = COOKIE_ENGINES,
) -> list[CookieReport]:
    """The cookies of a credentialed cross-origin response that some engine will not
    send back on such requests (or keeps only per front-end site), with the fix.

    - ``set_cookies`` (``Iterable[str]``): the response's ``Set-Cookie`` values.
    - ``request`` (:class:`CookieRequest`): the request they answer.
    - ``framework`` (``str | None``, default None): ``"django"``, ``"flask"`` or
      ``"starlette"`` words the fix with that framework's settings and calls.
    - ``settings`` (``Mapping[str, str] | None``, default None): cookie name -> the
      prefix of its settings (Django: ``{"sessionid": "SESSION_COOKIE"}``).
    - ``engines`` (``Mapping[str, CookieEngine]``, default :data:`COOKIE_ENGINES`).

    Returns one :class:`CookieReport` per such cookie, in order; cookies being
    deleted (``Max-Age=0``) are left out. Raises nothing.
    """
    relation = _relation(request)
    reports = []
    for line in set_cookies:
        cookie = parse_set_cookie(line)
        if cookie.deleted:
            continue
        fates = {key: _fate(cookie, request, relation, engine) for key, engine in engines.items()}
        if all(fate.outcome == SENT for fate in fates.values()):
            continue
        fix = cookie_fix(cookie, fates, request, framework, (settings or {}).get(cookie.name))
        reports.append(CookieReport(cookie.name, fates, fix, _describe(relation)))
    return reports


class _Relation(NamedTuple):
    same_site: bool  # the same registrable domain (or host), schemes aside
    same_scheme: bool
    cross_site_header: bool | None  # Sec-Fetch-Site said cross-site (True) or not (False)
    unlisted: str | None = None  # two hosts under this unlisted top-level name (``localhost``)


def _relation(request: CookieRequest) -> _Relation:
    scheme, _, rest = request.origin.partition("://")
    page_host = rest.rsplit(":", 1)[0] if not rest.endswith("]") else rest
    same_scheme = scheme == request.scheme
    suffix = public_suffix(request.host)
    apart = page_host.lower() != request.host.lower() and not suffix.listed
    unlisted = suffix.name if apart else None
    header = request.sec_fetch_site
    if header in ("same-origin", "same-site", "none"):
        return _Relation(True, same_scheme, False, unlisted)
    same_site = site_of(page_host) == site_of(request.host)
    return _Relation(same_site, same_scheme, True if header == "cross-site" else None, unlisted)


def _describe(relation: _Relation) -> str:
    if relation.same_site and relation.same_scheme:
        return "same-site"
    if relation.same_site:
        return "cross-site (http page, https API: another site for Chromium)"
    return "cross-site"


def _fate(
    cookie: Cookie, request: CookieRequest, relation: _Relation, engine: CookieEngine
) -> Fate:
    loopback = _LOOPBACK.fullmatch(request.host) is not None
    if cookie.secure and request.scheme != "https":
        if not loopback:
            return Fate(REJECTED, "a Secure cookie set over plain http")
        if not engine.secure_on_loopback_http:
            return Fate(REJECTED, "a Secure cookie over plain http, even on localhost")
    if cookie.same_site == "none" and not cookie.secure and engine.none_needs_secure:
        return Fate(REJECTED, "SameSite=None without Secure")
    cross = not relation.same_site or (engine.schemeful and not relation.same_scheme)
    if not cross and relation.unlisted and engine.unlisted_hosts_apart:
        return Fate(BLOCKED, f"{_APART}: .{relation.unlisted} is not on the public suffix list")
    if not cross:
        return Fate(SENT, "same-site")
    same_site = cookie.same_site or engine.default_same_site
    if same_site != "none":
        written = (
            f"SameSite={same_site.title()}"
            if cookie.same_site
            else (f"no SameSite, taken as {same_site.title()}")
        )
        return Fate(NOT_SENT, f"{written}: never sent on cross-site requests")
    if engine.third_party == "partitioned":
        return Fate(PARTITIONED, "third-party cookies are kept per top-level site")
    if cookie.partitioned and engine.partitioned_attribute:
        return Fate(PARTITIONED, "Partitioned: kept per top-level site")
    return Fate(BLOCKED, "third-party cookies are blocked")


def cookie_fix(
    cookie: Cookie,
    fates: Mapping[str, Fate],
    request: CookieRequest,
    framework: str | None = None,
    prefix: str | None = None,
) -> str:
    """The fix for the worst fate of ``cookie``, in ``framework``'s words (``prefix``:
    the cookie's settings, e.g. ``"SESSION_COOKIE"``). Raises nothing."""
    worst = max(fates.values(), key=lambda fate: _SEVERITY[fate.outcome])

    def written(*pairs: tuple[str, str]) -> str:
        return attributes(pairs, framework, prefix)

    if worst.reason.startswith("a Secure cookie") and cookie.same_site == "none":
        # SameSite=None needs Secure: dropping Secure gets it rejected everywhere.
        return (
            "serve the API over https (SameSite=None needs Secure, which WebKit refuses over "
            "plain http even on localhost); in development, with the page on the API's "
            f"site, without SameSite=None: {written(('samesite', 'Lax'), ('secure', 'False'))}"
        )
    if worst.reason.startswith("a Secure cookie"):
        return (
            "serve the API over https; in development, over http://localhost (Chromium "
            "and Firefox keep Secure cookies there, WebKit does not), or without Secure "
            f"there: {written(('secure', 'False'))}"
        )
    if worst.reason.startswith(_APART):
        return (
            "open the page and the API on one host name (http://localhost with two ports), "
            "or under a real domain (app.example.com and api.example.com)"
        )
    if worst.reason.startswith("SameSite=None"):
        return f"add Secure and serve over https: {written(('secure', 'True'))}"
    same_site = (
        "serve the API on the page's site (a subdomain such as api.<the page's domain>, "
        "or the page's own origin through a proxy)"
    )
    cross_site = f"{same_site}, or authenticate with a token in Authorization (docs/cookies.md)"
    if worst.outcome == NOT_SENT:
        none = written(("samesite", "None"), ("secure", "True"), ("partitioned", "True"))
        return f"{cross_site}; or {none} (WebKit still blocks it; others keep it per site)"
    if worst.outcome == BLOCKED:
        if cookie.partitioned:
            return cross_site
        return f"{cross_site}; or {written(('partitioned', 'True'))} (not WebKit)"
    return (
        "nothing if the page logs in through this API; to share the cookie with the "
        f"API's own pages or other front ends, {same_site}"
    )


_SETTING = {"samesite": "SAMESITE", "secure": "SECURE", "partitioned": "PARTITIONED"}
_SESSION_MIDDLEWARE = {"samesite": "same_site", "secure": "https_only"}


def attributes(pairs: Iterable[tuple[str, str]], framework: str | None, prefix: str | None) -> str:
    """Cookie attributes (``("samesite", "None")``, ``("secure", "True")``...) as the
    user writes them: Django or Flask settings (``prefix``), Starlette's
    ``SessionMiddleware`` (``prefix``), a ``set_cookie()`` call, or the header."""
    pairs = list(pairs)
    if framework == "django" and any(name == "partitioned" for name, _ in pairs):
        pairs = [pair for pair in pairs if pair[0] != "partitioned"]
        note = " and Partitioned (Django has no setting or keyword for it: write the header)"
    else:
        note = ""
    if prefix and framework in ("django", "flask"):
        # As each framework's users write them: settings.py, or app.config (Flask's
        # refusal lines name app.config['CORS_...'] the same way).
        form = "{} = {}" if framework == "django" else "app.config['{}'] = {}"
        shown = [form.format(f"{prefix}_{_SETTING[n]}", _value(n, v)) for n, v in pairs]
        return ", ".join(shown) + note
    if framework in ("django", "flask", "starlette"):
        lower = framework == "starlette"
        keyword = _SESSION_MIDDLEWARE if lower and prefix else {}
        shown = [f"{keyword.get(n, n)}={_value(n, v, lower)}" for n, v in pairs]
        call = f"{prefix}(..., " if lower and prefix else "set_cookie(..., "
        if lower and not prefix and any(name == "partitioned" for name, _ in pairs):
            note = " (partitioned=True needs Python 3.14; before, write the header)"
        return call + ", ".join(shown) + ")" + note
    header = [f"SameSite={v}" if n == "samesite" else n.title() for n, v in pairs if v != "False"]
    removed = [f"no {n.title()}" for n, v in pairs if v == "False"]
    return "; ".join(header + removed)


def _value(name: str, value: str, lower: bool = False) -> str:
    """A setting's or keyword's value: SameSite's quoted (lower case for Starlette)."""
    if name != "samesite":
        return value
    return repr(value.lower() if lower else value)
