"""Origin matching, in one place: a request's Origin -> the Allow-Origin value, or refusal.

Exact origins are a set lookup; subdomain and any-port patterns are sets keyed
by (scheme, base, port), walked in O(labels); regexes are folded into one
alternation when that keeps their meaning; ``allow_origin_func`` is asked last.
A request's ``Origin`` is compared byte for byte: browsers always send the
serialised form (Fetch §3.2.1, HTML "serialization of an origin"), so anything
else (several origins, spaces, upper case, a default port written out) is no
origin and is refused.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from .memo import RefusalLog
from .origins import DEFAULT_PORTS, MAX_ORIGIN_LENGTH, SERIALISED_ORIGIN, OriginSpec
from .tokens import short_repr

# Bounded like the adapters' refusal lines: a function failing on every request
# (a database down) logs at most 50 lines a minute, then a count.
_FUNC_ERRORS = RefusalLog()


class _FuncRaised:
    __slots__ = ("origin",)

    def __init__(self, origin: str) -> None:
        self.origin = origin

    def render(self, name: Callable[[str], str] | None = None) -> str:
        option = "allow_origin_func" if name is None else name("allow_origin_func")
        return f"{option} raised for origin {short_repr(self.origin)}; refusing it"


def func_raised(origin: str) -> None:
    """Log, with its traceback, that ``allow_origin_func`` raised for ``origin`` (which
    is then refused): the core's one log call, bounded. Call it in an ``except`` block."""
    _FUNC_ERRORS.log(logging.ERROR, "actual", _FuncRaised(origin), exc_info=True)


class OriginMatcher:
    """The configured origins, compiled: ``allow_origin(origin)`` answers per request.

    ``any_origin`` is ``"*"`` listed: without ``credentials`` every origin gets
    ``"*"`` (a public policy); with them a well-formed origin that nothing else
    allows still gets ``"*"`` (never the request's origin), which browsers
    refuse with credentials.
    """

    __slots__ = ("_any", "_credentials", "_star", "exact", "patterns")

    def __init__(
        self,
        any_origin: bool,
        credentials: bool,
        exact: tuple[str, ...],
        patterns: tuple[OriginSpec, ...],
        regexes: tuple[re.Pattern[str], ...],
        func: Callable[[str], bool] | None,
    ) -> None:
        self._any = any_origin
        self._credentials = credentials
        # "*" without credentials: the answer is "*" whatever the origin.
        self._star = any_origin and not credentials
        #: The exact origins (a set: one hash lookup, whatever their number).
        self.exact = frozenset(exact)
        #: Patterns, regexes and the function.
        self.patterns = OriginPatterns(patterns, regexes, func)

    def allow_origin(self, origin: str) -> str | None:
        """The Access-Control-Allow-Origin value for ``origin``, or None if refused.

        ``"*"`` without credentials answers ``"*"`` to every origin, ``"null"``
        and malformed values included: it echoes nothing from the request.
        """
        if self._star:
            return "*"
        if len(origin) > MAX_ORIGIN_LENGTH:
            return None
        if origin in self.exact:
            return origin
        if not (self._any or self.patterns):
            return None  # only exact origins are configured, and this is none of them
        parts = SERIALISED_ORIGIN.fullmatch(origin)
        if parts is None:  # several origins, spaces, upper case, "null"...: not one origin
            return None
        port = parts.group(3)
        if port is not None and (int(port) > 65535 or DEFAULT_PORTS.get(parts.group(1)) == port):
            return None  # a browser never writes out a default port
        if self.patterns and self.patterns.match(origin, parts):
            return origin
        # "*" with credentials: answer "*" without credentials, never the origin.
        return "*" if self._any else None


class OriginPatterns:
    """Subdomain and any-port patterns, regexes and a callback, checked in O(labels)."""

    __slots__ = ("_func", "_regex", "any_port", "subdomains")

    def __init__(
        self,
        specs: tuple[OriginSpec, ...],
        regexes: tuple[re.Pattern[str], ...],
        func: Callable[[str], bool] | None,
    ) -> None:
        # "http://localhost:*" -> ("http", "localhost")
        self.any_port = frozenset(
            (s.scheme, s.host) for s in specs if s.port == "*" and not s.subdomains
        )
        # "https://*.example.com" -> ("https", "example.com", ""); port "*" for any.
        self.subdomains = frozenset((s.scheme, s.host, s.port) for s in specs if s.subdomains)
        self._regex = _combine(regexes)
        self._func = func

    def __bool__(self) -> bool:
        return bool(self.any_port or self.subdomains or self._regex or self._func)

    def match(self, origin: str, parts: re.Match[str]) -> bool:
        """Whether a serialised origin (already validated into ``parts``) is allowed."""
        scheme, host, port = parts.group(1, 2, 3)
        port = port or ""
        if (scheme, host) in self.any_port:
            return True
        if self.subdomains and not host.startswith("["):
            # Walk the proper suffixes: a.b.example.com -> b.example.com, example.com, com.
            # The base itself is never matched ("one or more labels"), and a suffix
            # only starts after a dot, so "evilexample.com" never meets "example.com".
            subdomains = self.subdomains
            dot = host.find(".")
            while dot != -1:
                base = host[dot + 1 :]
                if (scheme, base, port) in subdomains or (scheme, base, "*") in subdomains:
                    return True
                dot = host.find(".", dot + 1)
        if any(regex.fullmatch(origin) for regex in self._regex):
            return True
        if self._func is not None:
            try:
                return self._func(origin) is True
            except Exception:
                func_raised(origin)
        return False


# "\1" or "(?(1)...)": a reference by group number, which would point at another
# regex's group once the regexes are joined into one alternation.
_NUMBERED_REFERENCE = re.compile(r"\\[1-9]|\(\?\(\s*[0-9]")


def _combine(regexes: tuple[re.Pattern[str], ...]) -> tuple[re.Pattern[str], ...]:
    """Fold the regexes into one alternation when that keeps their meaning (one call per request).

    Not when their flags differ, when a verbose-mode comment could swallow the
    closing parenthesis, or when a group is referenced by number.
    """
    flags = {r.flags for r in regexes}
    if (
        len(regexes) < 2
        or len(flags) != 1
        or regexes[0].flags & re.VERBOSE
        or any(_NUMBERED_REFERENCE.search(r.pattern) for r in regexes)
    ):
        return regexes
    try:
        return (re.compile("|".join(f"(?:{r.pattern})" for r in regexes), regexes[0].flags),)
    except re.error:  # e.g. the same group name in two of them
        return regexes
