"""Origins: the syntax of configured ones, normalised (matching is in ``matching``).

Configured origins are normalised once (lower-case scheme and host, no default
port, IDNs as punycode) so that a request's ``Origin``, which a browser always
sends in serialised form (Fetch §3.2.1, HTML "serialization of an origin"), can
be compared byte for byte: exact origins live in a dict, wildcard patterns in
sets keyed by (scheme, base, port). Checking an origin costs the same whether
one origin or ten thousand are configured.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Callable
from typing import NamedTuple

from ._errors import ConfigProblem
from ._tokens import short_repr

# An Origin header longer than this is refused before it is even hashed.
MAX_ORIGIN_LENGTH = 1024

DEFAULT_PORTS = {"http": "80", "https": "443", "ws": "80", "wss": "443"}

_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*")
# A host name may end in a dot (a fully qualified name): browsers keep it, and
# "https://example.com." is another origin than "https://example.com".
_HOST = r"[a-z0-9_-]+(?:\.[a-z0-9_-]+)*\.?|\[[0-9a-f:.]+\]"
_HOST_RE = re.compile(_HOST)
# One serialised origin: what a browser sends. Upper case, a trailing slash, a
# default port written out, spaces, commas and control characters all fail it.
# The groups are separated by characters they cannot contain, so the match is
# linear in the length of the value.
SERIALISED_ORIGIN = re.compile(rf"([a-z][a-z0-9+.-]*)://({_HOST})(?::([1-9][0-9]{{0,4}}))?")

# Plain-http hosts that are fine with credentials: they never leave the machine.
_LOCAL_HOSTS = re.compile(r"(?:.+\.)?localhost\.?|127(?:\.[0-9]+){3}|\[::1\]")

# "https:example.com", "HTTPS:/example.com": a scheme whose "//" went missing.
_SCHEME_WITHOUT_SLASHES = re.compile(r"(https?|wss?):/*(.*)", re.IGNORECASE | re.DOTALL)

# WHATWG URL "ends in a number": a host whose last label is a decimal or 0x-hex
# number is parsed as an IPv4 address by browsers ("127.1" -> "127.0.0.1").
_NUMERIC_LABEL = re.compile(r"[0-9]+|0x[0-9a-f]*")

# UTS #46 "deviation" characters: Python's codec (IDNA 2003) maps "faß.de" to
# "fass.de", a different domain, while browsers (non-transitional processing)
# send "xn--fa-hia.de". The two cannot be reconciled without a third-party
# library, so such a host must be written in punycode.
_IPV6_CHARACTERS = frozenset("0123456789abcdefABCDEF:.")

_IDNA_DEVIATIONS = frozenset("\u00df\u03c2\u200c\u200d")  # ß, final sigma, ZWNJ, ZWJ


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

    if value != value.strip():
        return problem("E001", "an origin never has surrounding spaces", _suggest(value.strip()))
    scheme, sep, rest = value.partition("://")
    if not sep:
        slashless = _SCHEME_WITHOUT_SLASHES.fullmatch(value)
        if slashless:
            guess, rest = slashless.group(1), slashless.group(2)
        else:
            guess, rest = guess_scheme(value), value
        host_part = rest.partition("/")[0]
        return problem(
            "E001", "an origin starts with a scheme and '://'", _suggest(f"{guess}://{host_part}")
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


def guess_scheme(value: str) -> str:
    """The scheme an origin written without one most likely has: http for loopback."""
    return "http" if value.lower().startswith(("localhost", "127.", "[::1]")) else "https"


def _suggest(candidate: str) -> str:
    """The fix for a value that is close to ``candidate``: its normalised form if valid."""
    spec = parse_origin(candidate)
    if isinstance(spec, OriginSpec):
        return f"use {spec.serialise()!r}"
    return "write it as scheme://host[:port], e.g. 'https://app.example.com'"


def _parse_authority(
    scheme: str, authority: str, problem: Callable[[str, str, str], ConfigProblem]
) -> OriginSpec | ConfigProblem:
    if authority.startswith("["):  # IPv6 literal: [::1]:8000
        end = authority.find("]") + 1
        if not end:
            return problem("E001", "an IPv6 address lacks its closing ']'", "write [address]")
        host, after = _ipv6(authority[1 : end - 1]), authority[end:]
        if host is None:
            return problem(
                "E001",
                f"{authority[:end]!r} is not an IPv6 address",
                "check the address, e.g. 'http://[::1]:8000'",
            )
        if after and not after.startswith(":"):
            return problem("E001", "junk follows the IPv6 address", "write [address]:port")
        has_port, port = bool(after), after[1:]
    elif "[" in authority or "]" in authority:
        if authority.startswith("*.["):
            return problem(
                "E003", "an IP address has no subdomains", "list the address itself, e.g. [::1]"
            )
        return problem("E001", "misplaced '[' or ']'", "write an IPv6 address as [address]")
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
    return _parse_host(scheme, host, port, problem)


def _parse_host(
    scheme: str, host: str, port: str, problem: Callable[[str, str, str], ConfigProblem]
) -> OriginSpec | ConfigProblem:
    """The host of a configured origin, normalised as browsers serialise it."""
    subdomains = host.startswith("*.")
    base = host[2:] if subdomains else host
    if "*" in base:
        fix = "use '*' alone to allow every origin" if host == "*" else "write *.domain"
        return problem(
            "E003", "'*' is only allowed as the whole origin, a leading '*.' or the port", fix
        )
    deviations = sorted(_IDNA_DEVIATIONS.intersection(base))
    if deviations:
        punycode = ".".join(_punycode_label(label) for label in base.split("."))
        return problem(
            "E001",
            f"{base!r} contains {', '.join(map(repr, deviations))}, which browsers encode "
            "differently from Python's IDNA codec",
            f"write the host in punycode as browsers send it: "
            f"{OriginSpec(scheme, punycode, port, subdomains).serialise()!r}",
        )
    try:
        base = base.encode("idna").decode("ascii") if not base.isascii() else base.lower()
    except UnicodeError:
        return problem("E001", f"{base!r} is not a valid host name", "check the spelling")
    if _HOST_RE.fullmatch(base) is None:
        return problem("E001", f"{base!r} is not a valid host name", "check the spelling")
    # "example.com." is kept as it is (browsers send it so: another origin), but
    # its labels are those of "example.com".
    stem = base.removesuffix(".")
    if _NUMERIC_LABEL.fullmatch(stem.rpartition(".")[2]):
        numeric = _numeric_host_problem(OriginSpec(scheme, base, port, subdomains), problem)
        if numeric is not None:
            return numeric
    if subdomains and "." not in stem and stem != "localhost":
        return problem(
            "E003",
            f"'*.{base}' would match every site under a top-level domain",
            f"use at least two labels, e.g. {scheme}://*.example.{base}",
        )
    return OriginSpec(scheme, base, port, subdomains)


def _numeric_host_problem(
    spec: OriginSpec, problem: Callable[[str, str, str], ConfigProblem]
) -> ConfigProblem | None:
    """The problem of a host whose last label is a number, or None (an IPv4 address
    written as browsers send it). Browsers rewrite such a host ("127.1",
    "0x7f.0.0.1", "010.0.0.1" in octal, "127.0.0.1." with its dot dropped) to
    dotted decimal, so any other spelling would never match."""
    base = spec.host
    stem = base.removesuffix(".")
    address = _ipv4(stem)
    if address is None:
        return problem(
            "E001",
            f"{base!r} ends in a number, so browsers read it as an IPv4 address",
            "write the address as four decimal numbers from 0 to 255, e.g. 127.0.0.1",
        )
    itself = OriginSpec(spec.scheme, address, spec.port, False).serialise()
    if stem != base:
        return problem(
            "E001",
            f"{base!r} is an IPv4 address with a trailing dot, which browsers drop",
            f"use {itself!r}",
        )
    if address != base:
        return problem(
            "E001",
            f"{base!r} is not written as browsers send it (no leading zeros)",
            f"use {itself!r}",
        )
    if spec.subdomains:
        return problem("E003", "an IP address has no subdomains", f"use {itself!r}")
    return None


def _ipv6(literal: str) -> str | None:
    """``[address]`` as browsers serialise it (WHATWG URL), or None if it is not one.

    Written out rather than ``str(IPv6Address)``: WHATWG always writes hex pieces
    (``::ffff:7f00:1``, never ``::ffff:127.0.0.1``), which Python's ``str()``
    does not on every version.
    """
    if not set(literal) <= _IPV6_CHARACTERS:
        return None  # no zone ids ("%eth0"): URLs cannot carry them
    try:
        packed = ipaddress.IPv6Address(literal).packed
    except ValueError:
        return None
    pieces = [int.from_bytes(packed[i : i + 2], "big") for i in range(0, 16, 2)]
    # Compress the first longest run of two or more zero pieces into "::".
    start, length = -1, 1
    i = 0
    while i < 8:
        j = i
        while j < 8 and pieces[j] == 0:
            j += 1
        if j - i > length:
            start, length = i, j - i
        i = max(j, i + 1)
    if start == -1:
        return "[" + ":".join(f"{p:x}" for p in pieces) + "]"
    head = ":".join(f"{p:x}" for p in pieces[:start])
    tail = ":".join(f"{p:x}" for p in pieces[start + length :])
    return f"[{head}::{tail}]"


def _ipv4(host: str) -> str | None:
    """The dotted-decimal form of an IPv4 host meant as decimal numbers, or None."""
    parts = host.split(".")
    if len(parts) == 4 and all(p.isdigit() and int(p) <= 255 for p in parts):
        return ".".join(str(int(p)) for p in parts)
    return None


def _punycode_label(label: str) -> str:
    """One label as browsers encode it (UTS #46 non-transitional), for the fix shown."""
    label = unicodedata.normalize("NFC", label.lower())
    if label.isascii():
        return label
    return "xn--" + label.encode("punycode").decode("ascii")
