"""The browser's half of CORS, as a pure function of a request and the server's answers.

Implements the Fetch standard's client side (https://fetch.spec.whatwg.org/): whether
a request needs a CORS-preflight request (§4.1 main fetch, "CORS-unsafe request-header
names"), the CORS-preflight fetch (§4.8) with its CORS check (§4.9), the CORS check on
the actual response, redirects, the credentials rules, and which response headers a
page's script can read (§4.1 main fetch step "CORS-exposed header-name list", and
"CORS-filtered response"). Standard library only; nothing here touches the network.

A failed check is named as Chromium's DevTools protocol names it (``Network.CorsError``,
for example ``PreflightMissingAllowOriginHeader``), and comes with one sentence saying
what to change on the server. Where Chromium and the standard disagree, this module
follows the standard: Chromium lets ``Authorization`` through under
``Access-Control-Allow-Headers: *``, which Fetch forbids ("CORS non-wildcard
request-header name"); the verdict blocks it as ``HeaderDisallowedByPreflightResponse``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Literal
from urllib.parse import urlsplit

from .safelist import (
    HeaderInput,
    HeaderList,
    cors_unsafe_request_header_names,
    header_list,
    is_forbidden_method,
    is_url,
    normalize_method,
    parse_list,
    readable_header_names,
    same_origin_header_names,
    serialize_origin,
)

Step = Literal["preflight", "actual"]

# RFC 9110 §5.6.2 token: methods and header names.
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
# Fetch "redirect status"; Chromium treats one as a redirect only with a Location.
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True)
class BrowserRequest:
    """What a page asks ``fetch()`` to do.

    ``origin``: the page's serialised origin (``"https://app.example.com"``, no path,
    no trailing slash, default port omitted) or ``"null"``. ``url``: the absolute URL
    fetched. ``method``: normalised as Fetch does (the six methods DELETE, GET, HEAD,
    OPTIONS, POST, PUT upper-cased, any other kept as written). ``headers``: the
    headers the script sets, a mapping or (name, value) pairs; forbidden request
    headers (Cookie, Host, ``Sec-*``...) are never sent by a browser and are ignored.
    ``credentials``: True for ``credentials: "include"`` (cookies, HTTP auth).

    Raises ``ValueError`` for a method that ``fetch()`` itself rejects (not a token,
    or CONNECT, TRACE, TRACK).
    """

    origin: str
    url: str
    method: str = "GET"
    headers: HeaderInput = ()
    credentials: bool = False
    header_list: HeaderList = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not _TOKEN.fullmatch(self.method) or is_forbidden_method(self.method):
            raise ValueError(f"fetch() rejects the method {self.method!r}")
        object.__setattr__(self, "method", normalize_method(self.method))
        object.__setattr__(self, "header_list", header_list(self.headers))

    @property
    def cross_origin(self) -> bool:
        """Whether the URL's origin differs from the page's: only then does CORS apply."""
        return self.origin != serialize_origin(self.url)

    @property
    def unsafe_header_names(self) -> tuple[str, ...]:
        """Fetch's CORS-unsafe request-header names: sorted, lower-cased, no duplicates."""
        return cors_unsafe_request_header_names(self.header_list)

    @property
    def needs_preflight(self) -> bool:
        """Fetch §4.1 main fetch: a cross-origin request is preflighted when its method
        is not a CORS-safelisted method (GET, HEAD, POST) or it has CORS-unsafe
        request-header names."""
        if not self.cross_origin:
            return False
        return self.method not in ("GET", "HEAD", "POST") or bool(self.unsafe_header_names)

    def preflight_headers(self) -> HeaderList:
        """The CORS-preflight request's headers (Fetch §4.8 steps 2-5): Accept,
        Origin, Access-Control-Request-Method, and Access-Control-Request-Headers
        with the unsafe names comma-joined without spaces (as browsers send them).
        A preflight never carries cookies or the script's own headers."""
        headers: list[tuple[str, str]] = [
            ("Accept", "*/*"),
            ("Origin", self.origin),
            ("Access-Control-Request-Method", self.method),
        ]
        if self.unsafe_header_names:
            headers.append(("Access-Control-Request-Headers", ",".join(self.unsafe_header_names)))
        return tuple(headers)

    def actual_headers(self) -> HeaderList:
        """The actual request's headers: the script's headers and ``Origin``."""
        own = tuple((n, v) for n, v in self.header_list if n.lower() != "origin")
        return (*own, ("Origin", self.origin)) if self.cross_origin else own


@dataclass(frozen=True)
class ServerResponse:
    """One response as received: ``status`` and its header lines in order, repeated
    lines kept (a duplicated ``Access-Control-Allow-Origin`` fails a browser's check)."""

    status: int
    headers: HeaderInput = ()
    header_list: HeaderList = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "header_list", header_list(self.headers))

    def get(self, name: str) -> str | None:
        """Fetch's "get" on a header list: every line named ``name`` (case-insensitive)
        joined with ", ", or None when there is none."""
        found = [v for n, v in self.header_list if n.lower() == name.lower()]
        return ", ".join(found) if found else None

    @property
    def redirect_location(self) -> str | None:
        """The Location of a redirect (301, 302, 303, 307, 308 with a Location), else None."""
        return self.get("Location") if self.status in REDIRECT_STATUSES else None


@dataclass(frozen=True)
class Verdict:
    """What the browser makes of an exchange.

    ``allowed``: the page's script gets the response. ``error``: None when allowed,
    else the ``Network.CorsError`` name Chromium's DevTools report for the failed
    check. ``step``: the response that failed (``"preflight"`` or ``"actual"``).
    ``detail``: what was wrong; ``fix``: one sentence, what to change on the server.
    ``readable_headers``: the lower-cased response header names the script can read
    (None when the actual response was not checked). ``redirect``: for an actual
    response that is a redirect and passed the CORS check, the URL the browser
    fetches next (and checks again); ``allowed`` is then False and ``error`` None.
    ``checked``: the responses the verdict looked at.
    """

    allowed: bool
    error: str | None = None
    step: Step | None = None
    detail: str = ""
    fix: str = ""
    readable_headers: tuple[str, ...] | None = None
    redirect: str | None = None
    checked: tuple[Step, ...] = ()

    @property
    def explanation(self) -> str:
        """One paragraph for a human: the error, what was wrong, and the fix."""
        if self.allowed:
            return "allowed: the page can read the response"
        if self.error is None:
            return f"redirected to {self.redirect}: the browser repeats the checks there"
        return f"blocked ({self.error}) by the {self.step} response: {self.detail} Fix: {self.fix}"


def _fail(step: Step, error: str, detail: str, fix: str) -> Verdict:
    return Verdict(False, error, step, detail, fix, checked=(step,))


def cors_check(request: BrowserRequest, response: ServerResponse, step: Step) -> Verdict | None:
    """Fetch §4.9 CORS check: None on success, else the failed Verdict.

    Access-Control-Allow-Origin must be ``*`` (only without credentials) or the
    request's origin byte for byte; with credentials, Access-Control-Allow-Credentials
    must be exactly ``true``. Repeated header lines are combined first, so two
    Allow-Origin lines fail. Error names carry a ``Preflight`` prefix on a preflight.
    """
    pre = "Preflight" if step == "preflight" else ""
    origin, allow_origin = request.origin, response.get("Access-Control-Allow-Origin")
    send = f"send Access-Control-Allow-Origin: {origin} on the {step} response"
    if allow_origin == "*":
        if not request.credentials:
            return None
        return _fail(
            step,
            f"{pre}WildcardOriginNotAllowed",
            "Access-Control-Allow-Origin is * but the request carries credentials.",
            f"For credentialed requests, {send} (the request's origin, never *) "
            "with Access-Control-Allow-Credentials: true.",
        )
    if allow_origin is None:
        refused = not 200 <= response.status <= 299 and step == "preflight"
        why = f" (status {response.status}: the server refused the preflight)" if refused else ""
        return _fail(
            step,
            f"{pre}MissingAllowOriginHeader",
            f"the {step} response has no Access-Control-Allow-Origin header{why}.",
            f"Allow the origin {origin} on the server: {send}.",
        )
    if allow_origin != origin:
        return _origin_fault(step, pre, allow_origin, origin, send)
    if request.credentials:
        allow_credentials = response.get("Access-Control-Allow-Credentials")
        if allow_credentials != "true":
            return _fail(
                step,
                f"{pre}InvalidAllowCredentials",
                f"the request carries credentials and Access-Control-Allow-Credentials is "
                f"{allow_credentials!r}, not 'true'.",
                f"Send Access-Control-Allow-Credentials: true (exactly, lower case) on the "
                f"{step} response.",
            )
    return None


def _origin_fault(step: Step, pre: str, allow_origin: str, origin: str, send: str) -> Verdict:
    """The failed check for an Allow-Origin that is not the request's origin, named as
    Chromium names it: several values, not a URL, or another origin."""
    if any(c in allow_origin for c in " ,"):
        return _fail(
            step,
            f"{pre}MultipleAllowOriginValues",
            f"Access-Control-Allow-Origin has several values ({allow_origin!r}).",
            f"Send exactly one Access-Control-Allow-Origin line with one origin, {origin} "
            "(two layers, such as a proxy and the app, each adding one is the usual cause).",
        )
    if not is_url(allow_origin):
        return _fail(
            step,
            f"{pre}InvalidAllowOriginValue",
            f"Access-Control-Allow-Origin {allow_origin!r} is not an origin.",
            f"{send.capitalize()}.",
        )
    return _fail(
        step,
        f"{pre}AllowOriginMismatch",
        f"Access-Control-Allow-Origin is {allow_origin!r}, not the page's origin {origin!r}.",
        f"{send.capitalize()}: scheme, host and port byte for byte, no trailing slash.",
    )


def check_preflight(request: BrowserRequest, response: ServerResponse) -> Verdict:
    """Fetch §4.8 CORS-preflight fetch, on the preflight's response.

    In Chromium's order: a redirect fails first (``PreflightDisallowedRedirect``;
    Fetch: a redirect is not an ok status), then the CORS check, then the ok status
    (200-299), then Access-Control-Allow-Methods and -Headers must parse as token
    lists, then the method must be safelisted or listed (``*`` counts only without
    credentials), then ``Authorization`` must be listed by name (``*`` never covers it,
    "CORS non-wildcard request-header name"), then every CORS-unsafe request-header
    name must be listed (``*`` counts only without credentials).
    """
    location = response.redirect_location
    if location is not None:
        return _fail(
            "preflight",
            "PreflightDisallowedRedirect",
            f"the preflight was answered with a redirect ({response.status} to {location}).",
            "Answer the OPTIONS preflight at this URL itself with a 2xx status, without "
            "redirecting (or make the page call the final URL).",
        )
    failed = cors_check(request, response, "preflight")
    if failed is not None:
        return failed
    if not 200 <= response.status <= 299:
        return _fail(
            "preflight",
            "PreflightInvalidStatus",
            f"the preflight's status is {response.status}, not 2xx.",
            "Answer the OPTIONS preflight with a 2xx status, before authentication or "
            "routing can refuse it.",
        )
    methods = parse_list(response.get("Access-Control-Allow-Methods"))
    if methods is None:
        return _invalid_list("Methods", response)
    names = parse_list(response.get("Access-Control-Allow-Headers"))
    if names is None:
        return _invalid_list("Headers", response)
    wildcard = not request.credentials
    method = request.method
    listed = method in methods or (wildcard and "*" in methods)
    if method not in ("GET", "HEAD", "POST") and not listed:
        star = " (* is not a wildcard with credentials)" if "*" in methods else ""
        return _fail(
            "preflight",
            "MethodDisallowedByPreflightResponse",
            f"the method {method} is not in Access-Control-Allow-Methods "
            f"({response.get('Access-Control-Allow-Methods')!r}){star}.",
            f"Add {method} to Access-Control-Allow-Methods on the preflight response.",
        )
    allowed = {name.lower() for name in names}
    unsafe = request.unsafe_header_names
    for name in unsafe:
        covered = wildcard and "*" in allowed and name != "authorization"
        if name not in allowed and not covered:
            return _header_disallowed(name, response, request.credentials, "*" in allowed)
    return Verdict(True, checked=("preflight",))


def _invalid_list(which: str, response: ServerResponse) -> Verdict:
    value = response.get(f"Access-Control-Allow-{which}")
    return _fail(
        "preflight",
        f"InvalidAllow{which}PreflightResponse",
        f"Access-Control-Allow-{which} {value!r} is not a comma-separated list of tokens.",
        f"Send Access-Control-Allow-{which} as names separated by commas.",
    )


def _header_disallowed(
    name: str, response: ServerResponse, credentials: bool, star: bool
) -> Verdict:
    if name == "authorization" and star:
        why = " (* never covers Authorization: it must be named)"
    elif star and credentials:
        why = " (* is not a wildcard with credentials)"
    else:
        why = ""
    return _fail(
        "preflight",
        "HeaderDisallowedByPreflightResponse",
        f"the request header {name} is not in Access-Control-Allow-Headers "
        f"({response.get('Access-Control-Allow-Headers')!r}){why}.",
        f"Add {name} to Access-Control-Allow-Headers on the preflight response.",
    )


def check_actual(request: BrowserRequest, response: ServerResponse) -> Verdict:
    """The actual response (Fetch §4.3 HTTP fetch step "CORS check", then §4.4
    HTTP-redirect fetch for a redirect): the CORS check, and what the script reads."""
    if not request.cross_origin:
        return Verdict(
            True,
            readable_headers=same_origin_header_names(response.header_list),
            checked=("actual",),
        )
    failed = cors_check(request, response, "actual")
    if failed is not None:
        return failed
    location = response.redirect_location
    if location is not None:
        target = urlsplit(location)
        if target.username is not None or target.password is not None:
            return _fail(
                "actual",
                "RedirectContainsCredentials",
                f"the redirect's Location {location!r} contains a user name or password.",
                "Redirect to a URL without credentials in it.",
            )
        return Verdict(False, step="actual", redirect=location, checked=("actual",))
    readable = readable_header_names(response.header_list, request.credentials)
    return Verdict(True, readable_headers=readable, checked=("actual",))


def check(
    request: BrowserRequest,
    preflight: ServerResponse | None = None,
    actual: ServerResponse | None = None,
) -> Verdict:
    """The browser's verdict on one exchange.

    ``preflight``: the answer to the CORS-preflight request, required when
    ``request.needs_preflight`` (raises ``ValueError`` otherwise) and ignored when not.
    ``actual``: the answer to the actual request, or None when it was not sent: the
    verdict then covers the preflight only (``checked`` says so).
    """
    if request.needs_preflight:
        if preflight is None:
            raise ValueError(
                f"{request.method} with headers {list(request.unsafe_header_names)} needs a "
                "preflight: pass its response"
            )
        verdict = check_preflight(request, preflight)
        if not verdict.allowed or actual is None:
            return verdict
        return replace(check_actual(request, actual), checked=("preflight", "actual"))
    if actual is None:
        return Verdict(True, checked=())
    return check_actual(request, actual)


__all__ = [
    "BrowserRequest",
    "ServerResponse",
    "Verdict",
    "check",
    "check_actual",
    "check_preflight",
    "cors_check",
    "serialize_origin",
]
