"""The WHATWG URL parser, for the two schemes ``corecors check`` fetches (http, https).

A browser resolves a URL, and a redirect's ``Location`` against the URL it came from,
with the WHATWG URL Standard (https://url.spec.whatwg.org/), not RFC 3986; the two
disagree exactly where a hostile server wants them to: a backslash is a slash in an
http(s) URL (``http:\\\\evil.example\\x`` goes to evil.example), tabs and newlines are
removed, any number of slashes starts the authority, ``0x7f.1`` is 127.0.0.1, ``.`` and
``..`` (also as ``%2e``) are resolved. Standard library only; the one deviation: a
non-ASCII host is converted with Python's IDNA 2003 codec, where browsers use UTS 46
(they differ on a few characters such as ``ß``)."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import quote, unquote

SPECIAL_PORTS = {"http": 80, "https": 443}
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
_SLASHES = "/\\"
# Forbidden domain code points (URL Standard, "host parsing").
_FORBIDDEN_HOST = re.compile(r"[\x00-\x20#%/:<>?@\[\\\]^|\x7f]")
# The path and special-query percent-encode sets, beyond controls, space and non-ASCII.
_PATH_SAFE = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in '"#<>?`{}')
_QUERY_SAFE = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in "\"#<>'")
_USERINFO_SAFE = "".join(c for c in _PATH_SAFE if c not in "/:;=@[\\]^|")
_DOTS = {".", "%2e"}
_DOT_DOTS = {"..", ".%2e", "%2e.", "%2e%2e"}


class URLError(ValueError):
    """The text is not a URL a browser would fetch; the message says why."""


def parse_url(text: str, base: str | None = None) -> str:
    """``text`` parsed as a browser parses it (WHATWG URL "basic URL parser") against
    ``base`` (an http(s) URL this function returned, or None), serialised without its
    fragment. Returns a URL of another scheme as ``scheme:rest`` (the caller refuses
    it); raises :class:`URLError` for what a browser refuses (no host, a forbidden code
    point or an invalid IPv4/IPv6 address in the host, a port over 65535)."""
    text = re.sub(r"[\t\n\r]", "", text.strip("".join(map(chr, range(0x21)))))
    match = _SCHEME.match(text)
    scheme = match.group(1).lower() if match else None
    if scheme is not None and scheme not in SPECIAL_PORTS:
        return f"{scheme}:{text[len(scheme) + 1 :]}"
    base_scheme = base.partition(":")[0] if base else None
    rest = text[len(scheme) + 1 :] if scheme else text
    if scheme is not None and scheme != base_scheme:  # special authority slashes state
        return _authority(scheme, rest.lstrip(_SLASHES))
    if base is None or base_scheme is None:
        raise URLError(f"{text!r} is not an absolute URL")
    return _relative(base_scheme, base, rest)


def _relative(scheme: str, base: str, rest: str) -> str:
    """The URL Standard's relative state, against an http(s) ``base``."""
    if rest[:2] and all(c in _SLASHES for c in rest[:2]):
        return _authority(scheme, rest.lstrip(_SLASHES))
    base = base.partition("#")[0]
    after = base[len(scheme) + 3 :]
    cut = min((i for i in (after.find(c) for c in "/?") if i >= 0), default=len(after))
    authority, base_path = after[:cut], after[cut:].partition("?")[0] or "/"
    prefix = f"{scheme}://{authority}"
    if rest[:1] == "?":
        return prefix + _tail(base_path + rest)
    if rest[:1] in ("", "#"):
        return base
    if rest[:1] in _SLASHES:
        return prefix + _tail(rest)
    return prefix + _tail(base_path.rsplit("/", 1)[0] + "/" + rest)


def _authority(scheme: str, rest: str) -> str:
    """Authority, then path and query, of a special URL."""
    end = min((i for i in (rest.find(c) for c in "/\\?#") if i >= 0), default=len(rest))
    authority, tail = rest[:end], rest[end:]
    userinfo, _, hostport = authority.rpartition("@")
    host, port = _split_port(hostport)
    if port and not port.isdigit():
        raise URLError(f"the port {port!r} is not a number")
    if port and int(port) > 65535:
        raise URLError(f"the port {port} is over 65535")
    shown_port = "" if not port or int(port) == SPECIAL_PORTS[scheme] else f":{int(port)}"
    name, _, password = (quote(part, safe=_USERINFO_SAFE) for part in userinfo.partition(":"))
    user = name + (f":{password}" if password else "") + ("@" if name or password else "")
    return f"{scheme}://{user}{parse_host(host)}{shown_port}{_tail(tail or '/')}"


def _split_port(hostport: str) -> tuple[str, str]:
    if hostport.startswith("["):
        host, bracket, port = hostport.partition("]")
        if not bracket or port[:1] not in ("", ":"):
            raise URLError(f"the host {hostport!r} has an unclosed or misplaced ]")
        return host + "]", port[1:]
    host, _, port = hostport.partition(":")
    return host, port


def parse_host(host: str) -> str:
    """The URL Standard's host parser for a special URL: an IPv6 address in brackets
    (compressed), an IPv4 address in any form a browser reads (``0x7f.1``, ``2130706433``)
    as dotted decimal, or a domain lower-cased and in Punycode. Raises :class:`URLError`."""
    if host.startswith("["):
        try:
            return f"[{ipaddress.IPv6Address(host[1:-1]).compressed}]"
        except ValueError as exc:
            raise URLError(f"the host {host!r} is not an IPv6 address") from exc
    if not host:
        raise URLError("the URL has no host")
    try:
        domain = unquote(host, errors="strict").lower()
        if not domain.isascii():
            domain = domain.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise URLError(f"the host {host!r} is not valid UTF-8 or IDNA") from exc
    bad = _FORBIDDEN_HOST.search(domain)
    if bad:
        raise URLError(f"the host {host!r} contains the forbidden character {bad.group()!r}")
    labels = domain.split(".")
    last = labels[-2] if labels[-1] == "" and len(labels) > 1 else labels[-1]
    if last and (last.isdigit() or re.fullmatch(r"0[xX][0-9A-Fa-f]*", last)):
        return _ipv4(domain)
    return domain


def _ipv4(domain: str) -> str:
    """The URL Standard's IPv4 parser (decimal, 0x hex and 0-prefixed octal parts)."""
    parts = domain.split(".")
    if parts[-1] == "":
        parts.pop()
    numbers = []
    for part in parts:
        match = re.fullmatch(r"0[xX]([0-9A-Fa-f]*)|0([0-7]*)|([1-9][0-9]*)", part)
        if match is None:
            raise URLError(f"the host {domain!r} is not a valid IPv4 address")
        hex_digits, octal, decimal = match.groups()
        if decimal is not None:
            numbers.append(int(decimal))
        else:
            numbers.append(int(hex_digits or "0", 16) if octal is None else int(octal or "0", 8))
    if len(numbers) > 4 or any(n > 255 for n in numbers[:-1]):
        raise URLError(f"the host {domain!r} is not a valid IPv4 address")
    if numbers[-1] >= 256 ** (5 - len(numbers)):
        raise URLError(f"the host {domain!r} is not a valid IPv4 address")
    value = sum(n << (8 * (3 - i)) for i, n in enumerate(numbers[:-1])) + numbers[-1]
    return str(ipaddress.IPv4Address(value))


def _tail(text: str) -> str:
    """Path (dot segments resolved, backslashes as slashes) and query, percent-encoded
    as the URL Standard encodes them; the fragment dropped."""
    text = text.partition("#")[0]
    path, question, query = text.partition("?")
    segments: list[str] = []
    pieces = path.replace("\\", "/").split("/")[1:]
    for i, segment in enumerate(pieces):
        last = i == len(pieces) - 1
        if segment.lower() in _DOT_DOTS:
            if segments:
                segments.pop()
            if last:
                segments.append("")
        elif segment.lower() in _DOTS:
            if last:
                segments.append("")
        else:
            segments.append(segment)
    encoded = quote("/" + "/".join(segments), safe=_PATH_SAFE)
    return encoded + (f"?{quote(query, safe=_QUERY_SAFE)}" if question else "")
