"""CORSPolicy: a validated, precomputed, immutable CORS configuration."""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Callable, Iterable
from typing import Any, NoReturn

from .decision import Decision, Headers, encode_headers
from .errors import ConfigProblem, CORSConfigError, CORSConfigWarning
from .origins import (
    DEFAULT_PORTS,
    MAX_ORIGIN_LENGTH,
    SERIALISED_ORIGIN,
    OriginPatterns,
    OriginSpec,
    parse_origin,
)
from .tokens import (
    MAX_REQUEST_HEADERS_LENGTH,
    SAFELISTED_REQUEST_HEADERS,
    TOKEN,
    is_forbidden_method,
    normalise_method,
    parse_request_headers,
    short_repr,
)

logger = logging.getLogger("corecors")

MAX_METHOD_LENGTH = 64
MAX_AGE_LIMIT = 86400  # Firefox's cap; Chromium caps at 7200
CHROMIUM_MAX_AGE = 7200

ACTUAL_VARY = ("Origin",)
PREFLIGHT_VARY = ("Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers")
PNA_VARY = (*PREFLIGHT_VARY, "Access-Control-Request-Private-Network")

#: Response headers a granted actual request sets; an adapter removes the
#: application's own copies of these so that exactly one of each is sent.
ACTUAL_RESPONSE_HEADERS = frozenset(
    {
        "access-control-allow-origin",
        "access-control-allow-credentials",
        "access-control-expose-headers",
    }
)

_ALLOW_ORIGIN = "Access-Control-Allow-Origin"
_RAW_ALLOW_ORIGIN = b"access-control-allow-origin"
_ALLOW_CREDENTIALS = ("Access-Control-Allow-Credentials", "true")
# The body of a refused preflight, by what failed: says what, never echoes the request.
_REFUSAL_BODIES = {
    what: f"CORS preflight refused: {what} not allowed (the server log, logger 'corecors', "
    "says why)".encode("ascii")
    for what in ("origin", "method", "headers", "private-network")
}
_NO_ORIGIN = Decision("none", False, None, (), ACTUAL_VARY, "no Origin header", b"", (), b"Origin")
_NO_VARY: tuple[str, ...] = ()


class CORSPolicy:
    """One CORS configuration. Validated and precomputed at construction.

    ``decide()`` then costs a few dict/set lookups per request, whatever the
    number of configured origins. Raises :class:`CORSConfigError` listing
    every problem; emits :class:`CORSConfigWarning` for risky settings.
    """

    __slots__ = (
        "_actual",
        "_actual_tail",
        "_all_headers",
        "_all_methods",
        "_allow_all",
        "_credentials",
        "_exact",
        "_frozen",
        "_headers",
        "_headers_value",
        "_max_age_block",
        "_memo",
        "_methods",
        "_methods_value",
        "_none",
        "_options",
        "_patterns",
        "_preflight_vary",
        "_private_network",
        "_public",
        "_raw_actual_tail",
        "_raw_preflight_vary",
        "_star_actual",
        "config_warnings",
    )

    def __init__(
        self,
        allow_origins: Iterable[str] = (),
        allow_origin_regex: str | re.Pattern[str] | Iterable[str | re.Pattern[str]] | None = None,
        allow_origin_func: Callable[[str], bool] | None = None,
        allow_methods: Iterable[str] = ("GET",),
        allow_headers: Iterable[str] = (),
        allow_credentials: bool = False,
        expose_headers: Iterable[str] = (),
        max_age: int | None = 600,
        allow_private_network: bool = False,
    ) -> None:
        problems: list[ConfigProblem] = []
        notices: list[ConfigProblem] = []

        def bad(code: str, option: str, value: object, message: str, fix: str) -> None:
            problems.append(ConfigProblem(code, option, value, message, fix))

        credentials = _flag("allow_credentials", allow_credentials, problems)
        private_network = _flag("allow_private_network", allow_private_network, problems)

        # Origins: "*", "null", exact origins and patterns.
        allow_all = False
        exact: dict[str, None] = {}  # insertion-ordered set
        patterns: list[OriginSpec] = []
        shown: list[str] = []
        for value in _strings("allow_origins", allow_origins, problems):
            if value == "*":
                allow_all = True
                shown.append("*")
                continue
            if value.lower() == "null":
                exact["null"] = None
                shown.append("null")
                if credentials:
                    notices.append(_null_with_credentials(value))
                continue
            spec = parse_origin(value)
            if isinstance(spec, ConfigProblem):
                problems.append(spec)
                continue
            if spec.is_pattern:
                patterns.append(spec)
            else:
                exact[spec.serialise()] = None
            shown.append(spec.serialise())
            if credentials and spec.scheme in ("http", "ws") and not spec.is_local:
                notices.append(_plain_http_with_credentials(value, spec))
        if allow_all and credentials:
            notices.append(_star_with_credentials())

        regexes = _regexes(allow_origin_regex, problems)
        if allow_origin_func is not None and not callable(allow_origin_func):
            bad(
                "E005",
                "allow_origin_func",
                allow_origin_func,
                "is not callable",
                "pass a function that takes the origin (str) and returns True to allow it",
            )

        # Methods.
        all_methods = False
        methods: dict[str, None] = {}
        for value in _strings("allow_methods", allow_methods, problems):
            if value == "*":
                all_methods = True
            elif TOKEN.fullmatch(value) is None:
                bad(
                    "E006", "allow_methods", value, "is not an HTTP method token", _token_fix(value)
                )
            elif is_forbidden_method(value):
                bad(
                    "E007",
                    "allow_methods",
                    value,
                    "is a forbidden method that browsers never send cross-origin",
                    f"remove {value!r}",
                )
            else:
                methods[normalise_method(value)] = None

        # Request headers.
        all_headers = False
        headers: dict[str, None] = {}
        for value in _strings("allow_headers", allow_headers, problems):
            if value == "*":
                all_headers = True
            elif TOKEN.fullmatch(value) is None:
                bad("E008", "allow_headers", value, "is not a header name", _token_fix(value))
            else:
                headers[value.lower()] = None
        headers.update(dict.fromkeys(SAFELISTED_REQUEST_HEADERS))

        # Exposed response headers.
        exposed: dict[str, None] = {}
        for value in _strings("expose_headers", expose_headers, problems):
            if value == "*" and credentials:
                bad(
                    "E009",
                    "expose_headers",
                    value,
                    "'*' is taken literally by browsers when credentials are allowed",
                    "list the response headers to expose by name",
                )
            elif value != "*" and TOKEN.fullmatch(value) is None:
                bad("E008", "expose_headers", value, "is not a header name", _token_fix(value))
            else:
                exposed[value] = None

        if max_age is not None and (type(max_age) is not int or not 0 <= max_age <= MAX_AGE_LIMIT):
            bad(
                "E010",
                "max_age",
                max_age,
                f"must be an integer number of seconds from 0 to {MAX_AGE_LIMIT}",
                "use e.g. max_age=600, or None to omit Access-Control-Max-Age",
            )
        elif max_age is not None and max_age > CHROMIUM_MAX_AGE:
            notices.append(
                ConfigProblem(
                    "W004",
                    "max_age",
                    max_age,
                    f"Chromium caches preflights for at most {CHROMIUM_MAX_AGE} seconds",
                    f"use max_age={CHROMIUM_MAX_AGE} or less to get the same result everywhere",
                )
            )

        if problems:
            raise CORSConfigError(problems)
        for notice in notices:
            warnings.warn(CORSConfigWarning(notice), stacklevel=2)

        self.config_warnings: tuple[ConfigProblem, ...] = tuple(notices)
        self._options: dict[str, Any] = {
            "allow_origins": tuple(shown),
            "allow_origin_regex": regexes,
            "allow_origin_func": allow_origin_func,
            "allow_methods": (("*",) if all_methods else ()) + tuple(methods),
            "allow_headers": (("*",) if all_headers else ()) + tuple(headers),
            "allow_credentials": credentials,
            "expose_headers": tuple(exposed),
            "max_age": max_age,
            "allow_private_network": private_network,
        }
        self._precompute(
            allow_all, tuple(exact), patterns, regexes, allow_origin_func, all_methods, methods
        )
        self._all_headers = all_headers
        self._headers = frozenset(headers)
        self._headers_value = ", ".join(headers)
        self._max_age_block: Headers = (
            () if max_age is None else (("Access-Control-Max-Age", str(max_age)),)
        )
        self._private_network = private_network
        vary = PNA_VARY if private_network else PREFLIGHT_VARY
        self._preflight_vary = vary
        self._raw_preflight_vary = ", ".join(vary).encode("latin-1")
        self._frozen = True

    def _precompute(
        self,
        allow_all: bool,
        exact: tuple[str, ...],
        patterns: list[OriginSpec],
        regexes: tuple[re.Pattern[str], ...],
        func: Callable[[str], bool] | None,
        all_methods: bool,
        methods: dict[str, None],
    ) -> None:
        credentials = self._options["allow_credentials"]
        exposed = self._options["expose_headers"]
        self._credentials = credentials
        self._allow_all = allow_all
        # A public policy answers every origin alike (Fetch: "*" without credentials).
        self._public = public = allow_all and not credentials
        self._exact = frozenset(exact)
        self._patterns = OriginPatterns(patterns, regexes, func)
        self._all_methods = all_methods
        self._methods = frozenset(methods)
        self._methods_value = ", ".join(methods)

        expose: Headers = (
            (("Access-Control-Expose-Headers", ", ".join(exposed)),) if exposed else ()
        )
        # The headers that follow Allow-Origin on a granted actual request.
        self._actual_tail = ((_ALLOW_CREDENTIALS,) if credentials else ()) + expose
        self._raw_actual_tail = encode_headers(self._actual_tail)
        # Under a public policy every non-preflight response, with or without an
        # Origin, gets the same "*" and no Vary: Origin, so a shared cache keeps one
        # copy. ("*" with credentials still varies: listed origins may get more.)
        self._star_actual = _actual("*", expose, encode_headers(expose), vary=not public)
        self._none = self._star_actual._replace(kind="none") if public else _NO_ORIGIN
        # A granted actual request from a listed origin is one dict lookup.
        self._actual = {origin: self._reflect(origin) for origin in exact}
        # decide() is a pure function of its arguments unless allow_origin_func is
        # set (its answer may change: an allow list kept in a database), so the
        # decisions it computes are remembered, within bounds.
        self._memo: _Memo | None = None if func is not None else _Memo()

    def _reflect(self, origin: str) -> Decision:
        if self._allow_all and not self._credentials:
            return self._star_actual  # no credentials: the answer does not depend on the origin
        return _actual(origin, self._actual_tail, self._raw_actual_tail)

    def __setattr__(self, name: str, value: object) -> None:
        if getattr(self, "_frozen", False):
            raise AttributeError("CORSPolicy is immutable; build a new one instead")
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError("CORSPolicy is immutable; build a new one instead")

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self._options.items())
        return f"CORSPolicy({shown})"

    # The normalised configuration, read-only.
    @property
    def allow_origins(self) -> tuple[str, ...]:
        """Normalised origins and patterns, plus "*" and "null" when listed."""
        return self._options["allow_origins"]  # type: ignore[no-any-return]

    @property
    def allow_credentials(self) -> bool:
        return self._credentials  # type: ignore[no-any-return]

    @property
    def options(self) -> dict[str, Any]:
        """Every option, normalised, as keyword arguments for a new CORSPolicy."""
        options = dict(self._options)
        options["allow_headers"] = tuple(
            h for h in options["allow_headers"] if h not in SAFELISTED_REQUEST_HEADERS
        )
        return options

    def decide(
        self,
        method: str,
        origin: str | None,
        request_method: str | None = None,
        request_headers: str | None = None,
        request_private_network: bool = False,
    ) -> Decision:
        """The CORS decision for one request, from its method and CORS headers.

        ``request_headers`` is the Access-Control-Request-Headers value (several
        header lines joined with ","). Never raises, whatever the values.

        Under a public policy (``"*"`` without credentials) every request that is
        not a preflight, without ``Origin`` included, gets the same granted
        decision: ``Access-Control-Allow-Origin: *`` (and Expose-Headers) and an
        empty ``vary``, so that a shared cache keeps one copy (Fetch: ``*``
        serves any origin when credentials are not included).
        """
        if origin is None:
            return self._none
        if method == "OPTIONS" and request_method:  # Fetch §4.8: a CORS-preflight request
            return self._preflight(origin, request_method, request_headers, request_private_network)
        if self._public:  # the same answer for every origin, whatever its form
            return self._star_actual
        if len(origin) > MAX_ORIGIN_LENGTH:  # never hash a huge value
            return self._refuse("actual", f"origin {short_repr(origin)} is not allowed")
        decision = self._actual.get(origin)
        if decision is not None:
            return decision
        memo = self._memo
        if memo is not None:
            decision = memo.get(origin)
            if decision is not None:
                return decision
        allow_origin = self._allow_origin(origin)
        if allow_origin is None:
            decision = self._refuse("actual", f"origin {short_repr(origin)} is not allowed")
        elif allow_origin == "*":
            decision = self._star_actual
        else:
            decision = _actual(origin, self._actual_tail, self._raw_actual_tail)
        if memo is not None:
            memo.put(origin, decision)
        return decision

    def _allow_origin(self, origin: str) -> str | None:
        """The Access-Control-Allow-Origin value for ``origin``, or None if refused."""
        if self._public:  # "*" echoes nothing from the request: any origin, "null" included
            return "*"
        if len(origin) > MAX_ORIGIN_LENGTH:
            return None
        if origin in self._exact:
            return origin
        if not (self._allow_all or self._patterns):
            return None  # only exact origins are configured, and this is none of them
        parts = SERIALISED_ORIGIN.fullmatch(origin)
        if parts is None:  # several origins, spaces, upper case, "null"...: not one origin
            return None
        port = parts.group(3)
        if port is not None and (int(port) > 65535 or DEFAULT_PORTS.get(parts.group(1)) == port):
            return None  # a browser never writes out a default port
        if self._patterns and self._patterns.match(origin, parts):
            return origin
        # "*" with credentials: answer "*" without credentials, never the origin.
        return "*" if self._allow_all else None

    def _preflight(
        self, origin: str, request_method: str, request_headers: str | None, private_network: bool
    ) -> Decision:
        memo = self._memo
        bounded = (
            len(origin) <= MAX_ORIGIN_LENGTH
            and len(request_method) <= MAX_METHOD_LENGTH
            and (request_headers is None or len(request_headers) <= MAX_REQUEST_HEADERS_LENGTH)
        )
        if memo is None or not bounded:  # never hash a huge value
            return self._decide_preflight(origin, request_method, request_headers, private_network)
        key = (origin, request_method, request_headers, private_network)
        decision = memo.get(key)
        if decision is None:
            decision = self._decide_preflight(
                origin, request_method, request_headers, private_network
            )
            memo.put(key, decision)
        return decision

    def _decide_preflight(
        self, origin: str, request_method: str, request_headers: str | None, private_network: bool
    ) -> Decision:
        allow_origin = self._allow_origin(origin)
        if allow_origin is None:
            return self._refuse(
                "origin", f"origin {short_repr(origin)} is not allowed; add it to allow_origins"
            )
        # With credentials, "*" in the Allow-* headers is taken literally (Fetch).
        credentials = self._credentials and allow_origin != "*"

        allow_methods = self._allow_methods(request_method, credentials)
        if allow_methods is None:
            return self._refuse(
                "method",
                f"method {short_repr(request_method)} is not allowed; add it to allow_methods",
            )

        allow_headers = ""
        if request_headers:
            names = parse_request_headers(request_headers)
            if isinstance(names, str):
                return self._refuse("headers", names)
            if names and self._all_headers:
                # "*" never covers Authorization (Fetch): name it when asked for.
                if credentials:
                    allow_headers = ", ".join(names)
                else:
                    allow_headers = "*, authorization" if "authorization" in names else "*"
            elif names:
                for name in names:
                    if name not in self._headers:
                        return self._refuse(
                            "headers",
                            f"header {short_repr(name)} is not allowed; add it to allow_headers",
                        )
                allow_headers = self._headers_value

        if private_network and not self._private_network:
            return self._refuse(
                "private-network",
                "private network access was requested; set allow_private_network=True",
            )

        headers: list[tuple[str, str]] = [(_ALLOW_ORIGIN, allow_origin)]
        if credentials:
            headers.append(_ALLOW_CREDENTIALS)
        headers.append(("Access-Control-Allow-Methods", allow_methods))
        if allow_headers:
            headers.append(("Access-Control-Allow-Headers", allow_headers))
        headers.extend(self._max_age_block)
        if private_network:
            headers.append(("Access-Control-Allow-Private-Network", "true"))
        block = tuple(headers)
        return Decision(
            "preflight",
            True,
            200,
            block,
            self._preflight_vary,
            None,
            b"OK",
            encode_headers(block),
            self._raw_preflight_vary,
        )

    def _allow_methods(self, request_method: str, credentials: bool) -> str | None:
        """The Access-Control-Allow-Methods value for a preflight, or None if refused."""
        if len(request_method) > MAX_METHOD_LENGTH:
            return None  # never hash or scan a huge value
        if request_method in self._methods:  # case-sensitive: "patch" is not "PATCH"
            return self._methods_value
        if (
            self._all_methods
            and TOKEN.fullmatch(request_method) is not None
            and not is_forbidden_method(request_method)
        ):
            # With credentials "*" is taken literally (Fetch): name the validated method.
            return request_method if credentials else "*"
        return None

    def _refuse(self, what: str, reason: str) -> Decision:
        log_refusal("request" if what == "actual" else "preflight", reason)
        if what == "actual":
            return Decision("actual", False, None, (), ACTUAL_VARY, reason, b"", (), b"Origin")
        return Decision(
            "preflight",
            False,
            400,
            (),
            self._preflight_vary,
            reason,
            _REFUSAL_BODIES[what],
            (),
            self._raw_preflight_vary,
        )


def _actual(
    origin: str, tail: Headers, raw_tail: tuple[tuple[bytes, bytes], ...], vary: bool = True
) -> Decision:
    return Decision(
        "actual",
        True,
        None,
        ((_ALLOW_ORIGIN, origin), *tail),
        ACTUAL_VARY if vary else _NO_VARY,
        None,
        b"",
        ((_RAW_ALLOW_ORIGIN, origin.encode("latin-1")), *raw_tail),
        b"Origin" if vary else b"",
    )


def _strings(option: str, value: object, problems: list[ConfigProblem]) -> list[str]:
    """The items of a list-of-strings option; a bare string is the classic mistake."""
    if isinstance(value, str | bytes):
        problems.append(
            ConfigProblem(
                "E011",
                option,
                value,
                "must be a list of strings, not one string",
                f"write {option}=[{value!r}]",
            )
        )
        return []
    if not isinstance(value, Iterable):
        problems.append(
            ConfigProblem("E011", option, value, "must be a list of strings", f"write {option}=[]")
        )
        return []
    good = []
    for item in value:
        if isinstance(item, str):
            good.append(item)
        else:
            problems.append(
                ConfigProblem(
                    "E011", option, item, "every item must be a string", "write it in quotes"
                )
            )
    return good


def _flag(option: str, value: object, problems: list[ConfigProblem]) -> bool:
    if isinstance(value, bool):
        return value
    problems.append(ConfigProblem("E011", option, value, "must be True or False", "use a bool"))
    return False


def _regexes(value: object, problems: list[ConfigProblem]) -> tuple[re.Pattern[str], ...]:
    if value is None:
        return ()
    single = isinstance(value, str | bytes | re.Pattern)
    items = [value] if single else _strings_or_patterns(value)
    compiled = []
    for item in items:
        if isinstance(item, re.Pattern) and isinstance(item.pattern, str):
            compiled.append(item)
            continue
        if not isinstance(item, str):
            problems.append(
                ConfigProblem(
                    "E011",
                    "allow_origin_regex",
                    item,
                    "must be a str or a compiled str pattern",
                    r"use e.g. r'https://[a-z0-9-]+\.example\.com'",
                )
            )
            continue
        try:
            compiled.append(re.compile(item))
        except re.error as exc:
            problems.append(
                ConfigProblem(
                    "E004",
                    "allow_origin_regex",
                    item,
                    f"does not compile ({exc})",
                    r"fix the regex; it must match the whole origin, e.g. r'https://[a-z]+\.example\.com'",
                )
            )
    return tuple(compiled)


def _strings_or_patterns(value: object) -> list[object]:
    return list(value) if isinstance(value, Iterable) else [value]


def _token_fix(value: str) -> str:
    """How to write a method or header name that is not a token."""
    parts = [part for part in re.split(r"[\s,]+", value) if part]
    if len(parts) > 1 and all(TOKEN.fullmatch(part) for part in parts):
        return f"list each name as its own item: {parts!r}"  # "GET, POST" -> ["GET", "POST"]
    cleaned = "".join(TOKEN.findall(value))
    return f"use {cleaned!r}" if cleaned else "use a name made of letters, digits and '-'"


def _star_with_credentials() -> ConfigProblem:
    return ConfigProblem(
        "W001",
        "allow_origins",
        ["*"],
        "'*' cannot be combined with credentials: browsers reject it, and reflecting the "
        "request's origin instead would let any website read your users' data, so corecors "
        "answers 'Access-Control-Allow-Origin: *' without credentials",
        "list your front end's origins, e.g. allow_origins=['https://app.example.com'] "
        "(in development: ['http://localhost:*'])",
    )


def _null_with_credentials(value: str) -> ConfigProblem:
    return ConfigProblem(
        "W002",
        "allow_origins",
        value,
        "any page can send 'Origin: null' (sandboxed iframes, data: URLs), so this lets "
        "any website read your users' data",
        "remove 'null' unless you really serve a sandboxed or file: front end",
    )


def _plain_http_with_credentials(value: str, spec: OriginSpec) -> ConfigProblem:
    scheme = "https" if spec.scheme == "http" else "wss"
    # "http://host:443" becomes "https://host", not "https://host:443".
    port = "" if spec.port == DEFAULT_PORTS[scheme] else spec.port
    secure = spec._replace(scheme=scheme, port=port)
    return ConfigProblem(
        "W003",
        "allow_origins",
        value,
        "a plain-http origin can be impersonated on the network, and it is allowed with "
        "credentials",
        f"use {secure.serialise()!r}",
    )


def log_refusal(kind: str, reason: str) -> None:
    """Log one refusal ("request" or "preflight") at DEBUG: the one format every adapter uses."""
    logger.debug("CORS %s refused: %s", kind, reason)


class _Memo:
    """Decisions already computed, by their inputs; bounded, so hostile variety costs no memory.

    Keys are bounded in size by the callers (nothing over the header limits is
    hashed). A refusal found here is logged again: each refusal is logged.
    """

    __slots__ = ("_entries",)

    LIMIT = 1024

    def __init__(self) -> None:
        self._entries: dict[object, Decision] = {}

    def get(self, key: object) -> Decision | None:
        decision = self._entries.get(key)
        if decision is not None and decision.reason is not None:
            log_refusal("request" if decision.kind == "actual" else "preflight", decision.reason)
        return decision

    def put(self, key: object, decision: Decision) -> None:
        if len(self._entries) >= self.LIMIT:
            self._entries.clear()  # O(1) per request on average; the hot entries come back
        self._entries[key] = decision
