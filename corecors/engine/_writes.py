"""Write protection (``protect_writes``, DESIGN.md §7.1): cross-origin writes refused.

CORS decides which pages may *read* a response; it never stops a browser from
*sending* a form ``POST``, a ``no-cors`` ``fetch`` or a ``sendBeacon`` with the
user's cookies. With ``protect_writes=True`` a request whose method is not GET,
HEAD or OPTIONS passes only if

1. its ``Origin`` is allowed by an explicit rule of a policy that allows
   credentials (a listed origin, a pattern, a regex, ``allow_origin_func``; never
   ``"*"`` or ``"null"``); or
2. ``Sec-Fetch-Site`` (Fetch Metadata) is ``same-origin`` or ``none``; or
3. there is no ``Sec-Fetch-Site`` (browsers send it only to https and
   localhost URLs) and either no ``Origin`` (not a browser) or an ``Origin``
   whose host and port equal the request's ``Host`` as the server received it.

This is the algorithm of Go 1.25's ``net/http.CrossOriginProtection`` with the
trusted origins taken from the CORS policy. The core decides; each adapter
answers a refusal with 403 and :data:`WRITE_REFUSAL_BODY` before the
application runs, and logs the refusal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from ._decision import ACTUAL_VARY, Decision, Refusal
from ._errors import ConfigProblem
from ._origins import DEFAULT_PORTS, MAX_ORIGIN_LENGTH
from ._stack import warn_config
from ._tokens import short_repr

if TYPE_CHECKING:
    from ._policy import CORSPolicy

__all__ = [
    "SAFE_METHODS",
    "WRITE_REFUSAL_BODY",
    "UnprotectedWritesWarning",
    "WriteGuard",
    "notice_unprotected",
    "refused_write",
    "same_host",
    "unprotected",
]

#: Methods that must not change state: never refused.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: The body of a refused write (plain text); the log line says why.
WRITE_REFUSAL_BODY = (
    b"Cross-origin write refused (protect_writes): it came from a page this server does "
    b"not trust with credentials (the server log, logger 'corecors', says why)"
)
_PASSING_SITES = ("same-origin", "none")
_MAX_HOST_LENGTH = 1024  # a Host header longer than this never equals an origin's


def same_host(origin: str, host: str | None) -> bool:
    """Whether the serialised ``origin``'s host and port equal ``host`` (a ``Host`` header).

    - ``origin`` (``str``): a request's ``Origin``.
    - ``host`` (``str | None``): its ``Host``; None never matches.

    ``Host`` is case-insensitive and may write out the default port; an origin
    never does (Fetch: the serialisation of an origin). Raises nothing.
    """
    if host is None or len(host) > _MAX_HOST_LENGTH:
        return False
    scheme, sep, netloc = origin.partition("://")
    if not sep:
        return False
    host = host.lower()
    if host == netloc:
        return True
    port = DEFAULT_PORTS.get(scheme)
    return port is not None and host == f"{netloc}:{port}"


class WriteGuard:
    """The write check of one policy: ``refusal(method, origin, fetch_site, host)``;
    a policy with ``protect_writes=True`` keeps one as ``CORSPolicy.writes``.

    - ``actual`` (``Callable[[str], Decision] | None``): a credentialed policy's
      :meth:`~corecors.CORSPolicy.actual`, whose grant of the origin itself (never
      ``*``; ``"null"`` aside) trusts it; None for a policy without credentials.
    - ``name`` (``Callable[[str], str] | None``): an option's name in the user's
      vocabulary (None: the keywords).
    """

    __slots__ = ("_actual", "_fix", "credentials")

    def __init__(
        self, actual: Callable[[str], Decision] | None, name: Callable[[str], str] | None
    ) -> None:
        self._actual = actual
        #: Whether the policy allows credentials (only then may an origin be trusted).
        self.credentials = actual is not None
        shown = name or (lambda option: option)
        self._fix = (
            f"if that page is your own front end, add its origin to {shown('allow_origins')} "
            f"with {shown('allow_credentials')}=True; otherwise nothing is wrong: a page "
            "you do not trust tried to change state with your user's cookies (to let one "
            "view or path through, give it its own policy with protect_writes=False: the "
            "cross_origin decorator, or a PathPolicies rule)"
        )

    def refusal(
        self, method: str, origin: str | None, fetch_site: str | None, host: str | None
    ) -> Refusal | None:
        """None when the request may reach the application, else why it is refused.

        - ``method`` (``str``): the request method as received.
        - ``origin`` (``str | None``): its ``Origin``, None when absent.
        - ``fetch_site`` (``str | None``): its ``Sec-Fetch-Site``, None when absent.
        - ``host`` (``str | None``): its ``Host`` as the server received it (Django:
          ``request.get_host()``), None when absent or not allowed; only read when
          there is an ``Origin`` and no ``Sec-Fetch-Site``.

        Raises nothing, whatever the values.
        """
        if method in SAFE_METHODS:
            return None
        if origin is not None and self._trusts(origin):
            return None
        if fetch_site is not None:
            if fetch_site in _PASSING_SITES:
                return None
            why = f"Sec-Fetch-Site: {short_repr(fetch_site)}"
        elif origin is None or same_host(origin, host):
            return None
        else:
            why = f"its Origin is not the request's Host {short_repr(host or '')}"
        source = f"from origin {short_repr(origin)}" if origin is not None else "without Origin"
        text = (
            f"cross-origin {short_repr(method)} {source} refused by write protection "
            f"({why}); {self._fix}"
        )
        return Refusal("write", text, text.replace("{", "{{").replace("}", "}}"))

    def _trusts(self, origin: str) -> bool:
        """Whether an explicit rule of a credentialed policy allows ``origin``."""
        if self._actual is None or origin == "null" or len(origin) > MAX_ORIGIN_LENGTH:
            return False
        grant = self._actual(origin).headers
        return bool(grant) and grant[0][1] != "*"


def refused_write(decision: Decision, refusal: Refusal) -> Decision:
    """The 403 answer to a refused write. Raises nothing.

    - ``decision`` (:class:`corecors.Decision`): the request's CORS decision; its
      grant, if any, lets the page read the 403.
    - ``refusal`` (:class:`corecors.Refusal`): why, from :meth:`WriteGuard.refusal`.

    Returns ``decision`` with ``status`` 403, the plain-text :data:`WRITE_REFUSAL_BODY`
    and ``refusal``; adapters send it as they send a refused preflight
    (``corecors.response.preflight_parts``) and never call the application."""
    return decision._replace(
        allowed=False,
        status=403,
        vary=decision.vary or ACTUAL_VARY,
        reason=refusal.text,
        body=WRITE_REFUSAL_BODY,
        refusal=refusal,
    )


class UnprotectedWritesWarning(UserWarning):
    """The start-up notice W005: a policy allows credentials and does not protect writes.

    Not a :class:`corecors.CORSConfigWarning`: ``protect_writes`` is off by default in
    0.3, so a project that turns configuration warnings into errors keeps starting.
    Emitted once by each middleware at construction (Django: the system check
    ``corecors.W005`` instead). Silence it with ``warnings.filterwarnings("ignore",
    category=UnprotectedWritesWarning)``.

    - ``problem`` (:class:`corecors.ConfigProblem`): the notice, worded in the
      policy's vocabulary; kept as ``problem``.
    """

    __module__ = "corecors"  # filters and tracebacks name it as users import it

    def __init__(self, problem: ConfigProblem) -> None:
        self.problem = problem
        super().__init__(str(problem))


def unprotected(policies: Iterable[CORSPolicy]) -> ConfigProblem | None:
    """W005 for the first policy that allows credentials without ``protect_writes``,
    worded in its vocabulary; None when there is none. Raises nothing.

    - ``policies`` (``Iterable[CORSPolicy]``): the policies of one middleware.
    """
    for policy in policies:
        if policy.allow_credentials and policy.writes is None:
            problem = ConfigProblem.templated(
                "W005",
                "protect_writes",
                False,
                "with {allow_credentials}=True a page on any other site can still send your "
                "users' cookies with a form POST, a no-cors fetch or sendBeacon, and your "
                "views run: CORS only hides the answer from it",
                "set {protect_writes}=True to refuse such writes with 403 before they run "
                "(or protect each view with CSRF tokens)",
            )
            name = policy._name  # the adapter's vocabulary (Flask: app.config keys)
            return problem if name is None else problem.render(name)
    return None


def notice_unprotected(policies: Iterable[CORSPolicy]) -> None:
    """Warn :class:`UnprotectedWritesWarning` when :func:`unprotected` finds a policy;
    arguments as :func:`unprotected`."""
    problem = unprotected(policies)
    if problem is not None:
        warn_config(UnprotectedWritesWarning(problem))  # at the user's line
