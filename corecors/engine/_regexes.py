"""The regex options: compiling them, and the checks of ``allow_origin_regex``.

A regex must compile, must be able to match an origin (one ending in ``/`` never
does), and must not backtrack catastrophically (``_redos``): it runs on every new
origin a client sends.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

from ._errors import ConfigProblem
from ._hints import slash_regex
from ._redos import backtracking_problem


def check_allow_origin_regex(
    value: object, problems: list[ConfigProblem]
) -> tuple[re.Pattern[str], ...]:
    """``allow_origin_regex``: a str, a compiled pattern, or an iterable of them."""
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
    return tuple(compiled)


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
