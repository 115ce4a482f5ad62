"""Public suffixes: which part of a host anyone can register under (the Public Suffix List).

``https://*.co.uk`` would allow every company in the United Kingdom, and
``https://*.github.io`` every GitHub Pages site: the Public Suffix List
(https://publicsuffix.org/) names such suffixes, in an ICANN section (``com``,
``co.uk``) and a private section (``github.io``, ``vercel.app``: domains whose
owner hands out subdomains to anyone). Browsers use the same list to tell
sites apart: two hosts are the same site when their registrable domains (the
public suffix plus one label) are equal, which decides where cookies go.

The list ships with corecors as ``public_suffix_list.dat`` beside this module,
unmodified (Mozilla Public License 2.0), taken from the ``publicsuffixlist``
package on PyPI, which republishes publicsuffix.org's list every few days
(``make public-suffixes`` updates the copy; the ``VERSION`` line inside says
when it was published; ``tests/engine/test_suffixes.py`` fails once the copy is
older than :data:`MAX_AGE_DAYS`). It is parsed on first use only: a policy with
no wildcard pattern or regex never reads it, and nothing on a request's path
does (the cookie diagnostics of debug mode aside). Hosts are looked up as
browsers send them: lower case, IDNs in Punycode.
"""

from __future__ import annotations

import functools
import importlib.resources
import unicodedata
from typing import NamedTuple

#: The shipped copy's file name, beside this module (package data).
LIST_FILE = "public_suffix_list.dat"

#: How old the shipped copy may get, in days from its VERSION date, before the tests fail.
MAX_AGE_DAYS = 180


class Suffix(NamedTuple):
    """The public suffix of a host: ``name`` (lower case, Punycode), whether it comes
    from the list's private section (``private``), and whether a rule of the list
    named it (``listed``; False for the implicit rule ``*``: an unlisted top-level
    label such as ``localhost`` or ``test``)."""

    name: str
    private: bool
    listed: bool


class _Rules(NamedTuple):
    version: str
    normal: dict[str, bool]  # rule -> private section
    wildcard: dict[str, bool]  # "*.ck" kept as "ck"
    exception: dict[str, bool]  # "!www.ck" kept as "www.ck"


def _ascii(rule: str) -> str:
    """A rule's labels as browsers send them: Punycode for IDN labels."""
    if rule.isascii():
        return rule
    labels = []
    for label in rule.split("."):
        label = unicodedata.normalize("NFC", label.lower())
        labels.append(label if label.isascii() else "xn--" + label.encode("punycode").decode())
    return ".".join(labels)


def parse(text: str) -> _Rules:
    """The rules of a list in the Public Suffix List's format (comments ``//``, one
    rule per line, sections marked ``===BEGIN PRIVATE DOMAINS===``)."""
    version = ""
    private = False
    normal: dict[str, bool] = {}
    wildcard: dict[str, bool] = {}
    exception: dict[str, bool] = {}
    for line in text.splitlines():
        rule = line.strip()
        if rule.startswith("//"):
            if rule.startswith("// VERSION:"):
                version = rule.removeprefix("// VERSION:").strip()
            elif "===BEGIN PRIVATE DOMAINS===" in rule:
                private = True
            continue
        rule = rule.split(None, 1)[0] if rule else ""
        if not rule:
            continue
        if rule.startswith("!"):
            exception[_ascii(rule[1:])] = private
        elif rule.startswith("*."):
            wildcard[_ascii(rule[2:])] = private
        else:
            normal[_ascii(rule)] = private
    return _Rules(version, normal, wildcard, exception)


@functools.cache
def _rules() -> _Rules:
    """The shipped list, parsed on the first call (two threads racing at start-up may
    both parse it: the same result, kept once)."""
    resource = importlib.resources.files(__package__) / LIST_FILE
    return parse(resource.read_text(encoding="utf-8"))


def list_version() -> str:
    """The shipped list's ``VERSION`` line, e.g. ``2026-10-22_08-36-41_UTC``."""
    return _rules().version


def public_suffix(host: str) -> Suffix:
    """The public suffix of ``host`` (a host name as browsers send it, without port;
    a trailing dot is ignored), by the Public Suffix List's algorithm: an exception
    rule wins, else the matching rule with the most labels, else the last label.
    Raises nothing."""
    rules = _rules()
    labels = host.lower().removesuffix(".").split(".")
    count = len(labels)
    for n in range(count, 1, -1):
        candidate = ".".join(labels[-n:])
        if candidate in rules.exception:  # "!www.ck": the suffix is "ck"
            return Suffix(".".join(labels[-n + 1 :]), rules.exception[candidate], True)
    for n in range(count, 0, -1):
        candidate = ".".join(labels[-n:])
        if candidate in rules.normal:
            return Suffix(candidate, rules.normal[candidate], True)
        parent = ".".join(labels[-n + 1 :])
        if n > 1 and parent in rules.wildcard:
            return Suffix(candidate, rules.wildcard[parent], True)
    return Suffix(labels[-1], False, False)


def registrable_domain(host: str) -> str | None:
    """The public suffix of ``host`` and one more label (``api.example.co.uk`` ->
    ``example.co.uk``), or None when ``host`` is itself a public suffix or an IP
    address. A trailing dot is kept (``example.com.`` is another site). Raises nothing."""
    dot = "." if host.endswith(".") else ""
    stem = host.lower().removesuffix(".")
    if host.startswith("[") or stem.replace(".", "").isdigit() or "" in stem.split("."):
        return None
    suffix = public_suffix(stem).name
    if stem == suffix or not stem.endswith("." + suffix):
        return None
    label = stem[: -len(suffix) - 1].rpartition(".")[2]
    return f"{label}.{suffix}{dot}" if label else None


def site_of(host: str) -> str:
    """The host's site for same-site checks (HTML "site", without the scheme): its
    registrable domain, or the host itself (an IP address, ``localhost``, a public
    suffix). ``host`` has no port. Raises nothing."""
    return registrable_domain(host) or host.lower()
