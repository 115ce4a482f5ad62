"""Configuration errors and warnings.

Every problem names the option, the offending value and the fix, and carries a
stable code (``E001``...; ``W001``...) that the Django system checks reuse as
``corecors.E001``. Codes are never renumbered.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

#: Stable codes: what each one means. The Django checks and the README cite them.
CODES: dict[str, str] = {
    "E001": "an origin is malformed (scheme, host or port), is file://, a regex, or several",
    "E002": "an origin has a path, query, fragment or trailing slash",
    "E003": "a wildcard is misused in an origin pattern, or a pattern or regex allows every "
    "site under a public suffix (*.co.uk)",
    "E004": "allow_origin_regex does not compile, ends with a slash and never matches, "
    "or can backtrack catastrophically",
    "E005": "allow_origin_func is not callable, or is async def on a synchronous stack",
    "E006": "a method is not a valid HTTP token",
    "E007": "a forbidden method (CONNECT, TRACE, TRACK) is allowed",
    "E008": "a header name is not a valid HTTP token, or is a regex",
    "E009": 'expose_headers=["*"] together with allow_credentials=True',
    "E010": "max_age is not an integer from 0 to 86400, or None",
    "E011": "an option has the wrong type",
    "E012": "a path pattern or path policy is invalid",
    "W001": 'allow_origins=["*"] together with allow_credentials=True',
    "W002": '"null" is allowed together with credentials',
    "W003": "a plain-http origin other than localhost is allowed with credentials",
    "W004": "max_age is above 7200, which Chromium caps",
    "W005": "credentials are allowed and protect_writes is off: other sites can still write",
    "W006": "a pattern or regex allows every site under a private public suffix "
    "(*.github.io, *.vercel.app) with credentials",
}


class ConfigProblem(NamedTuple):
    """One problem of a configuration: where, what, and how to fix it.

    - ``code`` (``str``): the stable code, e.g. ``E001`` (see the codes page).
    - ``option`` (``str``): the option at fault, by its ``CORSPolicy`` keyword
      (e.g. ``allow_origins``).
    - ``value`` (``object``): the offending value, as given.
    - ``message`` (``str``): what is wrong with it, options named by their keyword.
    - ``fix`` (``str``): what to write instead, options named by their keyword.
    - ``template`` (``tuple[str, str] | None``, default None): when the text names
      options, ``message`` and ``fix`` with each option name as a format field
      (``{max_age}``), so that :meth:`render` words the problem in an adapter's
      vocabulary without rewriting English text. Build it with :meth:`templated`.
    """

    code: str
    option: str
    value: object
    message: str
    fix: str
    template: tuple[str, str] | None = None

    @classmethod
    def templated(
        cls, code: str, option: str, value: object, message: str, fix: str
    ) -> ConfigProblem:
        """A problem whose ``message``/``fix`` are templates naming options as ``{option}``
        fields (literal braces doubled); the text is rendered with the keywords.

        - ``code``, ``option``, ``value``: as the fields of the same names.
        - ``message``, ``fix`` (``str``): the templates.

        Raises ``ValueError`` for a malformed template (an unpaired brace).
        """
        names = _Names(_keyword)
        return cls(
            code, option, value, message.format_map(names), fix.format_map(names), (message, fix)
        )

    def render(
        self, name: Callable[[str], str], option: Callable[[str], str] | None = None
    ) -> ConfigProblem:
        """This problem in another vocabulary. Raises nothing.

        - ``name`` (``Callable[[str], str]``): maps a CORSPolicy keyword to the user's
          spelling (Django: ``CORS_ALLOWED_ORIGINS``) in the text.
        - ``option`` (``Callable[[str], str] | None``, default None): the same for the
          ``option`` field; None uses ``name``.
        """
        shown = (option or name)(self.option)
        if self.template is None:
            return self._replace(option=shown)
        names = _Names(name)
        message, fix = self.template
        return self._replace(
            option=shown, message=message.format_map(names), fix=fix.format_map(names)
        )

    def __str__(self) -> str:
        return f"{self.option}={self.value!r}: {self.message}. Fix: {self.fix} [{self.code}]"


def _keyword(option: str) -> str:
    return option


class _Names(dict[str, str]):
    """A format mapping that names any option through ``name``."""

    def __init__(self, name: Callable[[str], str]) -> None:
        super().__init__()
        self._name = name

    def __missing__(self, key: str) -> str:
        return self._name(key)


class CORSConfigError(ValueError):
    """A CORS configuration that cannot work; lists every problem at once.

    - ``problems`` (a list or tuple of :class:`ConfigProblem`): every problem found,
      in the order the options were checked; kept as the tuple ``problems``.
    """

    __module__ = "corecors"  # tracebacks and warnings name it as users import it

    def __init__(self, problems: list[ConfigProblem] | tuple[ConfigProblem, ...]) -> None:
        self.problems: tuple[ConfigProblem, ...] = tuple(problems)
        count = len(self.problems)
        header = f"invalid CORS configuration ({count} problem{'s' if count != 1 else ''}):"
        super().__init__("\n".join([header, *(f"  - {p}" for p in self.problems)]))


class CORSConfigWarning(UserWarning):
    """A configuration that works but is risky; the message says what to change.

    - ``problem`` (:class:`ConfigProblem`): the risky setting (its code, option,
      value, message and fix); kept as ``problem``.
    """

    __module__ = "corecors"  # tracebacks and warnings name it as users import it

    def __init__(self, problem: ConfigProblem) -> None:
        self.problem = problem
        super().__init__(str(problem))
