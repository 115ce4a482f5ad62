"""Fetch's safelists as a browser applies them (methods, request and response headers), and origins.

Each function cites the Fetch standard (https://fetch.spec.whatwg.org/) definition it
implements. Used by :mod:`corecors.browser`; standard library only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

HeaderInput = Mapping[str, str] | Iterable[tuple[str, str]]
HeaderList = tuple[tuple[str, str], ...]

# Fetch §2.2.1 "normalize a method": only these six are upper-cased.
_NORMALIZED_METHODS = frozenset({"DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"})
# Fetch "forbidden method": fetch() throws a TypeError for these.
_FORBIDDEN_METHODS = frozenset({"CONNECT", "TRACE", "TRACK"})
_SCHEMES_WITH_HOST = frozenset({"http", "https", "ws", "wss", "ftp", "file"})

# Fetch "forbidden request-header": the browser sets these itself, a script cannot.
_FORBIDDEN_REQUEST_HEADERS = frozenset(
    {
        "accept-charset",
        "accept-encoding",
        "access-control-request-headers",
        "access-control-request-method",
        "connection",
        "content-length",
        "cookie",
        "cookie2",
        "date",
        "dnt",
        "expect",
        "host",
        "keep-alive",
        "origin",
        "referer",
        "set-cookie",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "via",
    }
)
_METHOD_OVERRIDE_HEADERS = frozenset(
    {"x-http-method", "x-http-method-override", "x-method-override"}
)

# Fetch "CORS-unsafe request-header byte": controls but HTAB, and "():<>?@[\]{} and DEL.
_UNSAFE_BYTE = re.compile(r'[\x00-\x08\x0a-\x1f"():<>?@\[\\\]{}\x7f]')
# The bytes allowed in Accept-Language and Content-Language values.
_LANGUAGE_VALUE = re.compile(r"[0-9A-Za-z *,\-.;=]*")
_SAFELISTED_MIME_ESSENCES = frozenset(
    {"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"}
)
# RFC 9110 token, for the MIME type's type and subtype.
TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # RFC 9110 §5.6.2 token
# Fetch "simple range header value" with allowWhitespace false, a start required.
_RANGE = re.compile(r"bytes=([0-9]+)-([0-9]*)")
MAX_SAFELISTED_VALUE = 128  # bytes, per header
MAX_SAFELISTED_TOTAL = 1024  # bytes, all safelisted values together

# Fetch "CORS-safelisted response-header name" (without the exposed list).
SAFELISTED_RESPONSE_HEADERS = frozenset(
    {
        "cache-control",
        "content-language",
        "content-length",
        "content-type",
        "expires",
        "last-modified",
        "pragma",
    }
)
# Fetch "forbidden response-header name": never readable, whatever is exposed.
FORBIDDEN_RESPONSE_HEADERS = frozenset({"set-cookie", "set-cookie2"})


def normalize_method(method: str) -> str:
    """Fetch "normalize a method": upper-case DELETE, GET, HEAD, OPTIONS, POST, PUT."""
    upper = method.upper()
    return upper if upper in _NORMALIZED_METHODS else method


def is_forbidden_method(method: str) -> bool:
    """Fetch "forbidden method": CONNECT, TRACE, TRACK in any case."""
    return method.upper() in _FORBIDDEN_METHODS


def is_forbidden_request_header(name: str, value: str) -> bool:
    """Fetch "forbidden request-header": set by the browser, never by a script."""
    lower = name.lower()
    if lower in _FORBIDDEN_REQUEST_HEADERS or lower.startswith(("proxy-", "sec-")):
        return True
    if lower in _METHOD_OVERRIDE_HEADERS:
        return any(is_forbidden_method(m.strip(" \t")) for m in value.split(","))
    return False


def _is_safelisted_content_type(value: str) -> bool:
    """Fetch: a Content-Type whose parsed MIME type's essence is a form or text/plain."""
    essence = value.split(";", 1)[0].strip(" \t\r\n")
    kind, slash, subtype = essence.partition("/")
    if not (slash and TOKEN.fullmatch(kind) and TOKEN.fullmatch(subtype)):
        return False
    return essence.lower() in _SAFELISTED_MIME_ESSENCES


def is_safelisted_request_header(name: str, value: str) -> bool:
    """Fetch "CORS-safelisted request-header": Accept, Accept-Language,
    Content-Language, Content-Type (form types and text/plain only) and Range
    (``bytes=N-`` or ``bytes=N-M``), each with a value of at most 128 bytes."""
    if len(value.encode("utf-8", "surrogateescape")) > MAX_SAFELISTED_VALUE:
        return False
    lower = name.lower()
    if lower == "accept":
        return _UNSAFE_BYTE.search(value) is None
    if lower in ("accept-language", "content-language"):
        return _LANGUAGE_VALUE.fullmatch(value) is not None
    if lower == "content-type":
        return _UNSAFE_BYTE.search(value) is None and _is_safelisted_content_type(value)
    if lower == "range":
        match = _RANGE.fullmatch(value)
        return match is not None and (
            not match.group(2) or int(match.group(1)) <= int(match.group(2))
        )
    return False


def cors_unsafe_request_header_names(headers: Iterable[tuple[str, str]]) -> tuple[str, ...]:
    """Fetch "CORS-unsafe request-header names": the names of the headers that are not
    safelisted (all safelisted ones too when their values exceed 1024 bytes together),
    lower-cased, sorted, without duplicates. Forbidden request headers are left out:
    a browser never lets a script send them (Chromium does the same)."""
    unsafe: set[str] = set()
    potentially_unsafe: set[str] = set()
    total = 0
    for name, value in headers:
        if is_forbidden_request_header(name, value):
            continue
        if is_safelisted_request_header(name, value):
            potentially_unsafe.add(name.lower())
            total += len(value.encode("utf-8", "surrogateescape"))
        else:
            unsafe.add(name.lower())
    if total > MAX_SAFELISTED_TOTAL:
        unsafe |= potentially_unsafe
    return tuple(sorted(unsafe))


def header_list(headers: HeaderInput) -> HeaderList:
    """(name, value) pairs from a mapping or pairs, values stripped of leading and
    trailing whitespace (Fetch "normalize" a header value)."""
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    return tuple((str(name), str(value).strip(" \t")) for name, value in pairs)


def header_problem(name: str, value: str) -> str | None:
    """Why ``fetch()`` rejects a header the script sets, or None: the name is not a
    token (Fetch "header name"), the value holds NUL, CR or LF (Fetch "header value")
    or a character beyond U+00FF (WebIDL ByteString)."""
    if TOKEN.fullmatch(name) is None:
        return "the name is not a token (letters, digits and !#$%&'*+-.^_`|~)"
    if any(c in value for c in "\0\r\n"):
        return "the value contains a NUL, CR or LF"
    if any(ord(c) > 0xFF for c in value):
        return "the value has a character beyond U+00FF (percent-encode it)"
    return None


def same_origin_header_names(headers: Iterable[tuple[str, str]]) -> tuple[str, ...]:
    """What a same-origin page reads: every header name but Set-Cookie (Fetch
    "filtered response": forbidden response-header names are always removed)."""
    names = {name.lower() for name, _ in headers} - FORBIDDEN_RESPONSE_HEADERS
    return tuple(sorted(names))


def parse_list(value: str | None) -> tuple[str, ...] | None:
    """Fetch "extracting header list values" for a list of tokens (methods or header
    names): the comma-separated items, empty ones skipped; None when any item is not
    a token (the browser then fails the response); () when the header is absent."""
    if value is None:
        return ()
    items = [item.strip(" \t") for item in value.split(",")]
    names = tuple(item for item in items if item)
    if any(TOKEN.fullmatch(name) is None for name in names):
        return None
    return names


def readable_header_names(headers: Iterable[tuple[str, str]], credentials: bool) -> tuple[str, ...]:
    """The response header names a page's script can read (Fetch "CORS-filtered
    response"): the safelisted response headers, plus those named in
    Access-Control-Expose-Headers (``*`` meaning all only without credentials), never
    Set-Cookie. Lower-cased and sorted, only names present in the response."""
    present = {name.lower() for name, _ in headers}
    exposed_values = [v for n, v in headers if n.lower() == "access-control-expose-headers"]
    exposed = parse_list(", ".join(exposed_values)) if exposed_values else ()
    allowed = set(SAFELISTED_RESPONSE_HEADERS)
    if exposed is not None:
        if "*" in exposed and not credentials:
            allowed |= present
        allowed |= {name.lower() for name in exposed}
    return tuple(sorted((present & allowed) - FORBIDDEN_RESPONSE_HEADERS))


def is_url(value: str) -> bool:
    """Roughly Chromium's ``GURL::is_valid`` for an Allow-Origin value."""
    match = re.fullmatch(r"([A-Za-z][A-Za-z0-9+.-]*):(.*)", value, re.DOTALL)
    if match is None:
        return False
    scheme, rest = match.group(1).lower(), match.group(2)
    return scheme not in _SCHEMES_WITH_HOST or len(rest.lstrip("/")) > 0


def serialize_origin(url: str) -> str:
    """The serialisation of ``url``'s origin (HTML): lower-case scheme and host (a
    non-ASCII host in Punycode), the port only when it is not the scheme's default;
    ``"null"`` for an opaque origin or a host IDNA cannot encode.
    ``url`` (``str``): an absolute URL; anything unparsable gives ``"null"``. Never raises."""
    try:
        parts = urlsplit(url)
    except ValueError:  # such as an unclosed IPv6 bracket
        return "null"
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https", "ws", "wss") or not parts.hostname:
        return "null"
    host = parts.hostname
    if not host.isascii():  # a browser sends the host in Punycode (IDNA)
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return "null"
    host = f"[{host}]" if ":" in host else host
    try:
        port = parts.port
    except ValueError:
        return "null"
    default = 443 if scheme in ("https", "wss") else 80
    return f"{scheme}://{host}" + ("" if port in (None, default) else f":{port}")
