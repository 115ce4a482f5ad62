r"""The regex options: compiling them, and the checks of ``allow_origin_regex``.

A regex must compile, must be able to match an origin (one ending in ``/`` never
does), and must not backtrack catastrophically (``_redos``): it runs on every new
origin a client sends. Its fixed end (``\.github\.io`` in
``https://[a-z-]+\.github\.io``) must not be a public suffix (``_catalogue``).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable
from typing import Any, NamedTuple

from ._catalogue import public_suffix_problem
from ._errors import ConfigProblem
from ._hints import slash_regex
from ._redos import backtracking_problem

try:  # the private parser of re, as in _redos (whose docstring says why)
    _p: Any = importlib.import_module("re._parser")
    _c: Any = importlib.import_module("re._constants")
except ImportError:  # pragma: no cover - another layout: the fixed end is not checked
    _p = _c = None

# The characters a host's fixed end may have (the regex sees serialised origins).
_HOST_TAIL = re.compile(r"[a-z0-9.-]+")


def check_allow_origin_regex(
    value: object,
    problems: list[ConfigProblem],
    notices: list[ConfigProblem],
    credentials: bool,
) -> tuple[re.Pattern[str], ...]:
    """``allow_origin_regex``: a str, a compiled pattern, or an iterable of them;
    warnings (W006, which depends on ``credentials``) go to ``notices``."""
    if value is None:
        return ()
    single = isinstance(value, str | bytes | re.Pattern)
    items = [value] if single or not isinstance(value, Iterable) else list(value)
    compiled = []
    for item in items:
        regex = compile_regex("allow_origin_regex", item, problems)
        if regex is not None:
            compiled.append(regex)
            if regex.pattern.removesuffix("$").endswith("/"):  # r"https://.*\.example\.com/"
                problems.append(slash_regex(item, regex.pattern))
            backtracking = backtracking_problem(item, regex)  # catastrophic backtracking
            if backtracking is not None:
                problems.append(backtracking)
            base = fixed_end(regex)
            suffix = base and public_suffix_problem(
                "allow_origin_regex",
                item,
                f"the regex {regex.pattern!r}",
                base,
                "https",
                credentials,
            )
            if suffix:
                (problems if suffix.code.startswith("E") else notices).append(suffix)
    return tuple(compiled)


def fixed_end(regex: re.Pattern[str]) -> str | None:
    r"""The fixed end of the host a regex matches after a variable part, or None.

    ``https://[a-z]+\.example\.co\.uk(:[0-9]+)?$`` -> ``example.co.uk``: the literal
    characters at the end of the regex (after any ``$`` and one optional port group),
    less a port and the leading dot. None when the regex does not end so (a top-level
    alternation, a character class), when the host is literal throughout (``://`` is
    among the characters), or when the private parser's shape is unknown.
    """
    try:
        items = list(_p.parse(regex.pattern, regex.flags))
        while items and items[-1][0] is _c.AT:
            items.pop()
        if items and items[-1][0] in (_c.MAX_REPEAT, _c.MIN_REPEAT) and items[-1][1][0] == 0:
            items.pop()  # an optional port: (:[0-9]+)?
        tail = []
        while items and items[-1][0] is _c.LITERAL:
            tail.append(chr(items.pop()[1]))
    except Exception:  # pragma: no cover - version drift of the private parser
        return None
    text = "".join(reversed(tail)).lower()
    host = text.rpartition(":")[0] if ":" in text else text
    if not items or "://" in text or _HOST_TAIL.fullmatch(host) is None or "." not in host:
        return None  # "[a-z]+uk": not a host's end
    return host.lstrip(".")


class RegexWording(NamedTuple):
    """How the problems of one regex option are worded: codes and fixes."""

    type_code: str
    type_message: str
    type_fix: str
    compile_code: str
    compile_fix: str


ORIGIN_REGEX_WORDING = RegexWording(
    "E011",
    "must be a str or a compiled str pattern",
    r"use e.g. r'https://[a-z0-9-]+\.example\.com'",
    "E004",
    r"fix the regex; it must match the whole origin, e.g. r'https://[a-z]+\.example\.com'",
)


def compile_regex(
    option: str,
    item: object,
    problems: list[ConfigProblem],
    wording: RegexWording = ORIGIN_REGEX_WORDING,
) -> re.Pattern[str] | None:
    """One regex option item: a compiled str pattern, or a str that compiles.

    The one regex check of every layer (the Django adapter words its own
    ``CORS_URLS_REGEX`` problems with another ``wording``).
    """
    if isinstance(item, re.Pattern) and isinstance(item.pattern, str):
        return item
    if not isinstance(item, str):
        problems.append(
            ConfigProblem(wording.type_code, option, item, wording.type_message, wording.type_fix)
        )
        return None
    try:
        return re.compile(item)
    except re.error as exc:
        problems.append(
            ConfigProblem(
                wording.compile_code,
                option,
                item,
                f"does not compile ({exc})",
                wording.compile_fix,
            )
        )
        return None
