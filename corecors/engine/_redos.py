"""Regexes that can backtrack catastrophically, found at start-up (E004).

Python's ``re`` backtracks: a regex in which one text can be matched in
exponentially many ways takes seconds on a 40-byte origin (the 1 KiB cap on
``Origin`` and the memo do not help: each attacker origin is new and short).
Two shapes cause that, and both are reported when the policy is built:

- a nested quantifier: an unbounded repetition whose body can match a run of
  characters through an inner unbounded repetition alone (everything else in
  the body optional), as in ``([a-z0-9]+-?)*``: ``aaaa`` is one, two, three or
  four repetitions;
- alternatives under an unbounded repetition that can match the same text, as
  in ``(\\w|\\d)*`` or ``(a|a)*``.

The walk reads the parsed pattern (the standard library's ``re._parser``, the
parser ``re.compile`` itself uses). That module is private: when a future
Python changes its shape the walk reports nothing rather than failing (tested
on the supported Pythons). Repetitions inside atomic groups ``(?>...)`` or
possessive quantifiers (``*+``, ``++``, Python 3.11+) never backtrack into
themselves and are not reported; the fix offered is the repeated group made
atomic, which keeps the regex's meaning for origins (a repetition that gives
back part of itself to what follows is the rare exception: check the rewrite
still matches your front ends).

The walk is a heuristic for the two shapes above, not a proof of safety:
quadratic regexes (``.*.*\\.example\\.com``) pass, and cost about a millisecond
on a 1 KiB origin (docs/security.md).
"""

from __future__ import annotations

import importlib
import re
from typing import Any, NamedTuple

from ._errors import ConfigProblem

try:  # the private parser of re (Python 3.11+); see the module docstring
    _p: Any = importlib.import_module("re._parser")
    _c: Any = importlib.import_module("re._constants")
    _UNBOUNDED = _c.MAXREPEAT
    _REPEATS: tuple[Any, ...] = (_c.MAX_REPEAT, _c.MIN_REPEAT)
except (ImportError, AttributeError):  # pragma: no cover - another layout: report nothing
    _p = _c = None
    _UNBOUNDED, _REPEATS = object(), ()

# Character sets as bit sets over ASCII: a regex only ever sees a serialised
# origin (corecors.origins.SERIALISED_ORIGIN: ASCII), so no other character counts.
_ALL = (1 << 128) - 1
_DIGITS = sum(1 << c for c in range(48, 58))
_WORD = _DIGITS | (1 << 95) | sum(1 << c for c in (*range(65, 91), *range(97, 123)))
_SPACE = sum(1 << c for c in (9, 10, 11, 12, 13, 32))


class Finding(NamedTuple):
    """A part of a regex that can backtrack exponentially, and its atomic rewrite."""

    part: str  # the repetition as written back from the parsed pattern
    rewrite: str  # the same with its body made atomic: (?>...)
    pattern: str | None  # the whole pattern with that rewrite, when it can be written back


def catastrophic(regex: re.Pattern[str]) -> Finding | None:
    """The first part of ``regex`` that can backtrack exponentially, else None
    (also when the private parser's shape is unknown)."""
    try:
        parsed = list(_p.parse(regex.pattern, regex.flags))
        node = _find(parsed, bool(regex.flags & re.IGNORECASE))
        if node is None:
            return None
        names = {number: name for name, number in regex.groupindex.items()}
        op, (low, high, body) = node
        atomic = (op, (low, high, [(_c.ATOMIC_GROUP, _inner(list(body)))]))
        whole = _Writer(names, (node, atomic))
        pattern = whole.text(parsed)
        return Finding(
            _Writer(names).text([node]),
            _Writer(names).text([atomic]),
            None if whole.lossy else pattern,
        )
    except Exception:  # pragma: no cover - version drift of the private parser
        return None


def _find(items: list[Any], icase: bool) -> Any:
    """The first repetition node that can backtrack exponentially, or None."""
    for node in items:
        op, av = node
        if op in _REPEATS:
            body = list(av[2])
            if av[1] == _UNBOUNDED and (_solo(body) or _overlapping(body, icase)):
                return node
            found = _find(body, icase)
        elif op is _c.SUBPATTERN:
            found = _find(list(av[-1]), icase)
        elif op is _c.BRANCH:
            found = next((f for b in av[1] if (f := _find(list(b), icase)) is not None), None)
        else:  # atomic groups and possessive repetitions never backtrack into themselves
            found = None
        if found is not None:
            return found
    return None


def _inner(body: list[Any]) -> list[Any]:
    """The body of a repetition without its one group, if it is one group."""
    while len(body) == 1 and body[0][0] is _c.SUBPATTERN and body[0][1][0] is None:
        body = list(body[0][1][-1])  # a non-capturing group; a capturing one is kept
    return body


def _nullable(items: list[Any]) -> bool:
    """Whether the sequence can match the empty text."""
    for op, av in items:
        if op in _REPEATS or op is _c.POSSESSIVE_REPEAT:
            if av[0] > 0 and not _nullable(list(av[2])):
                return False
        elif op is _c.SUBPATTERN or op is _c.ATOMIC_GROUP:
            if not _nullable(list(av[-1] if op is _c.SUBPATTERN else av)):
                return False
        elif op is _c.BRANCH:
            if not any(_nullable(list(b)) for b in av[1]):
                return False
        elif op not in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):
            return False
    return True


def _solo(items: list[Any]) -> bool:
    """Whether the sequence can match text through one inner unbounded repetition
    alone, everything else matching nothing (``[a-z]+-?``: yes; ``a[a-z]+``: no)."""
    for index, (op, av) in enumerate(items):
        rest = items[:index] + items[index + 1 :]
        if _can_pump(op, av) and _nullable(rest):
            return True
    return False


def _can_pump(op: Any, av: Any) -> bool:
    if op in _REPEATS:
        return bool(av[1] == _UNBOUNDED or _solo(list(av[2])))
    if op is _c.SUBPATTERN:
        return _solo(list(av[-1]))
    if op is _c.BRANCH:
        return any(_solo(list(b)) for b in av[1])
    return False


def _overlapping(body: list[Any], icase: bool) -> bool:
    """Whether the repeated body holds an alternation two of whose alternatives,
    each a fixed run of single characters, can match the same text: each
    repetition then matches in two ways (``(ab|ab)*``, ``(x\\.|[xz]\\.)*``)."""
    for op, av in body:
        if op is _c.SUBPATTERN and _overlapping(list(av[-1]), icase):
            return True
        if op is _c.BRANCH:
            alternatives = [list(b) for b in av[1]]
            runs = [run for b in alternatives if (run := _run(b, icase)) is not None]
            for i, first in enumerate(runs):
                for second in runs[i + 1 :]:
                    if len(first) == len(second) and all(
                        a & b for a, b in zip(first, second, strict=True)
                    ):
                        return True
            if any(_overlapping(b, icase) for b in alternatives):
                return True
    return False


def _run(items: list[Any], icase: bool) -> list[int] | None:
    """The character sets of a sequence of single characters, or None."""
    run = []
    for op, av in items:
        chars = _chars(op, av, icase)
        if chars is None:
            return None
        run.append(chars)
    return run


def _chars(op: Any, av: Any, icase: bool) -> int | None:
    """The ASCII characters one item matches, as a bit set."""
    if op is _c.LITERAL or op is _c.NOT_LITERAL:
        bits = _fold(1 << av if av < 128 else 0, icase)
        return bits if op is _c.LITERAL else _ALL & ~bits
    if op is _c.ANY:
        return _ALL
    if op is not _c.IN:
        return None
    bits, negate = 0, False
    for kind, value in av:
        if kind is _c.NEGATE:
            negate = True
        elif kind is _c.LITERAL:
            bits |= 1 << value if value < 128 else 0
        elif kind is _c.RANGE:
            low, high = value
            bits |= sum(1 << c for c in range(low, min(high, 127) + 1))
        else:  # CATEGORY and anything else: assume it may match anything
            bits |= _category(value)
    bits = _fold(bits, icase)
    return _ALL & ~bits if negate else bits


def _category(value: Any) -> int:
    known = {
        _c.CATEGORY_DIGIT: _DIGITS,
        _c.CATEGORY_WORD: _WORD,
        _c.CATEGORY_SPACE: _SPACE,
        _c.CATEGORY_NOT_DIGIT: _ALL & ~_DIGITS,
        _c.CATEGORY_NOT_WORD: _ALL & ~_WORD,
        _c.CATEGORY_NOT_SPACE: _ALL & ~_SPACE,
    }
    bits: int = known.get(value, _ALL)
    return bits


def _fold(bits: int, icase: bool) -> int:
    if not icase:
        return bits
    for c in range(65, 91):
        if bits & (1 << c) or bits & (1 << (c + 32)):
            bits |= (1 << c) | (1 << (c + 32))
    return bits


_CATEGORIES = {
    "CATEGORY_DIGIT": r"\d",
    "CATEGORY_NOT_DIGIT": r"\D",
    "CATEGORY_WORD": r"\w",
    "CATEGORY_NOT_WORD": r"\W",
    "CATEGORY_SPACE": r"\s",
    "CATEGORY_NOT_SPACE": r"\S",
}
_AT = {"AT_BEGINNING": "^", "AT_BEGINNING_STRING": r"\A", "AT_END": "$", "AT_END_STRING": r"\Z"}
_AT |= {"AT_BOUNDARY": r"\b", "AT_NON_BOUNDARY": r"\B"}


_ATOMS = () if _c is None else (_c.LITERAL, _c.IN, _c.ANY, _c.SUBPATTERN, _c.ATOMIC_GROUP)


class _Writer:
    """Parsed items written back as a pattern (the shapes origin regexes use).

    ``swap`` replaces one node by another; ``lossy`` is set when something
    could not be written back exactly (lookarounds, references, inline flags).
    """

    def __init__(self, names: dict[int, str], swap: tuple[Any, Any] | None = None) -> None:
        self.names = names
        self.swap = swap
        self.lossy = False

    def text(self, items: list[Any]) -> str:
        texts = [self._item(node) for node in items]
        if len(items) > 1:  # an alternation among other items needs its own group
            texts = [
                f"(?:{t})" if n[0] is _c.BRANCH else t for n, t in zip(items, texts, strict=True)
            ]
        return "".join(texts)

    def _item(self, node: Any) -> str:
        if self.swap is not None and node is self.swap[0]:
            node = self.swap[1]
        op, av = node
        if op is _c.LITERAL:
            return _literal(chr(av), _SPECIAL)
        if op is _c.ANY:
            return "."
        if op is _c.IN:
            return _class(av)
        if op is _c.AT:
            return _AT.get(str(av), "")
        if op is _c.SUBPATTERN:
            group, add, remove, body = av
            self.lossy |= bool(add or remove)
            name = self.names.get(group) if group is not None else None
            opening = "(?:" if group is None else f"(?P<{name}>" if name else "("
            return opening + self.text(list(body)) + ")"
        if op is _c.BRANCH:
            return "|".join(self.text(list(b)) for b in av[1])
        if op in _REPEATS or op is _c.POSSESSIVE_REPEAT:
            low, high, body = av
            limits = {(0, _UNBOUNDED): "*", (1, _UNBOUNDED): "+", (0, 1): "?"}.get((low, high))
            if limits is None:
                limits = f"{{{low},}}" if high == _UNBOUNDED else f"{{{low},{high}}}"
            lazy = "?" if op is _c.MIN_REPEAT else "+" if op is _c.POSSESSIVE_REPEAT else ""
            inner = self.text(list(body))
            if not (
                len(body) == 1
                and body[0][0] in (_c.LITERAL, _c.IN, _c.ANY, _c.SUBPATTERN, _c.ATOMIC_GROUP)
            ):
                inner = "(?:" + inner + ")"
            return inner + limits + lazy
        if op is _c.ATOMIC_GROUP:
            return "(?>" + self.text(list(av)) + ")"
        self.lossy = True  # lookarounds, back references
        return "(?:...)"


_SPECIAL = frozenset(".^$*+?{}[]\\|()")
_CLASS_SPECIAL = frozenset("]\\^-[")


def _literal(char: str, special: frozenset[str]) -> str:
    if char in special:
        return "\\" + char
    return char if char.isprintable() and char.isascii() else re.escape(char)


def _class(av: Any) -> str:
    parts = []
    for kind, value in av:
        if kind is _c.NEGATE:
            parts.append("^")
        elif kind is _c.LITERAL:
            parts.append(_literal(chr(value), _CLASS_SPECIAL))
        elif kind is _c.RANGE:
            low, high = (_literal(chr(c), _CLASS_SPECIAL) for c in value)
            parts.append(f"{low}-{high}")
        else:
            parts.append(_CATEGORIES.get(str(value), "."))
    if len(parts) == 1 and len(parts[0]) == 2 and parts[0][0] == "\\":
        return parts[0]  # \d, \w, \s alone
    return "[" + "".join(parts) + "]"


def backtracking_problem(item: object, regex: re.Pattern[str]) -> ConfigProblem | None:
    """E004 for a regex that can backtrack exponentially (the offending part, the
    atomic rewrite), else None."""
    found = catastrophic(regex)
    if found is None:
        return None
    whole = "" if found.pattern is None else f", i.e. {_raw(found.pattern)}"
    return ConfigProblem(
        "E004",
        "allow_origin_regex",
        item,
        f"{found.part} can match one text in exponentially many ways (a nested "
        "quantifier, or alternatives that match the same text, under a repetition): one "
        "crafted 40-byte Origin then keeps the server busy for seconds",
        f"make the repetition atomic, {found.rewrite}{whole} (Python 3.11+; "
        "check it still matches your front ends), or rewrite it so that each repetition "
        r"starts with a character the previous one cannot match, e.g. "
        r"r'[a-z0-9]+(-[a-z0-9]+)*' for r'([a-z0-9]+-?)*[a-z0-9]+'",
    )


def _raw(text: str) -> str:
    return f"r'{text}'" if "'" not in text and not text.endswith("\\") else repr(text)
