"""The browser's half of CORS, as a pure function of a request and the server's answers:
the Fetch standard's client side, as the package docstring (``corecors.browser``) says,
with its sections, its error names and where it follows the standard over Chromium.
Standard library only; nothing here touches the network."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

from ._engines import Profile, profile
from ._safelist import (
    TOKEN,
    HeaderInput,
    HeaderList,
    cors_unsafe_request_header_names,
    header_list,
    header_problem,
    is_forbidden_method,
    is_forbidden_request_header,
    normalize_method,
    parse_list,
    readable_header_names,
    same_origin_header_names,
    serialize_origin,
)
from ._verdict import (
    REDIRECT_STATUSES,
    SAFELISTED_METHODS,
    StepKind,
    Verdict,
    fail,
    header_disallowed,
    invalid_list,
    method_disallowed,
    missing_allow_origin,
    origin_fault,
    refused_preflight,
)


@dataclass(frozen=True)
class BrowserRequest:
    """What a page asks ``fetch()`` to do.

    ``origin`` (``str``): the page's serialised origin (``"https://app.example.com"``, no path,
    no trailing slash, default port omitted) or ``"null"``. ``url`` (``str``): the absolute URL
    fetched. ``method`` (``str``, default ``'GET'``): normalised as Fetch does (DELETE, GET,
    HEAD, OPTIONS, POST, PUT upper-cased, any other kept as written). ``headers`` (a mapping
    or (name, value) pairs, default ``()``): the headers the script sets; forbidden request
    headers (Cookie, Host, ``Sec-*``...) are never sent by a browser and are ignored.
    ``credentials`` (``bool``, default False): True for ``credentials: "include"`` (cookies,
    HTTP auth). Raises ``ValueError`` for what ``fetch()`` itself rejects with a TypeError: a
    method that is not a token or is CONNECT, TRACE, TRACK; a URL with a user name or
    password; a header name that is not a token, or a value with a NUL, CR or LF or a
    character beyond U+00FF (Fetch "header name", "header value"; WebIDL ByteString).
    """

    origin: str
    url: str
    method: str = "GET"
    headers: HeaderInput = ()
    credentials: bool = False
    header_list: HeaderList = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not TOKEN.fullmatch(self.method) or is_forbidden_method(self.method):
            raise ValueError(f"fetch() rejects the method {self.method!r}")
        if _has_credentials(self.url):
            raise ValueError(
                f"fetch() rejects the URL {self.url!r}: it has a user name or password"
            )
        object.__setattr__(self, "method", normalize_method(self.method))
        object.__setattr__(self, "header_list", header_list(self.headers))
        for name, value in self.header_list:
            problem = header_problem(name, value)
            if problem is not None:
                raise ValueError(f"fetch() rejects the header {name}: {value!r}: {problem}")

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
        return self.method not in SAFELISTED_METHODS or bool(self.unsafe_header_names)

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

    @property
    def ignored_header_names(self) -> tuple[str, ...]:
        """The script's headers a browser silently drops (Fetch "forbidden
        request-header": Cookie, Host, Origin, ``Sec-*``...), as written."""
        return tuple(n for n, v in self.header_list if is_forbidden_request_header(n, v))

    def actual_headers(self) -> HeaderList:
        """The actual request's headers: the script's headers that a browser lets a
        script set (forbidden request-headers are dropped) and ``Origin``."""
        own = tuple((n, v) for n, v in self.header_list if not is_forbidden_request_header(n, v))
        return (*own, ("Origin", self.origin)) if self.cross_origin else own


@dataclass(frozen=True)
class ServerResponse:
    """One response as received. ``status`` (``int``): its status code. ``headers`` (a
    mapping or (name, value) pairs, default ``()``): its header lines in order, repeated
    lines kept (a duplicated ``Access-Control-Allow-Origin`` fails a browser's check)."""

    status: int
    headers: HeaderInput = ()
    header_list: HeaderList = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "header_list", header_list(self.headers))

    def get(self, name: str) -> str | None:
        """Fetch's "get" on a header list. ``name`` (``str``): a header name, any case.
        Returns every line named ``name`` joined with ", ", or None when there is none."""
        found = [v for n, v in self.header_list if n.lower() == name.lower()]
        return ", ".join(found) if found else None

    @property
    def redirect_location(self) -> str | None:
        """The Location of a redirect (301, 302, 303, 307, 308 with a Location), else None."""
        return self.get("Location") if self.status in REDIRECT_STATUSES else None


def cors_check(request: BrowserRequest, response: ServerResponse, step: StepKind) -> Verdict | None:
    """Fetch §4.9 CORS check: None on success, else the failed Verdict. Other arguments as
    :mod:`corecors.browser`. ``step`` (``"preflight"`` or ``"actual"``): which response it is.

    Access-Control-Allow-Origin must be ``*`` (only without credentials) or the
    request's origin byte for byte; with credentials, Access-Control-Allow-Credentials
    must be exactly ``true``. Repeated header lines are combined first, so two
    Allow-Origin lines fail. Error names carry a ``Preflight`` prefix on a preflight.
    """
    pre = "Preflight" if step == "preflight" else ""
    origin, allow_origin = request.origin, response.get("Access-Control-Allow-Origin")
    if allow_origin == "*":
        if not request.credentials:
            return None
        return fail(
            step,
            f"{pre}WildcardOriginNotAllowed",
            "Access-Control-Allow-Origin is * but the request carries credentials.",
            f"For credentialed requests, send Access-Control-Allow-Origin: {origin} on the "
            f"{step} response (the request's origin, never *) with "
            "Access-Control-Allow-Credentials: true.",
        )
    if allow_origin is None:
        method, unsafe = request.method, request.unsafe_header_names
        grants = _excluded_by_grants(request, response) if step == "preflight" else None
        return missing_allow_origin(step, response.status, origin, method, unsafe, grants)
    if allow_origin != origin:
        return origin_fault(step, allow_origin, origin)
    if request.credentials:
        allow_credentials = response.get("Access-Control-Allow-Credentials")
        if allow_credentials != "true":
            return fail(
                step,
                f"{pre}InvalidAllowCredentials",
                f"the request carries credentials and Access-Control-Allow-Credentials is "
                f"{allow_credentials!r}, not 'true'.",
                f"Send Access-Control-Allow-Credentials: true (exactly, lower case) on the "
                f"{step} response.",
            )
    return None


def _method_listed(request: BrowserRequest, methods: tuple[str, ...]) -> bool:
    """Fetch §4.8: the method is safelisted, or listed (``*`` only without credentials)."""
    star = not request.credentials and "*" in methods
    return request.method in SAFELISTED_METHODS or request.method in methods or star


def _unlisted_header(request: BrowserRequest, names: tuple[str, ...]) -> str | None:
    """Fetch §4.8: the first CORS-unsafe request-header name the list does not cover
    (``*`` only without credentials, and never for ``authorization``)."""
    allowed = {name.lower() for name in names}
    star = not request.credentials and "*" in allowed
    for name in request.unsafe_header_names:
        if name not in allowed and not (star and name != "authorization"):
            return name
    return None


def _excluded_by_grants(
    request: BrowserRequest, response: ServerResponse
) -> tuple[str, str] | None:
    """For a refused preflight: (what, why) its own Access-Control-Allow-Methods or
    -Headers, when it sends them, exclude from the request; None when they do not."""
    value = response.get("Access-Control-Allow-Methods")
    if value is not None and not _method_listed(request, parse_list(value) or ()):
        why = f"{request.method} is not in its Access-Control-Allow-Methods ({value!r})"
        return f"the method {request.method}", why
    value = response.get("Access-Control-Allow-Headers")
    name = None if value is None else _unlisted_header(request, parse_list(value) or ())
    if name is not None:
        why = f"the request header {name} is not in its Access-Control-Allow-Headers ({value!r})"
        return f"the request header {name}", why
    return None


def check_preflight(
    request: BrowserRequest, response: ServerResponse, *, browser: str | Profile = "fetch"
) -> Verdict:
    """Fetch §4.8 CORS-preflight fetch, on the preflight's response.

    Arguments as :mod:`corecors.browser`; ``browser`` (``str``, default ``"fetch"``): the
    engine profile (``"chromium"``, ``"firefox"``, ``"webkit"`` or ``"fetch"``, the
    standard): an engine's measured deviations change the verdict where it departs from
    Fetch (raises ``ValueError`` for another name). In Chromium's order: a redirect fails first
    (``PreflightDisallowedRedirect``; Fetch: a redirect is not an ok status), then the CORS
    check, then the ok status (200-299), then Access-Control-Allow-Methods and -Headers must
    parse as token lists, then the method must be safelisted or listed (``*`` counts only
    without credentials), then ``Authorization`` must be listed by name (``*`` never covers it,
    "CORS non-wildcard request-header name"), then every CORS-unsafe request-header name must
    be listed (``*`` counts only without credentials).
    """
    engine = profile(browser)
    location = response.redirect_location
    if location is not None:
        return fail(
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
        return refused_preflight(response.status, _excluded_by_grants(request, response))
    methods_value = response.get("Access-Control-Allow-Methods")
    methods = parse_list(methods_value)
    if methods is None:
        return invalid_list("Methods", methods_value)
    names_value = response.get("Access-Control-Allow-Headers")
    names = parse_list(names_value)
    if names is None:
        return invalid_list("Headers", names_value)
    if not _method_listed(request, methods):
        return method_disallowed(request.method, methods_value, "*" in methods)
    name = _unlisted_header(request, names)
    star = "*" in (n.lower() for n in names)
    # Without credentials '*' covers every other name: Authorization is the only one left.
    lenient = star and not request.credentials and engine.deviates("authorization_under_star")
    if name == "authorization" and lenient:
        return Verdict(True, checked=("preflight",), deviations=("authorization_under_star",))
    if name is not None:
        return header_disallowed(name, names_value, request.credentials, star)
    return Verdict(True, checked=("preflight",))


def check_actual(request: BrowserRequest, response: ServerResponse) -> Verdict:
    """The actual response (Fetch §4.3 HTTP fetch step "CORS check", then §4.4 HTTP-redirect
    fetch for a redirect): the CORS check, and what the script reads (arguments as
    :mod:`corecors.browser`)."""
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
        if _has_credentials(location):
            return fail(
                "actual",
                "RedirectContainsCredentials",
                f"the redirect's Location {location!r} contains a user name or password.",
                "Redirect to a URL without credentials in it.",
            )
        return Verdict(False, step="actual", redirect=location, checked=("actual",))
    readable = readable_header_names(response.header_list, request.credentials)
    return Verdict(True, readable_headers=readable, checked=("actual",))


def _has_credentials(url: str) -> bool:
    """Whether ``url`` has a user name or password (False when it does not parse: the
    fetch then fails as a network error, not in the CORS checks)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.username is not None or parts.password is not None


def check(
    request: BrowserRequest,
    preflight: ServerResponse | None = None,
    actual: ServerResponse | None = None,
    *,
    browser: str | Profile = "fetch",
) -> Verdict:
    """The browser's verdict on one exchange; other arguments as :mod:`corecors.browser`.

    ``browser`` (``str``, default ``"fetch"``): whose verdict, as
    :func:`check_preflight` (an engine's measured deviations, or the standard).
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
        verdict = check_preflight(request, preflight, browser=browser)
        if not verdict.allowed or actual is None:
            return verdict
        after = check_actual(request, actual)
        return replace(after, checked=("preflight", "actual"), deviations=verdict.deviations)
    if actual is None:
        return Verdict(True, checked=())
    return check_actual(request, actual)
