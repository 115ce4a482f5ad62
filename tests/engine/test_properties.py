"""Property-based tests (hypothesis) of the invariants in docs/architecture.md.

Random configurations meet random requests, well-formed and malformed. An
independent model of "which origin does this configuration allow" (written with
urllib, not with corecors' own matchers) checks every grant.
"""

from __future__ import annotations

import ipaddress
import re
import warnings
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corecors import ConfigProblem, CORSConfigError, CORSConfigWarning, CORSPolicy, merge_vary
from corecors.engine._origins import SERIALISED_ORIGIN, OriginSpec, parse_origin
from corecors.engine._tokens import TOKEN, parse_request_headers

# A few seconds in all: the invariants are simple and the strategies are targeted.
FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
THOROUGH = settings(FAST, max_examples=200)

PREFLIGHT_VARY = ("Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers")
PNA_VARY = (*PREFLIGHT_VARY, "Access-Control-Request-Private-Network")

# --- Configurations ------------------------------------------------------------------------

CONFIG_ORIGINS = [
    "*",
    "null",
    "https://app.example.com",
    "http://localhost:3000",
    "https://*.example.com",
    "http://localhost:*",
    "http://*.localhost:*",
    "https://*.example.org:8443",
]
REGEXES = [r"https://[a-z]+\.example\.net", r".*", r"null", r"https://app\.example\.com"]


def _func_true(origin: str) -> bool:
    return True


def _func_org(origin: str) -> bool:
    return origin.endswith(".org")


def _func_raises(origin: str) -> bool:
    raise RuntimeError("boom")


FUNCS = [None, _func_true, _func_org, _func_raises]


@dataclass
class Config:
    options: dict[str, Any]
    policy: CORSPolicy


@st.composite
def configs(draw: st.DrawFn) -> Config:
    credentials = draw(st.booleans())
    options: dict[str, Any] = {
        "allow_origins": draw(st.lists(st.sampled_from(CONFIG_ORIGINS), max_size=4)),
        "allow_origin_regex": draw(
            st.none() | st.lists(st.sampled_from(REGEXES), min_size=1, max_size=2)
        ),
        "allow_origin_func": draw(st.sampled_from(FUNCS)),
        "allow_methods": draw(
            st.lists(st.sampled_from(["GET", "POST", "put", "PATCH", "patch", "X-Go", "*"]))
        ),
        "allow_headers": draw(
            st.lists(st.sampled_from(["X-Token", "authorization", "Content-Type", "*"]))
        ),
        "allow_credentials": credentials,
        "expose_headers": draw(
            st.lists(st.sampled_from(["X-Total"] if credentials else ["X-Total", "*"]))
        ),
        "max_age": draw(st.sampled_from([None, 0, 600, 7200])),
        "allow_private_network": draw(st.booleans()),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CORSConfigWarning)
        policy = CORSPolicy(**options)
    return Config(options, policy)


# --- Requests ------------------------------------------------------------------------------

WELL_FORMED = [
    "https://app.example.com",
    "https://a.example.com",
    "https://a.b.example.com",
    "https://example.com",
    "https://evilexample.com",
    "https://example.com.evil.io",
    "https://app.example.com.evil.io",
    "http://app.example.com",
    "https://x.example.org:8443",
    "https://x.example.org",
    "https://abc.example.net",
    "https://abc.example.net.evil.io",
    "http://localhost:3000",
    "http://localhost:5173",
    "http://localhost",
    "http://a.localhost:8000",
    "https://localhost:3000",
    "http://127.0.0.1:3000",
    "http://[::1]:3000",
    "https://evil.org",
    "https://app.example.com.",  # a fully qualified host: another origin, not malformed
    "https://a.example.com.",
]
MALFORMED = [
    "https://APP.example.com",
    "HTTPS://app.example.com",
    "https://app.example.com/",
    "https://app.example.com:443",
    "http://localhost:80",
    "http://localhost:03000",
    "https://app.example.com, https://evil.io",
    "https://app.example.com\r\n",
    "https://app.example.com\x00",
    " https://app.example.com",
    "https://a..example.com",
    "http://localhost:99999",
    "NULL",
    "",
    "*",
]
# Any character at all, control characters and lone surrogates included.
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=40)
HUGE_TEXT = st.builds(
    lambda unit, count: unit * count, st.text(min_size=1, max_size=6), st.integers(100, 3000)
)
ORIGINS = st.one_of(
    st.none(),
    st.sampled_from([*WELL_FORMED, *MALFORMED, "null"]),
    ANY_TEXT,
    HUGE_TEXT,
)
METHODS = st.one_of(st.sampled_from(["GET", "POST", "OPTIONS", "HEAD", "PUT", "options"]), ANY_TEXT)
REQUEST_METHODS = st.one_of(
    st.none(),
    st.sampled_from(["", "GET", "PUT", "put", "PATCH", "patch", "X-Go", "TRACE", "connect"]),
    ANY_TEXT,
    HUGE_TEXT,
)
REQUEST_HEADERS = st.one_of(
    st.none(),
    st.lists(
        st.sampled_from(["x-token", "Authorization", "content-type", "x-other", " x-a ", ""]),
        max_size=5,
    ).map(",".join),
    ANY_TEXT,
    HUGE_TEXT,
    st.integers(1, 200).map(lambda n: ",".join(["x-a"] * n)),
)


# --- The independent model -----------------------------------------------------------------


def _pattern_allows(pattern: str, origin: str) -> bool:
    want, got = urlsplit(pattern.replace("*.", "WILD.", 1).replace(":*", "")), urlsplit(origin)
    if want.scheme != got.scheme or got.hostname is None or want.hostname is None:
        return False
    port_ok = True if pattern.endswith(":*") else want.port == got.port
    if want.hostname.startswith("wild."):
        base = want.hostname[len("wild.") :]
        host_ok = got.hostname.endswith("." + base)
    else:
        host_ok = got.hostname == want.hostname
    return port_ok and host_ok


def expected_grant(config: Config, origin: str) -> bool:
    """Whether the configuration grants ``origin`` (a literal from the request pools)."""
    options = config.options
    listed = options["allow_origins"]
    if "*" in listed and not options["allow_credentials"]:
        return True  # a public policy answers every request alike, with "*"
    if origin == "null":
        return "null" in listed
    if origin not in WELL_FORMED:
        return False  # not one serialised origin: never granted
    if "*" in listed or origin in listed:
        return True
    if any(_pattern_allows(p, origin) for p in listed if "*" in p):
        return True
    if any(re.fullmatch(r, origin) for r in options["allow_origin_regex"] or ()):
        return True
    func = options["allow_origin_func"]
    return func is _func_true or (func is _func_org and _func_org(origin))


# --- Invariants ----------------------------------------------------------------------------


def _values(decision: Any, name: str) -> list[str]:
    return [v for k, v in decision.headers if k == name]


@THOROUGH
@given(
    config=configs(),
    method=METHODS,
    origin=ORIGINS,
    request_method=REQUEST_METHODS,
    request_headers=REQUEST_HEADERS,
    private_network=st.booleans(),
)
def test_decide_invariants(
    config: Config,
    method: str,
    origin: str | None,
    request_method: str | None,
    request_headers: str | None,
    private_network: bool,
) -> None:
    policy = config.policy
    # Never an exception, whatever the values.
    decision = policy.decide(method, origin, request_method, request_headers, private_network)

    # Kinds follow Fetch.
    if origin is None:
        assert decision.kind == "none"
    elif method == "OPTIONS" and request_method:
        assert decision.kind == "preflight"
    else:
        assert decision.kind == "actual"

    # A preflight always ends in the middleware (it has a status); nothing else has one.
    if decision.kind == "preflight":
        assert decision.status == (200 if decision.allowed else 400)
        assert decision.body.startswith(b"OK" if decision.allowed else b"CORS preflight refused")
        assert decision.vary == (
            PNA_VARY if policy.options["allow_private_network"] else PREFLIGHT_VARY
        )
    else:
        assert decision.status is None
        assert decision.body == b""
        # A public policy ("*" without credentials) answers every origin alike: no Vary.
        public = "*" in policy.allow_origins and not policy.allow_credentials
        assert decision.vary == (() if public else ("Origin",))
        if public:
            assert decision.headers[0] == ("Access-Control-Allow-Origin", "*")

    # A refusal grants nothing and says why; a grant has no reason.
    if not decision.allowed:
        assert decision.headers == ()
        assert decision.reason
    else:
        assert decision.reason is None
    # Headers are str pairs that ASGI can encode (latin-1), never bytes.
    for name, value in decision.headers:
        assert isinstance(name, str)
        value.encode("latin-1")

    # Allow-Origin is "*" or the exact request origin, and only for a granted origin.
    allow_origin = _values(decision, "Access-Control-Allow-Origin")
    credentials = _values(decision, "Access-Control-Allow-Credentials")
    assert len(allow_origin) <= 1
    if decision.allowed:
        assert allow_origin in (["*"], [origin])
        if origin is None:  # only a public policy grants a request without Origin, with "*"
            assert allow_origin == ["*"]
            assert expected_grant(config, "")
        elif origin in WELL_FORMED or origin in MALFORMED or origin == "null":
            assert expected_grant(config, origin), origin
    elif decision.kind != "none" and origin is not None and expected_grant(config, origin):
        # The origin was fine: a refusal must be about something else.
        assert decision.kind == "preflight"
        assert not decision.body.startswith(b"CORS preflight refused: origin")
    if allow_origin == ["*"]:
        assert credentials == []
    if credentials:
        assert credentials == ["true"]
        assert allow_origin == [origin]

    # Nothing unvalidated is echoed: every listed method and header name is a token.
    for name in ("Access-Control-Allow-Methods", "Access-Control-Allow-Headers"):
        for value in _values(decision, name):
            for item in value.split(", "):
                assert TOKEN.fullmatch(item), (name, value)
    for _, value in decision.headers:
        assert value.isascii()
        assert value.isprintable()


@FAST
@given(origin=st.sampled_from(WELL_FORMED + MALFORMED + ["null"]), config=configs())
def test_actual_and_preflight_agree_on_origins(origin: str, config: Config) -> None:
    got = config.policy.decide("GET", origin)
    pre = config.policy.decide("OPTIONS", origin, "GET")
    assert got.allowed == expected_grant(config, origin)
    if pre.allowed:
        assert got.allowed
        assert _values(pre, "Access-Control-Allow-Origin") == _values(
            got, "Access-Control-Allow-Origin"
        )
    elif got.allowed:  # refused for its method (GET may not be configured), not its origin
        assert pre.body.startswith(b"CORS preflight refused: method")


@FAST
@given(value=st.one_of(ANY_TEXT, HUGE_TEXT, REQUEST_HEADERS.filter(lambda v: v is not None)))
def test_request_headers_parse_is_bounded(value: str) -> None:
    parsed = parse_request_headers(value)
    if len(value) > 4096:
        assert isinstance(parsed, str)
    if isinstance(parsed, tuple):
        assert len(parsed) <= 64
        for name in parsed:
            assert TOKEN.fullmatch(name)
            assert name == name.lower()
    else:
        assert parsed.startswith("Access-Control-Request-Headers ")
        assert parsed.isprintable()


# --- Configuration -------------------------------------------------------------------------

SCHEMES = st.sampled_from(["http", "https", "HTTPS", "ws", "wss", "chrome-extension"])
LABELS = st.text(
    st.sampled_from("abcxyzABC019-_é") | st.characters(min_codepoint=0x80, max_codepoint=0x24F),
    min_size=1,
    max_size=8,
)
HOSTS = st.one_of(
    st.lists(LABELS, min_size=1, max_size=4).map(".".join),
    st.sampled_from(["localhost", "127.0.0.1", "[::1]", "[0:0::1]", "[2001:DB8::0:1]"]),
)
PORTS = st.one_of(
    st.just(""), st.integers(0, 70000).map(lambda p: f":{p}"), st.just(":0443"), st.just(":*")
)


@FAST
@given(scheme=SCHEMES, host=HOSTS, port=PORTS, wildcard=st.booleans())
def test_configured_origins_normalise_to_what_browsers_send(
    scheme: str, host: str, port: str, wildcard: bool
) -> None:
    value = f"{scheme}://{'*.' if wildcard else ''}{host}{port}"
    spec = parse_origin(value)
    if isinstance(spec, ConfigProblem):
        assert spec.fix
        return
    assert isinstance(spec, OriginSpec)
    # Normalisation is idempotent...
    assert parse_origin(spec.serialise()) == spec
    # ...and comes out in the serialised form a browser sends.
    if spec.host.startswith("["):
        assert spec.host == f"[{ipaddress.IPv6Address(spec.host[1:-1]).compressed}]"
    elif spec.host.replace(".", "").isdigit():
        assert spec.host == str(ipaddress.IPv4Address(spec.host))
    if not spec.is_pattern:
        assert SERIALISED_ORIGIN.fullmatch(spec.serialise()), spec.serialise()
        assert CORSPolicy(allow_origins=[value]).decide("GET", spec.serialise()).allowed


@FAST
@given(
    origins=st.lists(ANY_TEXT, max_size=3),
    methods=st.lists(ANY_TEXT, max_size=3),
    headers=st.lists(ANY_TEXT, max_size=3),
    max_age=st.one_of(st.none(), st.integers(-10, 100_000)),
    regex=st.one_of(st.none(), ANY_TEXT),
)
def test_any_configuration_builds_or_raises_a_config_error(
    origins: list[str],
    methods: list[str],
    headers: list[str],
    max_age: int | None,
    regex: str | None,
) -> None:
    problems: tuple[ConfigProblem, ...] = ()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CORSConfigWarning)
            CORSPolicy(
                allow_origins=origins,
                allow_methods=methods,
                allow_headers=headers,
                expose_headers=headers,
                max_age=max_age,
                allow_origin_regex=regex,
            )
    except CORSConfigError as error:  # the only exception a bad configuration may raise
        problems = error.problems
        assert problems
    for problem in problems:
        assert problem.option
        assert problem.message
        assert problem.fix


@FAST
@given(
    existing=st.lists(st.text("abcABC-, *", max_size=12), max_size=4),
    tokens=st.lists(st.sampled_from(["Origin", "Access-Control-Request-Method", "origin"])),
)
def test_merge_vary_never_drops_or_duplicates(existing: list[str], tokens: list[str]) -> None:
    merged = merge_vary(existing, tokens)
    items = [t.strip() for t in merged.split(",") if t.strip()]
    assert len({t.lower() for t in items}) == len(items)
    if merged != "*":
        wanted = {t.strip().lower() for v in (*existing, *tokens) for t in v.split(",")} - {""}
        assert {t.lower() for t in items} == wanted
