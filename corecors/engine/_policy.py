"""CORSPolicy: a validated, precomputed, immutable CORS configuration (docs/architecture.md):
``options`` validates, ``matching`` answers origins, this module precomputes the response
headers and decides (``actual()``, ``preflight()``; ``decide()`` is the convenience over both).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, NoReturn

from ._decision import (
    ACTUAL_VARY,
    MAX_METHOD_LENGTH,
    NO_ORIGIN,
    PNA_VARY,
    PREFLIGHT_VARY,
    REFUSAL_BODIES,
    Decision,
    Headers,
    Refusal,
)
from ._dynamic import DynamicOrigins, origin_lookup
from ._errors import CORSConfigError, CORSConfigWarning
from ._grants import PreflightGrants
from ._lookup import NEEDS_LOOKUP, OriginLookup
from ._matching import ASK, OriginMatcher
from ._memo import Memo
from ._options import RegexOption
from ._origins import MAX_ORIGIN_LENGTH
from ._refusals import NearMisses, refused_method, refused_origin, refused_pna
from ._schema import Options, validate
from ._stack import warn_config
from ._tokens import MAX_REQUEST_HEADERS_LENGTH
from ._writes import WriteGuard

_ALLOW_ORIGIN = "Access-Control-Allow-Origin"
_ALLOW_CREDENTIALS = ("Access-Control-Allow-Credentials", "true")


class CORSPolicy(DynamicOrigins, PreflightGrants):
    """One CORS configuration, validated and precomputed at construction (Fetch §3.2).

    Parameters (all keyword-usable; lists may be any iterable of ``str``; codes: the codes page):

    - ``allow_origins`` (``Iterable[str]``, default ``()``): exact origins (scheme://host[:port],
      no path), ``"null"``, ``"*"`` (any origin; answered ``*``, never reflected), patterns
      ``"https://*.example.com"`` (one or more subdomain labels) and ``"http://localhost:*"``
      (any port). Empty allows no origin; a single string is an error (E011).
    - ``allow_origin_regex`` (``str | re.Pattern | Iterable`` of them, default None): regexes
      that must match the serialised origin whole (``re.fullmatch``).
    - ``allow_origin_func`` (``Callable``, default None): asked last: ``func(origin)`` or
      ``func(origin, host)`` (the Host header, ``str | None``), ``def`` or ``async def`` (E005 on
      WSGI); only ``True`` allows; raising or a timeout refuses (logged). Cached (``lookup``).
    - ``allow_methods`` (``Iterable[str]``, default ``("GET",)``): method tokens a preflight may
      ask for, or ``"*"``; GET, HEAD, POST always pass (Fetch: browsers never check them);
      CONNECT, TRACE, TRACK are E007.
    - ``allow_headers`` (``Iterable[str]``, default ``()``): request header names, or ``"*"``
      (Authorization is named when asked: ``*`` never covers it); safelisted names always pass.
    - ``allow_credentials`` (``bool``, default False): send ``Access-Control-Allow-Credentials:
      true`` (the page may read responses to requests with cookies); with ``"*"``: W001.
    - ``expose_headers`` (``Iterable[str]``, default ``()``): response header names the page may
      read beyond the safelisted ones; ``"*"`` with credentials is E009.
    - ``max_age`` (``int | None``, seconds, 0 to 86400, default 600): preflight cache lifetime;
      None omits ``Access-Control-Max-Age``; Chromium caps it at 7200 (W004).
    - ``allow_private_network`` (``bool``, default False): answer Private Network Access
      preflights with ``Access-Control-Allow-Private-Network: true``.
    - ``origin_cache_ttl`` (``float`` s, default 60.0): how long an answer of the function
      (allowed or refused) is kept per (origin, host); 0 keeps none.
    - ``origin_lookup_timeout`` (``float | None`` s, default 5.0): past it a lookup refuses
      (fail closed); None waits for ever (``corecors.lookup``: a sync function then runs
      in the request's thread, else on a daemon thread).
    - ``protect_writes`` (``bool``, default False): refuse cross-origin writes (any method
      but GET, HEAD, OPTIONS) from pages this policy does not trust with credentials:
      adapters answer 403 before the application runs (docs/cookies-and-csrf.md).
    - ``vocabulary`` (``Callable[[str], str] | None``, keyword only, default None): an option's
      name in refusal reasons and log lines, from its keyword (Django: ``CORS_ALLOWED_ORIGINS``).

    Raises :class:`CORSConfigError` listing every problem (option, value, fix); emits
    :class:`CORSConfigWarning` for risky settings (also kept in ``config_warnings``).
    """

    __slots__ = (
        "_actual",
        "_actual_tail",
        "_any_header",
        "_any_method",
        "_credentials",
        "_frozen",
        "_headers",
        "_headers_value",
        "_max_age_block",
        "_methods",
        "_methods_value",
        "_name",
        "_near",
        "_none",
        "_options",
        "_preflight_vary",
        "_private_network",
        "_public",
        "config_warnings",
        "granted",
        "lookup",
        "matcher",
        "memo",
        "writes",
    )

    def __init__(
        self,
        allow_origins: Iterable[str] = (),
        allow_origin_regex: RegexOption = None,
        allow_origin_func: Callable[..., Any] | None = None,
        allow_methods: Iterable[str] = ("GET",),
        allow_headers: Iterable[str] = (),
        allow_credentials: bool = False,
        expose_headers: Iterable[str] = (),
        max_age: int | None = 600,
        allow_private_network: bool = False,
        origin_cache_ttl: float = 60.0,
        origin_lookup_timeout: float | None = 5.0,
        protect_writes: bool = False,
        *,
        vocabulary: Callable[[str], str] | None = None,
    ) -> None:
        # The parameters by name: the schema's options (tests/engine/test_schema.py).
        options, problems, notices = validate(locals())
        if problems:
            raise CORSConfigError(problems)
        for notice in notices:
            warn_config(CORSConfigWarning(notice))
        self.config_warnings = tuple(notices)
        self._name = vocabulary
        self._precompute(options)
        self._frozen = True

    def _precompute(self, options: Options) -> None:
        """Everything ``decide()`` needs, computed once from the validated options."""
        self._options = options
        credentials: bool = options["allow_credentials"]
        self._credentials = credentials
        origins = options["allow_origins"]  # OriginRules
        self.matcher = matcher = OriginMatcher(
            origins.any_origin,
            credentials,
            origins.exact,
            origins.patterns,
            options["allow_origin_regex"],
            options["allow_origin_func"],
        )
        methods, headers = options["allow_methods"], options["allow_headers"]  # Tokens
        self._any_method = methods.any
        self._methods = frozenset(methods.names)
        self._methods_value = ", ".join(methods.names)
        self._any_header = headers.any
        self._headers = frozenset(headers.names)
        self._headers_value = ", ".join(headers.names)
        age = options["max_age"]
        self._max_age_block: Headers = (
            () if age is None else (("Access-Control-Max-Age", str(age)),)
        )
        self._private_network = private_network = options["allow_private_network"]
        self._preflight_vary = PNA_VARY if private_network else PREFLIGHT_VARY
        exposed = options["expose_headers"]
        expose: Headers = (
            (("Access-Control-Expose-Headers", ", ".join(exposed)),) if exposed else ()
        )
        # The headers that follow Allow-Origin on a granted actual request.
        self._actual_tail = ((_ALLOW_CREDENTIALS,) if credentials else ()) + expose
        # A public policy ("*" without credentials) answers every request that is
        # not a preflight alike, without Origin included: one Decision, no Vary.
        public = origins.any_origin and not credentials
        self._public = self._granted("*") if public else None
        self._none = self._public._replace(kind="none") if self._public else NO_ORIGIN
        # A granted actual request from a listed origin is one dict lookup. Read-only,
        # like matcher (the compiled origins) and memo: public for introspection.
        self.granted: dict[str, Decision] = {}
        for origin in origins.exact:
            self.granted[origin] = self._granted(matcher.allow_origin(origin) or origin)
        self._near = NearMisses(origins.exact, origins.patterns)  # refusals only
        self.memo = Memo()  # decisions (the ASGI adapter keeps its encoded answers apart)
        self.lookup: OriginLookup | None = origin_lookup(options)
        # protect_writes: the check (._writes), None when off; read-only.
        guard = WriteGuard(self.actual if credentials else None, self._name)
        self.writes: WriteGuard | None = guard if options["protect_writes"] else None

    def _granted(self, allow_origin: str) -> Decision:
        # "*": never the credentials header; without credentials (a public policy)
        # the answer is the same for every origin, so it needs no Vary: Origin.
        star, tail = allow_origin == "*", self._actual_tail
        return Decision(
            kind="actual",
            allowed=True,
            status=None,
            headers=((_ALLOW_ORIGIN, allow_origin), *(tail[self._credentials :] if star else tail)),
            vary=() if star and not self._credentials else ACTUAL_VARY,
            reason=None,
        )

    def __setattr__(self, name: str, value: object) -> None:
        if getattr(self, "_frozen", False):
            raise AttributeError("CORSPolicy is immutable; build a new one instead")
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError("CORSPolicy is immutable; build a new one instead")

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self._options.shown().items())
        return f"CORSPolicy({shown})"

    @property
    def allow_origins(self) -> tuple[str, ...]:
        """Normalised origins and patterns, plus "*" and "null" when listed."""
        origins: tuple[str, ...] = self._options["allow_origins"].shown
        return origins

    @property
    def allow_credentials(self) -> bool:
        """Whether credentials are allowed (``allow_credentials``)."""
        return self._credentials

    @property
    def options(self) -> dict[str, Any]:
        """Every option, normalised, as keyword arguments for a new CORSPolicy."""
        return self._options.public()

    def decide(
        self,
        method: str,
        origin: str | None,
        request_method: str | None = None,
        request_headers: str | None = None,
        request_private_network: bool = False,
        *,
        host: str | None = None,
        looked_up: bool | None = None,
    ) -> Decision:
        """The CORS decision for one request: :meth:`preflight` for OPTIONS with an
        ``origin`` and a non-empty ``request_method`` (Fetch §4.8), else :meth:`actual`.

        ``method`` (``str``): as received. ``origin`` (``str | None``): the ``Origin``
        value, None when absent. ``request_method``, ``request_headers`` (``str | None``,
        default None): Access-Control-Request-Method and -Headers (several lines joined
        with ","). ``request_private_network`` (``bool``, default False): whether
        ``Access-Control-Request-Private-Network: true`` was sent. Never raises.
        Without an ``origin`` (not a CORS request) the decision only varies on Origin,
        except under a public policy, whose every non-preflight answer is its grant.
        ``host`` and ``looked_up`` (keyword only): see :meth:`actual`.
        """
        if origin is None:
            return self._none
        if method == "OPTIONS" and request_method:
            return self.preflight(
                origin, request_method, request_headers, request_private_network, host, looked_up
            )
        return self.actual(origin, host, looked_up)

    def actual(
        self, origin: str, host: str | None = None, looked_up: bool | None = None
    ) -> Decision:
        """The decision for a request that is not a preflight (Fetch §3.2.5, CORS check).
        ``origin`` (``str``): its ``Origin`` value. Never raises. A public policy (``"*"``,
        no credentials) grants any value with ``*`` and empty ``vary``: one cached copy.

        ``host`` (``str | None``): the request's Host, for an ``allow_origin_func`` that
        takes it. ``looked_up`` (``bool | None``): that function's answer if known; else
        cached, or a sync one's, or :data:`corecors.lookup.NEEDS_LOOKUP` (async: await
        ``policy.lookup.aresolve(origin, host)``, then pass its answer)."""
        if self._public is not None:
            return self._public
        if len(origin) > MAX_ORIGIN_LENGTH:  # never hash a huge value
            return self._refuse_actual(origin)
        decision: Decision | None = self.granted.get(origin)
        if decision is not None:
            return decision
        memo = self.memo
        decision = memo.get(origin)
        if decision is not None:
            if decision is NEEDS_LOOKUP:
                return self._actual_looked_up(origin, host, looked_up)
            return decision
        allow_origin = self.matcher.allow_origin(origin)
        if allow_origin is None:
            decision = self._refuse_actual(origin)
        else:  # ASK: only allow_origin_func may allow it
            decision = NEEDS_LOOKUP if allow_origin == ASK else self._granted(allow_origin)
        memo.put(origin, decision)
        if decision is NEEDS_LOOKUP:
            return self._actual_looked_up(origin, host, looked_up)
        return decision

    def preflight(
        self,
        origin: str,
        method: str,
        headers: str | None = None,
        private_network: bool = False,
        host: str | None = None,
        looked_up: bool | None = None,
    ) -> Decision:
        """The decision for a CORS-preflight request (Fetch §4.8); never raises.
        ``origin`` (``str``): its ``Origin``. ``method`` (``str``): its
        Access-Control-Request-Method. ``headers`` (``str | None``, default None): its
        -Headers, lines joined with ",". ``private_network`` (``bool``, default False):
        whether it asks for Private Network Access. ``host``, ``looked_up``: as
        :meth:`actual` (the result may be ``NEEDS_LOOKUP`` likewise)."""
        memo = self.memo
        bounded = (
            len(origin) <= MAX_ORIGIN_LENGTH
            and len(method) <= MAX_METHOD_LENGTH
            and (headers is None or len(headers) <= MAX_REQUEST_HEADERS_LENGTH)
        )
        request = (origin, method, headers, private_network)
        if not bounded:  # never hash a huge value
            decision = self._decide_preflight(*request)
        else:
            decision = memo.get(request)
            if decision is None:
                decision = self._decide_preflight(*request)
                memo.put(request, decision)
        if decision is NEEDS_LOOKUP:  # only allow_origin_func may allow the origin
            return self._preflight_looked_up(request, host, looked_up, bounded)
        return decision

    def _decide_preflight(
        self,
        origin: str,
        request_method: str,
        request_headers: str | None,
        private_network: bool,
        allowed: bool | None = None,
    ) -> Decision:
        allow_origin = self.matcher.allow_origin(origin)
        if allow_origin == ASK:  # only allow_origin_func may allow it
            if allowed is None:
                return NEEDS_LOOKUP
            allow_origin = self.matcher.after_lookup(origin, allowed)
        if allow_origin is None:
            return self._refuse(refused_origin(origin, self._near, self._name, allowed))
        # With credentials, "*" in the Allow-* headers is taken literally (Fetch).
        credentials = self._credentials and allow_origin != "*"
        allow_methods = self._allow_methods(request_method, credentials)
        if allow_methods is None:
            return self._refuse(refused_method(request_method, self._methods, self._name))
        allow_headers = self._allow_headers(request_headers, credentials)
        if isinstance(allow_headers, Refusal):
            return self._refuse(allow_headers)
        if private_network and not self._private_network:
            return self._refuse(refused_pna(self._name))
        headers: list[tuple[str, str]] = [(_ALLOW_ORIGIN, allow_origin)]
        if credentials:
            headers.append(_ALLOW_CREDENTIALS)
        headers.append(("Access-Control-Allow-Methods", allow_methods))
        if allow_headers:
            headers.append(("Access-Control-Allow-Headers", allow_headers))
        headers.extend(self._max_age_block)
        if private_network:
            headers.append(("Access-Control-Allow-Private-Network", "true"))
        return Decision(
            kind="preflight",
            allowed=True,
            status=200,
            headers=tuple(headers),
            vary=self._preflight_vary,
            reason=None,
            body=b"OK",
        )

    def _refuse_actual(self, origin: str) -> Decision:
        refusal = refused_origin(origin, self._near, self._name, option=None)
        return Decision(
            kind="actual",
            allowed=False,
            status=None,
            headers=(),
            vary=ACTUAL_VARY,
            reason=refusal.text,
            refusal=refusal,
        )

    def _refuse(self, refusal: Refusal) -> Decision:
        return Decision(
            kind="preflight",
            allowed=False,
            status=400,
            headers=(),
            vary=self._preflight_vary,
            reason=refusal.text,
            body=REFUSAL_BODIES[refusal.what],
            refusal=refusal,
        )
