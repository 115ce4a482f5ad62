"""PathPolicies: a different CORSPolicy per URL path."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from ._errors import ConfigProblem, CORSConfigError
from ._policy import CORSPolicy

PathPattern = str | re.Pattern[str]


class PathPolicies:
    """An ordered list of (path pattern, policy); the first match wins.

    A pattern ending in ``*`` matches by prefix (``/api/*`` matches ``/api/`` and
    everything below it, not ``/api``), a compiled ``re.Pattern`` by full match,
    anything else exactly. Matching is case-sensitive, on the path as the server
    decoded it, with no further unquoting (flask-cors' case-insensitive and
    ``+``-decoding matching let requests slip past per-route rules). A path with
    no match, or matched by a ``None`` policy (a carve-out such as
    ``("/api/internal/*", None)``), gets no CORS processing at all.

    - ``rules`` (iterable of ``(pattern, policy)`` pairs): ``pattern`` a ``str`` or a
      compiled ``re.Pattern``, ``policy`` a :class:`CORSPolicy` or None; first match
      wins. Raises :class:`CORSConfigError` (code E012) for rules that are not such
      pairs or a pattern that cannot match.
    """

    __slots__ = ("_rules",)

    def __init__(self, rules: Iterable[tuple[PathPattern, CORSPolicy | None]]) -> None:
        if isinstance(rules, str | bytes) or not isinstance(rules, Iterable):
            raise CORSConfigError([_problem(rules, "the rules must be a list of pairs")])
        problems: list[ConfigProblem] = []
        compiled: list[tuple[Callable[[str], object], CORSPolicy | None]] = []
        for rule in rules:
            if not (isinstance(rule, tuple) and len(rule) == 2):
                problems.append(_problem(rule, "each rule must be a (pattern, policy) pair"))
                continue
            pattern, policy = rule
            if policy is not None and not isinstance(policy, CORSPolicy):
                problems.append(_problem(rule, "the policy must be a CORSPolicy or None"))
                continue
            matcher = _matcher(pattern)
            if isinstance(matcher, str):
                problems.append(_problem(rule, matcher))
            else:
                compiled.append((matcher, policy))
        if problems:
            raise CORSConfigError(problems)
        self._rules = tuple(compiled)

    def for_path(self, path: str) -> CORSPolicy | None:
        """The policy of the first rule matching ``path``, or None. Raises nothing.

        - ``path`` (``str``): the request path as the server decoded it (WSGI
          ``PATH_INFO``, ASGI ``path`` less ``root_path``).
        """
        for matches, policy in self._rules:
            if matches(path):
                return policy
        return None

    @property
    def policies(self) -> tuple[CORSPolicy, ...]:
        """Every distinct policy, in rule order."""
        seen: dict[int, CORSPolicy] = {}
        for _, policy in self._rules:
            if policy is not None:
                seen.setdefault(id(policy), policy)
        return tuple(seen.values())

    def __repr__(self) -> str:
        return f"PathPolicies(<{len(self._rules)} rules>)"


def _matcher(pattern: object) -> Callable[[str], object] | str:
    """The match function for one pattern, or what is wrong with the pattern."""
    if isinstance(pattern, re.Pattern) and isinstance(pattern.pattern, str):
        return pattern.fullmatch
    if not isinstance(pattern, str):
        return "the pattern must be a str or a compiled str regex"
    if pattern != "*" and not pattern.startswith("/"):
        # The server's path always starts with "/": this rule would never match.
        return f"a path pattern starts with '/': use {'/' + pattern!r}"
    if "*" in pattern[:-1]:
        return "'*' is only allowed at the end (prefix match); use a compiled regex otherwise"
    if pattern.endswith("*"):
        prefix = pattern[:-1]
        return lambda path: path.startswith(prefix)
    return pattern.__eq__


def _problem(rule: object, message: str) -> ConfigProblem:
    return ConfigProblem(
        "E012", "rules", rule, message, 'use e.g. PathPolicies([("/api/*", CORSPolicy(...))])'
    )
