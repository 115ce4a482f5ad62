"""Origins: normalising configured ones, recognising and matching request ones.

Configured origins are normalised once (lower-case scheme and host, no default
port, IDNs as punycode) so that a request's ``Origin``, which a browser always
sends in serialised form (Fetch §3.2.1, HTML "serialization of an origin"), can
be compared byte for byte: exact origins live in a dict, wildcard patterns in
sets keyed by (scheme, base, port). Checking an origin costs the same whether
one origin or ten thousand are configured.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import NamedTuple

from .errors import ConfigProblem
from .tokens import short_repr

logger = logging.getLogger("corecors")

# An Origin header longer than this is refused before it is even hashed.
MAX_ORIGIN_LENGTH = 1024

DEFAULT_PORTS = {"http": "80", "https": "443", "ws": "80", "wss": "443"}

_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*")
_HOST = r"[a-z0-9_-]+(?:\.[a-z0-9_-]+)*|\[[0-9a-f:.]+\]"
_HOST_RE = re.compile(_HOST)
# One serialised origin: what a browser sends. Upper case, a trailing slash, a
# default port written out, spaces, commas and control characters all fail it.
# The groups are separated by characters they cannot contain, so the match is
# linear in the length of the value.
SERIALISED_ORIGIN = re.compile(rf"([a-z][a-z0-9+.-]*)://({_HOST})(?::([1-9][0-9]{{0,4}}))?")

# Plain-http hosts that are fine with credentials: they never leave the machine.
_LOCAL_HOSTS = re.compile(r"localhost|(?:.+\.)?localhost|127(?:\.[0-9]+){3}|\[::1\]")


class OriginSpec(NamedTuple):
    """A configured origin, parsed. ``port`` is "" for the default, or "*"."""

    scheme: str
    host: str
    port: str
    subdomains: bool  # "https://*.example.com": host is the base "example.com"

    def serialise(self) -> str:
        host = f"*.{self.host}" if self.subdomains else self.host
        return f"{self.scheme}://{host}" + (f":{self.port}" if self.port else "")

    @property
    def is_pattern(self) -> bool:
        return self.subdomains or self.port == "*"

    @property
    def is_local(self) -> bool:
        return _LOCAL_HOSTS.fullmatch(self.host) is not None


def parse_origin(value: str, option: str = "allow_origins") -> OriginSpec | ConfigProblem:
    """Parse and normalise one configured origin or origin pattern."""

    def problem(code: str, message: str, fix: str) -> ConfigProblem:
        return ConfigProblem(code, option, value, message, fix)

    scheme, sep, rest = value.partition("://")
    if not sep:
        guess = "http" if value.lower().startswith(("localhost", "127.")) else "https"
        return problem(
            "E001", "an origin needs a scheme", f"use {guess + '://' + value.rstrip('/')!r}"
        )
    scheme = scheme.lower()
    if _SCHEME.fullmatch(scheme) is None:
        if "*" in scheme:
            return problem("E003", "a scheme cannot be a wildcard", "list each scheme explicitly")
        return problem("E001", f"{scheme!r} is not a valid scheme", "use http:// or https://")

    cut = min((i for i in (rest.find(c) for c in "/?#") if i != -1), default=len(rest))
    authority, tail = rest[:cut], rest[cut:]
    _userinfo, at, authority = authority.rpartition("@")
    spec_or_problem = _parse_authority(scheme, authority, problem)
    if isinstance(spec_or_problem, ConfigProblem):
        return spec_or_problem
    spec = spec_or_problem
    corrected = repr(spec.serialise())
    if at:
        return problem("E001", "an origin never has user info", f"use {corrected}")
    if tail == "/":
        return problem("E002", "an origin never ends with a slash", f"use {corrected}")
    if tail:
        return problem(
            "E002",
            f"an origin is scheme://host[:port] only, without {short_repr(tail)}",
            f"use {corrected}",
        )
    return spec


def _parse_authority(
    scheme: str, authority: str, problem: Callable[[str, str, str], ConfigProblem]
) -> OriginSpec | ConfigProblem:
    if authority.startswith("["):  # IPv6 literal: [::1]:8000
        end = authority.find("]") + 1
        if not end:
            return problem("E001", "an IPv6 address lacks its closing ']'", "write [address]")
        host, after = authority[:end], authority[end:]
        if after and not after.startswith(":"):
            return problem("E001", "junk follows the IPv6 address", "write [address]:port")
        has_port, port = bool(after), after[1:]
    else:
        host, colon, port = authority.partition(":")
        has_port = bool(colon)
    if has_port and not port:
        return problem("E001", "the port is empty", "remove the ':' or add a port number")
    if port not in ("", "*"):
        if not (port.isascii() and port.isdigit() and 0 < int(port) < 65536):
            if "*" in port:
                return problem("E003", "a port wildcard must be the whole port", "use :*")
            return problem("E001", f"{port!r} is not a port", "use a number from 1 to 65535, or *")
        port = str(int(port))
        if DEFAULT_PORTS.get(scheme) == port:
            port = ""  # a browser never sends a default port

    subdomains = host.startswith("*.")
    base = host[2:] if subdomains else host
    if "*" in base:
        fix = "use '*' alone to allow every origin" if host == "*" else "write *.domain"
        return problem(
            "E003", "'*' is only allowed as the whole origin, a leading '*.' or the port", fix
        )
    try:
        base = base.encode("idna").decode("ascii") if not base.isascii() else base.lower()
    except UnicodeError:
        return problem("E001", f"{base!r} is not a valid host name", "check the spelling")
    if _HOST_RE.fullmatch(base) is None:
        return problem("E001", f"{base!r} is not a valid host name", "check the spelling")
    if subdomains and "." not in base and base != "localhost":
        return problem(
            "E003",
            f"'*.{base}' would match every site under a top-level domain",
            f"use at least two labels, e.g. {scheme}://*.example.{base}",
        )
    return OriginSpec(scheme, base, port, subdomains)


class OriginPatterns:
    """Subdomain and any-port patterns, regexes and a callback, checked in O(labels)."""

    __slots__ = ("_any_port", "_func", "_regex", "_subdomains")

    def __init__(
        self,
        specs: list[OriginSpec],
        regexes: tuple[re.Pattern[str], ...],
        func: Callable[[str], bool] | None,
    ) -> None:
        # "http://localhost:*" -> ("http", "localhost")
        self._any_port = frozenset(
            (s.scheme, s.host) for s in specs if s.port == "*" and not s.subdomains
        )
        # "https://*.example.com" -> ("https", "example.com", ""); port "*" for any.
        self._subdomains = frozenset((s.scheme, s.host, s.port) for s in specs if s.subdomains)
        self._regex = _combine(regexes)
        self._func = func

    def __bool__(self) -> bool:
        return bool(self._any_port or self._subdomains or self._regex or self._func)

    def match(self, origin: str, parts: re.Match[str]) -> bool:
        """Whether a serialised origin (already validated into ``parts``) is allowed."""
        scheme, host, port = parts.group(1, 2, 3)
        port = port or ""
        if (scheme, host) in self._any_port:
            return True
        if self._subdomains and not host.startswith("["):
            # Walk the proper suffixes: a.b.example.com -> b.example.com, example.com, com.
            # The base itself is never matched ("one or more labels"), and a suffix
            # only starts after a dot, so "evilexample.com" never meets "example.com".
            subdomains = self._subdomains
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
                logger.exception(
                    "allow_origin_func raised for origin %s; refusing it", short_repr(origin)
                )
        return False


def _combine(regexes: tuple[re.Pattern[str], ...]) -> tuple[re.Pattern[str], ...]:
    """Fold the regexes into one alternation when their flags agree (one call per request)."""
    if len(regexes) < 2 or len({r.flags for r in regexes}) != 1:
        return regexes
    try:
        return (re.compile("|".join(f"(?:{r.pattern})" for r in regexes), regexes[0].flags),)
    except re.error:  # e.g. the same group name in two of them
        return regexes
