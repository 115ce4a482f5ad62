"""HTTP tokens, methods and the bounded parse of Access-Control-Request-Headers."""

from __future__ import annotations

import re

# RFC 9110 §5.6.2: token = 1*tchar. Methods and header names are tokens.
TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")

# Fetch §2.2.1 "normalize a method": only these six are upper-cased; every other
# method is case-sensitive (so "patch" never allows "PATCH").
NORMALISED_METHODS = frozenset({"DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"})

# Fetch "CORS-safelisted method": a preflight's method check always passes them.
SAFELISTED_METHODS = frozenset({"GET", "HEAD", "POST"})

# Fetch "forbidden method": a browser never sends these cross-origin.
FORBIDDEN_METHODS = frozenset({"CONNECT", "TRACE", "TRACK"})

# Always allowed as request headers (Fetch's CORS-safelisted request-header names).
# Content-Type is listed because a non-form value (application/json) makes the
# browser name it in Access-Control-Request-Headers, and the answer must list it.
SAFELISTED_REQUEST_HEADERS = ("accept", "accept-language", "content-language", "content-type")

# Bounds on Access-Control-Request-Headers, checked before any parsing so that a
# hostile value costs O(1) (a Go CORS library spent 127 ms per request on commas).
MAX_REQUEST_HEADERS_LENGTH = 4096
MAX_REQUEST_HEADERS_COUNT = 64


def normalise_method(method: str) -> str:
    """Upper-case the six methods that Fetch normalises; keep others as given."""
    upper = method.upper()
    return upper if upper in NORMALISED_METHODS else method


def is_forbidden_method(method: str) -> bool:
    return method.upper() in FORBIDDEN_METHODS


def parse_request_headers(value: str) -> tuple[str, ...] | str:
    """Parse an Access-Control-Request-Headers value in one bounded pass.

    Returns the lower-cased header names, or a short reason (a ``str``) when the
    value is refused: too long, too many names, or a name that is not a token.
    Browsers send ``a,b,c``; other clients may add spaces or send several lines,
    which the adapters join with ``,``. Empty items are ignored.
    """
    if len(value) > MAX_REQUEST_HEADERS_LENGTH:
        return f"Access-Control-Request-Headers is longer than {MAX_REQUEST_HEADERS_LENGTH} bytes"
    names: list[str] = []
    for item in value.split(","):
        name = item.strip(" \t")  # optional whitespace (RFC 9110 OWS)
        if not name:
            continue  # "a,,b", or a trailing "," from joining several lines
        if len(names) == MAX_REQUEST_HEADERS_COUNT:
            return f"Access-Control-Request-Headers names over {MAX_REQUEST_HEADERS_COUNT} headers"
        if TOKEN.fullmatch(name) is None:
            return f"Access-Control-Request-Headers has a malformed name {short_repr(name)}"
        names.append(name.lower())
    return tuple(names)


def short_repr(value: str, limit: int = 80) -> str:
    """repr() of a request value, cut short: safe to put in a log line."""
    if len(value) > limit:
        return repr(value[:limit]) + f"... ({len(value)} chars)"
    return repr(value)
