"""Refusals, worded: why a request was refused and what to change, in the user's vocabulary.

Called only on the refusal path, never for an allowed request. A refused
origin that differs from a configured one only by its scheme, port, a
``www.``, a trailing dot or the loopback name (localhost, 127.0.0.1, [::1]) is named in the
reason ("did you mean"), and so is a subdomain pattern for its apex or for another
scheme or port: a browser sends the page's exact origin (Fetch
§3.2.1), so any of these differences is another origin. The index from such
variants to the configured origins is built on the first refusal, not at
construction, and never consulted for an allowed request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from ._decision import Refusal
from ._origins import MAX_ORIGIN_LENGTH, SERIALISED_ORIGIN, OriginSpec
from ._tokens import short_repr

Name = Callable[[str], str]

_LOOPBACK = frozenset({"localhost", "127.0.0.1", "[::1]"})


class _Parts(NamedTuple):
    scheme: str
    host: str
    port: str  # "" for the scheme's default, or "*"


def _key(host: str) -> str:
    """The host with the differences a near miss may have taken out."""
    host = host.removesuffix(".")
    if host in _LOOPBACK:
        return "localhost"
    return host.removeprefix("www.")


def _differences(asked: _Parts, configured: _Parts) -> list[str]:
    """How a refused origin differs from a configured one: "its port is 5174, not 5173"."""
    found = []
    if asked.scheme != configured.scheme:
        found.append(f"its scheme is {asked.scheme}, not {configured.scheme}")
    if configured.port != "*" and asked.port != configured.port:
        found.append(
            f"its port is {asked.port or 'the default'}, not {configured.port or 'the default'}"
        )
    if asked.host.removesuffix(".") == configured.host.removesuffix("."):
        if asked.host != configured.host:  # browsers keep the dot: another origin
            ends = "ends" if asked.host.endswith(".") else "does not end"
            found.append(f"its host {ends} with a dot (list {asked.host} as it is)")
    else:
        found.append(f"its host is {asked.host}, not {configured.host}")
    return found


# How many trailing labels of a refused host are looked up as a pattern's base.
_DEPTH = 8


class NearMisses:
    """Configured exact origins and any-port patterns by their near-miss key (built lazily)."""

    __slots__ = ("_bases", "_index", "_origins", "_patterns")

    def __init__(self, exact: tuple[str, ...], patterns: tuple[OriginSpec, ...]) -> None:
        self._origins = exact
        self._patterns = patterns
        self._index: dict[str, list[tuple[str, _Parts]]] | None = None
        # "https://*.example.com" by its base "example.com"
        self._bases: dict[str, list[tuple[str, _Parts]]] = {}

    def _build(self) -> dict[str, list[tuple[str, _Parts]]]:
        index: dict[str, list[tuple[str, _Parts]]] = {}
        for origin in self._origins:
            parts = _parse(origin)
            if parts is not None:
                index.setdefault(_key(parts.host), []).append((origin, parts))
        for spec in self._patterns:
            parts = _Parts(spec.scheme, spec.host, spec.port)
            if spec.subdomains:  # "https://*.example.com"
                base = spec.host.removesuffix(".")  # "*.example.com." is near "a.example.com"
                self._bases.setdefault(base, []).append((spec.serialise(), parts))
            else:  # "http://localhost:*"
                index.setdefault(_key(spec.host), []).append((spec.serialise(), parts))
        return index

    def _subdomain_patterns(self, asked: _Parts) -> list[tuple[str, _Parts]]:
        """Subdomain patterns whose base is the host or one of its last labels (at most
        ``_DEPTH``), each with the host it would need: the host itself, or for the
        apex "example.com" a subdomain, which the pattern never equals."""
        stem = asked.host.removesuffix(".")
        labels = stem.split(".")
        found = []
        for depth in range(1, min(len(labels), _DEPTH) + 1):
            for configured, parts in self._bases.get(".".join(labels[-depth:]), ()):
                dot = "." if parts.host.endswith(".") else ""  # the pattern's, not the request's
                host = stem + dot if depth < len(labels) else f"a subdomain of {asked.host}"
                found.append((configured, parts._replace(host=host)))
        return found

    def suggest(self, origin: str) -> str | None:
        """``"'configured'? its port is ..."`` for a near miss of ``origin``, or None."""
        if len(origin) > MAX_ORIGIN_LENGTH:  # a hostile size is never scanned
            return None
        match = SERIALISED_ORIGIN.fullmatch(origin)
        if match is None:
            return None
        index = self._index
        if index is None:
            index = self._index = self._build()
        asked = _Parts(match.group(1), match.group(2), match.group(3) or "")
        candidates = index.get(_key(asked.host), [])
        if self._bases:
            candidates = candidates + self._subdomain_patterns(asked)
        if not candidates:  # the usual refusal: no configured origin is near
            return None
        best: tuple[int, str, list[str]] | None = None
        for configured, parts in candidates:
            differences = _differences(asked, parts)
            if differences and (best is None or len(differences) < best[0]):
                best = (len(differences), configured, differences)
        if best is None:
            return None
        return f"{best[1]!r}? {'; '.join(best[2])}"


def _parse(origin: str) -> _Parts | None:
    match = SERIALISED_ORIGIN.fullmatch(origin)
    if match is None:
        return None
    scheme, host, port = match.group(1, 2, 3)
    return _Parts(scheme, host, port or "")


def _braces(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


_ORIGIN = "origin {value} is not allowed"
_ORIGIN_FIX = "origin {value} is not allowed; add it to {option}"


def refused_origin(
    origin: str,
    near: NearMisses,
    name: Name | None,
    looked_up: bool | None = None,
    option: str | None = "allow_origins",
) -> Refusal:
    """The refusal of an origin; ``option`` names the fix ("add it to allow_origins")
    for a preflight, None for an actual request (which may be same-origin);
    ``looked_up``: ``allow_origin_func``'s answer (None: not asked), which the fix
    then names too."""
    asked = looked_up is not None
    value = short_repr(origin)
    suggestion = near.suggest(origin)
    if suggestion is None and not asked:  # the usual refusal, and every hostile one
        if option is None:
            return Refusal("origin", f"origin {value} is not allowed", _ORIGIN, value)
        shown = option if name is None else name(option)
        text = f"origin {value} is not allowed; add it to {shown}"
        return Refusal("origin", text, _ORIGIN_FIX, value, option)
    template = "origin {value} is not allowed"
    if suggestion is not None:
        template += f" (did you mean {_braces(suggestion)})"
    if option is not None and asked:
        func = _braces("allow_origin_func" if name is None else name("allow_origin_func"))
        template += (
            f"; {func} did not return True for it: add it to {{option}}, or have {func} return True"
        )
    elif option is not None:
        template += "; add it to {option}"
    return worded("origin", template, value, option, name)


def worded(what: str, template: str, value: str, option: str | None, name: Name | None) -> Refusal:
    """A :class:`Refusal` whose text names ``option`` through ``name`` (None: the keyword)."""
    shown = "" if option is None else (option if name is None else name(option))
    return Refusal(what, template.format(value=value, option=shown), template, value, option)


def not_allowed(what: str, word: str, value: str, option: str, name: Name | None) -> Refusal:
    """``<word> <value> is not allowed; add it to <option>``, the option worded by ``name``."""
    template = word + " {value} is not allowed; add it to {option}"
    return worded(what, template, short_repr(value), option, name)


def refused_method(method: str, allowed: frozenset[str], name: Name | None) -> Refusal:
    """The refusal of a preflight's method; one allowed in another case is named.

    Methods are compared case-sensitively (Fetch, CORS-preflight fetch), and
    ``fetch()`` upper-cases only DELETE, GET, HEAD, OPTIONS, POST and PUT, so a
    page's ``method: "patch"`` asks for ``patch``, which ``PATCH`` does not allow.
    """
    same = sorted(m for m in allowed if m.upper() == method.upper())
    if not same:
        return not_allowed("method", "method", method, "allow_methods", name)
    template = (
        "method {value} is not allowed: methods are case-sensitive, and "
        + _braces(repr(same[0]))
        + " is allowed (fetch() upper-cases only DELETE, GET, HEAD, OPTIONS, POST and PUT); "
        + "send "
        + _braces(repr(same[0]))
        + " from the page, or add {value} to {option}"
    )
    return worded("method", template, short_repr(method), "allow_methods", name)


def refused_pna(name: Name | None) -> Refusal:
    """The refusal of a preflight asking for Private Network Access, which is off."""
    template = "private network access was requested; set {option}=True"
    return worded("private-network", template, "", "allow_private_network", name)
