"""Origins: normalisation, exact origins, patterns, regexes, allow_origin_func, "null"."""

from __future__ import annotations

import logging
import re

import pytest

from corecors import CORSConfigWarning, CORSPolicy

from .support import actual, allows, header, only_problem, preflight

APP = "https://app.example.com"


# --- Normalisation of configured origins -------------------------------------------------


@pytest.mark.parametrize(
    ("configured", "normalised"),
    [
        ("HTTPS://App.Example.COM", "https://app.example.com"),
        ("https://app.example.com:443", "https://app.example.com"),
        ("http://app.example.com:80", "http://app.example.com"),
        ("wss://app.example.com:443", "wss://app.example.com"),
        ("ws://app.example.com:80", "ws://app.example.com"),
        ("https://app.example.com:0443", "https://app.example.com"),  # leading zeros
        ("http://localhost:08000", "http://localhost:8000"),
        ("http://app.example.com:443", "http://app.example.com:443"),  # not http's default
        ("https://app.example.com:80", "https://app.example.com:80"),
        ("https://bücher.example", "https://xn--bcher-kva.example"),  # IDN -> punycode
        ("https://BÜCHER.example", "https://xn--bcher-kva.example"),
        ("https://XN--BCHER-KVA.example", "https://xn--bcher-kva.example"),
        ("https://münchen.de:8443", "https://xn--mnchen-3ya.de:8443"),
        ("https://*.bücher.example", "https://*.xn--bcher-kva.example"),
        ("https://*.Example.COM:443", "https://*.example.com"),
        ("http://localhost:*", "http://localhost:*"),
        ("http://*.localhost:*", "http://*.localhost:*"),
        ("chrome-extension://abcdefghij", "chrome-extension://abcdefghij"),
        # IPv6 as browsers serialise it (WHATWG URL): lower-case hex, "::" for the
        # first longest run of zero pieces, never dotted IPv4 inside.
        ("http://[::1]:8000", "http://[::1]:8000"),
        ("http://[0:0:0:0:0:0:0:1]:8000", "http://[::1]:8000"),
        ("http://[::FFFF:127.0.0.1]", "http://[::ffff:7f00:1]"),
        ("http://[2001:DB8:0:0:1:0:0:1]", "http://[2001:db8::1:0:0:1]"),
        ("http://[2001:db8:0:1:0:1:0:1]", "http://[2001:db8:0:1:0:1:0:1]"),  # no run of 2
        ("http://[1:2:3:4:5:6:7:8]:80", "http://[1:2:3:4:5:6:7:8]"),
        ("http://[::]", "http://[::]"),
        ("http://[::1]:*", "http://[::1]:*"),
        ("http://127.0.0.1:5173", "http://127.0.0.1:5173"),
        ("NULL", "null"),
    ],
)
def test_configured_origins_are_normalised(configured: str, normalised: str) -> None:
    policy = CORSPolicy(allow_origins=[configured])
    assert policy.allow_origins == (normalised,)
    if "*" not in normalised:
        # The normalised form is what a browser sends, so it is the one allowed.
        assert allows(policy, normalised)


def test_duplicate_origins_are_kept_once() -> None:
    policy = CORSPolicy(allow_origins=[APP, APP.upper(), APP + ":443"])
    assert allows(policy, APP)
    assert policy.options["allow_origins"] == (APP, APP, APP)  # as listed, normalised


def test_the_request_origin_is_compared_byte_for_byte() -> None:
    # Configured in upper case, it is normalised; a request in upper case is not
    # a serialised origin (browsers never send one) and is refused.
    policy = CORSPolicy(allow_origins=["HTTPS://APP.EXAMPLE.COM"])
    assert allows(policy, APP)
    assert not allows(policy, "HTTPS://APP.EXAMPLE.COM")
    assert not allows(policy, "https://APP.example.com")


def test_an_allowed_origin_is_echoed_exactly() -> None:
    policy = CORSPolicy(allow_origins=["https://*.example.com"], allow_credentials=True)
    decision = actual(policy, "https://a.b.example.com")
    assert header(decision, "Access-Control-Allow-Origin") == "https://a.b.example.com"
    assert decision.headers[0] == ("Access-Control-Allow-Origin", "https://a.b.example.com")


# --- Look-alike origins, for each matching structure ---------------------------------------

LOOKALIKES = [
    "https://example.com.evil.io",
    "https://evilexample.com",
    "https://example.co",
    "https://example.comm",
    "https://EXAMPLE.COM",
    "HTTPS://example.com",
    "https://example.com/",
    "https://example.com:443",
    "http://example.com",
    "https://example.com, https://evil.io",
    "https://example.com,https://evil.io",
    "https://example.com https://evil.io",
    "https://example.com\r\nSet-Cookie: x=1",
    "https://example.com\x00",
    "https://example.com\t",
    " https://example.com",
    "https://example.com.",
    "https://user@example.com",
    "null",
    "",
    "*",
]
SUB_LOOKALIKES = [
    "https://a.example.com.evil.io",
    "https://a.evilexample.com",
    "https://a.example.co",
    "https://A.EXAMPLE.COM",
    "https://a.example.com/",
    "https://a.example.com:443",
    "http://a.example.com",
    "https://a.example.com, https://b.example.com",
    "https://a.example.com\r\n",
    "https://a.example.com\x7f",
    "https://.example.com",
    "https://a..example.com",
    "https://a.example.com.",
]


@pytest.mark.parametrize("origin", LOOKALIKES + SUB_LOOKALIKES)
def test_exact_origin_refuses_lookalikes(origin: str) -> None:
    policy = CORSPolicy(allow_origins=["https://example.com", "https://a.example.com"])
    assert allows(policy, "https://example.com")
    assert not allows(policy, origin)


@pytest.mark.parametrize("origin", [*LOOKALIKES, *SUB_LOOKALIKES, "https://example.com"])
def test_subdomain_pattern_refuses_lookalikes_and_the_base(origin: str) -> None:
    policy = CORSPolicy(allow_origins=["https://*.example.com"])
    assert allows(policy, "https://a.example.com")
    assert not allows(policy, origin)


@pytest.mark.parametrize("origin", LOOKALIKES + SUB_LOOKALIKES)
def test_regex_refuses_lookalikes(origin: str) -> None:
    policy = CORSPolicy(allow_origin_regex=r"https://([a-z0-9-]+\.)?example\.com")
    assert allows(policy, "https://example.com")
    assert allows(policy, "https://a.example.com")
    assert not allows(policy, origin)


def test_trie_lookalike_of_two_listed_origins_is_refused() -> None:
    # A Go CORS library's prefix matcher admitted barfoo.com with foo.com and bar.com listed.
    policy = CORSPolicy(allow_origins=["https://foo.com", "https://bar.com", "https://*.foo.com"])
    assert not allows(policy, "https://barfoo.com")
    assert not allows(policy, "https://foo.combar.com")
    assert allows(policy, "https://bar.foo.com")


def test_oversized_origin_is_refused_even_when_a_pattern_would_match() -> None:
    policy = CORSPolicy(allow_origins=["https://*.example.com"])
    long_origin = "https://" + "a" * 1100 + ".example.com"
    assert not allows(policy, long_origin)
    assert actual(policy, long_origin).reason is not None


@pytest.mark.parametrize(
    "origin", ["http://localhost:65536", "http://localhost:99999", "http://localhost:0"]
)
def test_impossible_ports_are_refused(origin: str) -> None:
    assert not allows(CORSPolicy(allow_origins=["http://localhost:*"]), origin)


# --- Patterns -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "origin", "expected"),
    [
        ("https://*.example.com", "https://a.example.com", True),
        ("https://*.example.com", "https://a.b.c.example.com", True),
        ("https://*.example.com", "https://example.com", False),
        ("https://*.example.com", "https://a.example.com:8443", False),
        ("https://*.example.com", "http://a.example.com", False),
        ("https://*.example.com:8443", "https://a.example.com:8443", True),
        ("https://*.example.com:8443", "https://a.example.com", False),
        ("https://*.example.com:*", "https://a.example.com:8443", True),
        ("https://*.example.com:*", "https://a.example.com", True),
        ("https://*.example.com:*", "https://example.com:8443", False),
        ("http://localhost:*", "http://localhost:5173", True),
        ("http://localhost:*", "http://localhost", True),
        ("http://localhost:*", "https://localhost:5173", False),
        ("http://localhost:*", "http://a.localhost:5173", False),
        ("http://localhost:*", "http://localhost.evil.io:5173", False),
        ("http://*.localhost:*", "http://app.localhost:3000", True),
        ("http://*.localhost:*", "http://a.b.localhost", True),
        ("http://*.localhost:*", "http://localhost:3000", False),
        ("http://*.localhost:*", "http://evillocalhost:3000", False),
        ("http://[::1]:*", "http://[::1]:3000", True),
        ("http://[::1]:*", "http://[::2]:3000", False),
        ("http://127.0.0.1:*", "http://127.0.0.1:8000", True),
        ("https://*.example.co.uk", "https://a.example.co.uk", True),
    ],
)
def test_patterns(pattern: str, origin: str, expected: bool) -> None:
    assert allows(CORSPolicy(allow_origins=[pattern]), origin) is expected


def test_exact_origins_and_patterns_combine() -> None:
    policy = CORSPolicy(allow_origins=[APP, "https://*.example.org", "http://localhost:*"])
    assert allows(policy, APP)
    assert allows(policy, "https://x.example.org")
    assert allows(policy, "http://localhost:1234")
    assert not allows(policy, "https://other.example.com")


# --- Regexes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "regex",
    [
        r"https://[a-z]+\.example\.net",
        re.compile(r"https://[a-z]+\.example\.net"),
        [r"https://nothing\.example", r"https://[a-z]+\.example\.net"],
        (re.compile(r"https://nothing\.example"), r"https://[a-z]+\.example\.net"),
    ],
    ids=["str", "compiled", "list", "tuple-mixed"],
)
def test_regex_forms_use_full_match(regex: object) -> None:
    policy = CORSPolicy(allow_origin_regex=regex)  # type: ignore[arg-type]
    assert allows(policy, "https://abc.example.net")
    assert not allows(policy, "https://abc.example.net.evil.com")  # re.match would allow it
    assert not allows(policy, "https://x.abc.example.net")
    assert not allows(policy, "https://1.example.net")


def test_regex_is_compiled_once() -> None:
    policy = CORSPolicy(allow_origin_regex=r"https://[a-z]+\.example\.net")
    assert all(isinstance(r, re.Pattern) for r in policy.options["allow_origin_regex"])


def test_several_regexes_keep_their_own_group_numbers() -> None:
    # Joined naively into one alternation, the second regex's \1 would point at
    # the first regex's group and never match.
    policy = CORSPolicy(
        allow_origin_regex=[r"https://(a)\1\.example\.com", r"https://(b)\1\.example\.com"]
    )
    assert allows(policy, "https://aa.example.com")
    assert allows(policy, "https://bb.example.com")
    assert not allows(policy, "https://ab.example.com")


def test_several_regexes_with_other_flags_or_names_still_work() -> None:
    verbose = re.compile(r"https://v\.example\.com  # a comment", re.VERBOSE)
    other = re.compile(r"https://w\.example\.com  # another", re.VERBOSE)
    policy = CORSPolicy(allow_origin_regex=[verbose, other])
    assert allows(policy, "https://v.example.com")
    assert allows(policy, "https://w.example.com")

    mixed = CORSPolicy(
        allow_origin_regex=[re.compile(r"https://m\.example\.com", re.ASCII), r"https://n\.x\.com"]
    )
    assert allows(mixed, "https://m.example.com")
    assert allows(mixed, "https://n.x.com")

    same_names = CORSPolicy(
        allow_origin_regex=[r"https://(?P<h>a)\.example\.com", r"https://(?P<h>b)\.example\.com"]
    )
    assert allows(same_names, "https://a.example.com")
    assert allows(same_names, "https://b.example.com")


def test_regex_sees_only_serialised_origins() -> None:
    policy = CORSPolicy(allow_origin_regex=r"(?i).*")
    assert allows(policy, "https://anything.example")
    for origin in [
        "null",
        "HTTPS://A.EXAMPLE",
        "https://a.example/",
        "a, b",
        "https://a.example:443",
    ]:
        assert not allows(policy, origin)


# --- allow_origin_func ---------------------------------------------------------------------


def test_func_is_consulted_after_the_static_rules() -> None:
    seen: list[str] = []

    def func(origin: str) -> bool:
        seen.append(origin)
        return origin.endswith(".trusted.io")

    policy = CORSPolicy(
        allow_origins=[APP, "https://*.example.org"],
        allow_origin_regex=r"https://r\.example\.net",
        allow_origin_func=func,
    )
    for origin in [APP, "https://a.example.org", "https://r.example.net"]:
        assert allows(policy, origin)
    assert seen == []  # static rules answered without the func
    assert allows(policy, "https://x.trusted.io")
    assert not allows(policy, "https://x.untrusted.io")
    # Asked once per origin: its answer is kept (origin_cache_ttl), refusals too.
    assert seen == ["https://x.trusted.io", "https://x.untrusted.io"]


def test_func_is_never_asked_about_malformed_origins_or_null() -> None:
    seen: list[str] = []

    def func(origin: str) -> bool:
        seen.append(origin)
        return True

    policy = CORSPolicy(allow_origin_func=func)
    for origin in ["null", "HTTPS://X.IO", "https://x.io/", "https://x.io, https://y.io", ""]:
        assert not allows(policy, origin)
    assert seen == []


@pytest.mark.parametrize("answer", [1, "yes", object(), None, False])
def test_func_must_return_true_exactly(answer: object) -> None:
    policy = CORSPolicy(allow_origin_func=lambda origin: answer)  # type: ignore[arg-type,return-value]
    assert not allows(policy, "https://x.io")


def test_raising_func_refuses_and_logs(caplog: pytest.LogCaptureFixture) -> None:
    def func(origin: str) -> bool:
        raise RuntimeError("database down")

    policy = CORSPolicy(allow_origin_func=func)
    with caplog.at_level(logging.DEBUG, logger="corecors"):
        got = actual(policy, "https://x.io")
        pre = preflight(policy, "https://x.io")
    assert not got.allowed
    assert got.headers == ()
    assert not pre.allowed
    assert pre.status == 400
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 2
    assert "allow_origin_func raised" in errors[0].getMessage()
    assert "'https://x.io'" in errors[0].getMessage()  # the request value, repr'd
    assert errors[0].exc_info is not None
    assert "database down" in str(errors[0].exc_info[1])


def test_func_is_not_needed_when_everything_is_allowed() -> None:
    calls: list[str] = []
    policy = CORSPolicy(allow_origins=["*"], allow_origin_func=lambda o: bool(calls.append(o)))
    assert header(actual(policy, "https://x.io"), "Access-Control-Allow-Origin") == "*"
    assert calls == []


# --- "null" -------------------------------------------------------------------------------


def test_null_is_allowed_only_when_listed() -> None:
    listed = CORSPolicy(allow_origins=["null"])
    assert allows(listed, "null")
    assert header(actual(listed, "null"), "Access-Control-Allow-Origin") == "null"
    assert not allows(listed, "NULL")  # browsers send it in lower case


@pytest.mark.parametrize(
    "options",
    [
        {"allow_origins": ["https://*.example.com", "http://localhost:*"]},
        {"allow_origin_regex": r".*"},
        {"allow_origin_regex": r"null"},
        {"allow_origin_regex": r"(?:https://a\.io|null)"},
        {"allow_origin_func": lambda origin: True},
    ],
    ids=["patterns", "regex-any", "regex-null", "regex-alternative", "func"],
)
def test_null_is_never_allowed_by_a_wildcard(options: dict[str, object]) -> None:
    assert not allows(CORSPolicy(**options), "null")  # type: ignore[arg-type]


def test_null_with_star_and_credentials_is_refused() -> None:
    with pytest.warns(CORSConfigWarning):
        policy = CORSPolicy(allow_origins=["*"], allow_credentials=True)
    assert not allows(policy, "null")


def test_null_listed_with_star_answers_star() -> None:
    policy = CORSPolicy(allow_origins=["*", "null"])
    assert header(actual(policy, "null"), "Access-Control-Allow-Origin") == "*"
    assert header(preflight(policy, "null"), "Access-Control-Allow-Origin") == "*"


# --- Errors specific to origins (the full list is in test_config.py) -----------------------


@pytest.mark.parametrize(
    ("value", "code", "fix"),
    [
        ("http://[:::]", "E001", "check the address"),
        ("http://[]", "E001", "check the address"),
        ("http://[fe80::1%25eth0]", "E001", "check the address"),
        ("http://[::1", "E001", "write [address]"),
        ("http://[::1]x", "E001", "write [address]:port"),
        ("https://a[b.example", "E001", "write an IPv6 address as [address]"),
        ("https://*.[::1]", "E003", "list the address itself"),
        ("http://127.000.0.1:8000", "E001", "use 'http://127.0.0.1:8000'"),
        ("http://2130706433", "E001", "four decimal numbers"),
        ("http://0x7f.0.0.1", "E001", "four decimal numbers"),
        ("http://127.1", "E001", "four decimal numbers"),
        ("https://example.123", "E001", "four decimal numbers"),
        ("http://300.1.1.1", "E001", "four decimal numbers"),
        ("https://*.127.0.0.1:*", "E003", "use 'https://127.0.0.1:*'"),
        ("https://faß.de", "E001", "'https://xn--fa-hia.de'"),
        ("https://*.Faß.example:8443", "E001", "'https://*.xn--fa-hia.example:8443'"),
        ("https://ς.example", "E001", "'https://xn--3xa.example'"),
        ("http://127.0.0.1.:8000", "E001", "use 'http://127.0.0.1:8000'"),  # browsers drop it
        ("https://example.com..", "E001", "check the spelling"),
        ("https://*.com.", "E003", "at least two labels"),
        ("https://exa mple.com", "E001", "check the spelling"),
        ("https://\udcff.com", "E001", "check the spelling"),  # not encodable by IDNA
    ],
)
def test_host_problems(value: str, code: str, fix: str) -> None:
    problem = only_problem(allow_origins=[value])
    assert (problem.code, problem.option, problem.value) == (code, "allow_origins", value)
    assert fix in problem.fix, problem


def test_idn_deviation_fix_is_what_browsers_send() -> None:
    # Browsers (UTS #46 non-transitional) encode "faß" as "xn--fa-hia"; Python's
    # IDNA 2003 codec would silently turn it into "fass", another domain.
    problem = only_problem(allow_origins=["https://faß.de"])
    assert "'ß'" in problem.message
    corrected = problem.fix.split(": ", 1)[1].strip("'")
    assert corrected == "https://xn--fa-hia.de"
    assert allows(CORSPolicy(allow_origins=[corrected]), "https://xn--fa-hia.de")
    assert not allows(CORSPolicy(allow_origins=[corrected]), "https://fass.de")


# A host ending in a dot (playframework #9101): Chromium sends such a page's origin
# with the dot, and it is another origin than the dot-less one.
DOTTED = "https://www.example.com."


def test_a_trailing_dot_origin_can_be_listed_as_itself() -> None:
    policy = CORSPolicy(allow_origins=[DOTTED])
    assert policy.allow_origins == (DOTTED,)  # not normalised to the dot-less origin
    assert allows(policy, DOTTED)
    assert not allows(policy, "https://www.example.com")
    assert not allows(CORSPolicy(allow_origins=["https://www.example.com"]), DOTTED)


def test_a_trailing_dot_origin_reaches_regexes_and_the_function() -> None:
    by_regex = CORSPolicy(allow_origin_regex=r"https://www\.example\.com\.")
    assert allows(by_regex, DOTTED)
    assert not allows(by_regex, "https://www.example.com")
    offered: list[str] = []
    by_func = CORSPolicy(allow_origin_func=lambda origin: offered.append(origin) or True)
    assert allows(by_func, DOTTED)
    assert set(offered) == {DOTTED}


def test_subdomain_patterns_keep_the_dot_apart() -> None:
    # "*.example.com" does not match "a.example.com." (another origin); a pattern
    # written with the dot matches only dotted hosts.
    plain = CORSPolicy(allow_origins=["https://*.example.com"])
    dotted = CORSPolicy(allow_origins=["https://*.example.com."])
    assert not allows(plain, "https://a.example.com.")
    assert allows(dotted, "https://a.example.com.")
    assert not allows(dotted, "https://a.example.com")
    assert not allows(dotted, "https://example.com.")


@pytest.mark.parametrize(
    ("listed", "asked", "hint"),
    [
        ("https://www.example.com", DOTTED, "its host ends with a dot (list www.example.com. "),
        (DOTTED, "https://www.example.com", "its host does not end with a dot"),
        ("https://*.example.com", "https://a.example.com.", "its host ends with a dot"),
        ("https://*.example.com.", "https://a.example.com", "'https://*.example.com.'?"),
    ],
)
def test_the_near_miss_hint_names_the_dot(listed: str, asked: str, hint: str) -> None:
    refusal = CORSPolicy(allow_origins=[listed]).decide("OPTIONS", asked, "GET").refusal
    assert refusal is not None
    assert f"did you mean {listed!r}?" in refusal.render()
    assert hint in refusal.render()
