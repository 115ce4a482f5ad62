"""Configuration errors (CORSConfigError) and warnings (CORSConfigWarning)."""

from __future__ import annotations

import ast
import re
import warnings
from typing import Any

import pytest

from corecors import CODES, ConfigProblem, CORSConfigError, CORSConfigWarning, CORSPolicy

from .support import allows, only_problem, problems

# (options, code, option named, offending value, text in the message, text in the fix)
ERRORS: list[tuple[str, dict[str, Any], str, str, object, str, str]] = [
    (
        "path",
        {"allow_origins": ["https://app.example.com/api"]},
        "E002",
        "allow_origins",
        "https://app.example.com/api",
        "without '/api'",
        "use 'https://app.example.com'",
    ),
    (
        "trailing-slash",
        {"allow_origins": ["https://app.example.com/"]},
        "E002",
        "allow_origins",
        "https://app.example.com/",
        "never ends with a slash",
        "use 'https://app.example.com'",
    ),
    (
        "trailing-slash-normalised",
        {"allow_origins": ["HTTPS://App.Example.com:443/"]},
        "E002",
        "allow_origins",
        "HTTPS://App.Example.com:443/",
        "never ends with a slash",
        "use 'https://app.example.com'",
    ),
    (
        "query",
        {"allow_origins": ["https://app.example.com?x=1"]},
        "E002",
        "allow_origins",
        "https://app.example.com?x=1",
        "without '?x=1'",
        "use 'https://app.example.com'",
    ),
    (
        "fragment",
        {"allow_origins": ["http://localhost:3000#top"]},
        "E002",
        "allow_origins",
        "http://localhost:3000#top",
        "without '#top'",
        "use 'http://localhost:3000'",
    ),
    (
        "user-info",
        {"allow_origins": ["https://user:pw@app.example.com"]},
        "E001",
        "allow_origins",
        "https://user:pw@app.example.com",
        "never has user info",
        "use 'https://app.example.com'",
    ),
    (
        "missing-scheme",
        {"allow_origins": ["app.example.com"]},
        "E001",
        "allow_origins",
        "app.example.com",
        "starts with a scheme",
        "use 'https://app.example.com'",
    ),
    (
        "missing-scheme-localhost",
        {"allow_origins": ["localhost:3000"]},
        "E001",
        "allow_origins",
        "localhost:3000",
        "starts with a scheme",
        "use 'http://localhost:3000'",
    ),
    (
        "missing-scheme-with-path",
        {"allow_origins": ["App.Example.com/home"]},
        "E001",
        "allow_origins",
        "App.Example.com/home",
        "starts with a scheme",
        "use 'https://app.example.com'",
    ),
    (
        "missing-slashes",
        {"allow_origins": ["https:app.example.com"]},
        "E001",
        "allow_origins",
        "https:app.example.com",
        "starts with a scheme",
        "use 'https://app.example.com'",
    ),
    (
        "missing-scheme-pattern",
        {"allow_origins": ["*.example.com"]},
        "E001",
        "allow_origins",
        "*.example.com",
        "starts with a scheme",
        "use 'https://*.example.com'",
    ),
    (
        "empty-origin",
        {"allow_origins": [""]},
        "E001",
        "allow_origins",
        "",
        "starts with a scheme",
        "scheme://host[:port]",
    ),
    (
        "spaces",
        {"allow_origins": [" https://app.example.com "]},
        "E001",
        "allow_origins",
        " https://app.example.com ",
        "surrounding spaces",
        "use 'https://app.example.com'",
    ),
    (
        "bad-scheme",
        {"allow_origins": ["1http://app.example.com"]},
        "E001",
        "allow_origins",
        "1http://app.example.com",
        "'1http' is not a valid scheme",
        "use http:// or https://",
    ),
    (
        "star-inside-host",
        {"allow_origins": ["https://*example.com"]},
        "E003",
        "allow_origins",
        "https://*example.com",
        "'*' is only allowed as the whole origin, a leading '*.' or the port",
        "write *.domain",
    ),
    (
        "star-middle-label",
        {"allow_origins": ["https://api.*.example.com"]},
        "E003",
        "allow_origins",
        "https://api.*.example.com",
        "'*' is only allowed",
        "write *.domain",
    ),
    (
        "star-two-levels",
        {"allow_origins": ["https://*.*.example.com"]},
        "E003",
        "allow_origins",
        "https://*.*.example.com",
        "'*' is only allowed",
        "write *.domain",
    ),
    (
        "star-host",
        {"allow_origins": ["https://*"]},
        "E003",
        "allow_origins",
        "https://*",
        "'*' is only allowed",
        "use '*' alone to allow every origin",
    ),
    (
        "star-scheme",
        {"allow_origins": ["*://app.example.com"]},
        "E003",
        "allow_origins",
        "*://app.example.com",
        "a scheme cannot be a wildcard",
        "list each scheme explicitly",
    ),
    (
        "star-in-port",
        {"allow_origins": ["http://localhost:80*"]},
        "E003",
        "allow_origins",
        "http://localhost:80*",
        "a port wildcard must be the whole port",
        "use :*",
    ),
    (
        "star-tld",
        {"allow_origins": ["https://*.com"]},
        "E003",
        "allow_origins",
        "https://*.com",
        "'*.com' would match every site under a top-level domain",
        "use at least two labels, e.g. https://*.example.com",
    ),
    (
        "empty-port",
        {"allow_origins": ["http://localhost:"]},
        "E001",
        "allow_origins",
        "http://localhost:",
        "the port is empty",
        "remove the ':' or add a port number",
    ),
    (
        "port-out-of-range",
        {"allow_origins": ["http://localhost:65536"]},
        "E001",
        "allow_origins",
        "http://localhost:65536",
        "'65536' is not a port",
        "use a number from 1 to 65535, or *",
    ),
    (
        "port-not-a-number",
        {"allow_origins": ["http://localhost:http"]},
        "E001",
        "allow_origins",
        "http://localhost:http",
        "'http' is not a port",
        "use a number from 1 to 65535",
    ),
    (
        "port-unicode-digits",
        {"allow_origins": ["http://localhost:\u0663\u0660\u0660\u0660"]},
        "E001",
        "allow_origins",
        "http://localhost:\u0663\u0660\u0660\u0660",
        "is not a port",
        "use a number from 1 to 65535",
    ),
    (
        "invalid-regex",
        {"allow_origin_regex": r"https://(unclosed\.example\.com"},
        "E004",
        "allow_origin_regex",
        r"https://(unclosed\.example\.com",
        "does not compile (missing ), unterminated subpattern",
        "fix the regex; it must match the whole origin",
    ),
    (
        "invalid-regex-in-list",
        {"allow_origin_regex": [r"https://ok\.example\.com", "*bad"]},
        "E004",
        "allow_origin_regex",
        "*bad",
        "does not compile (nothing to repeat",
        "fix the regex",
    ),
    (
        "regex-wrong-type",
        {"allow_origin_regex": 42},
        "E011",
        "allow_origin_regex",
        42,
        "must be a str or a compiled str pattern",
        r"use e.g. r'https://[a-z0-9-]+\.example\.com'",
    ),
    (
        "regex-bytes",
        {"allow_origin_regex": b"https://x"},
        "E011",
        "allow_origin_regex",
        b"https://x",
        "must be a str or a compiled str pattern",
        "use e.g.",
    ),
    (
        "regex-compiled-bytes",
        {"allow_origin_regex": [re.compile(b"https://x")]},
        "E011",
        "allow_origin_regex",
        re.compile(b"https://x"),
        "must be a str or a compiled str pattern",
        "use e.g.",
    ),
    (
        "func-not-callable",
        {"allow_origin_func": "https://app.example.com"},
        "E005",
        "allow_origin_func",
        "https://app.example.com",
        "is not callable",
        "pass a function that takes the origin (str) and returns True",
    ),
    (
        "connect",
        {"allow_methods": ["GET", "CONNECT"]},
        "E007",
        "allow_methods",
        "CONNECT",
        "a forbidden method that browsers never send cross-origin",
        "remove 'CONNECT'",
    ),
    (
        "trace",
        {"allow_methods": ["trace"]},
        "E007",
        "allow_methods",
        "trace",
        "a forbidden method",
        "remove 'trace'",
    ),
    (
        "track",
        {"allow_methods": ["*", "Track"]},
        "E007",
        "allow_methods",
        "Track",
        "a forbidden method",
        "remove 'Track'",
    ),
    (
        "method-not-token",
        {"allow_methods": ["GET POST"]},
        "E006",
        "allow_methods",
        "GET POST",
        "is not an HTTP method token",
        "list each name as its own item: ['GET', 'POST']",
    ),
    (
        "method-comma-list",
        {"allow_methods": ["GET, POST,PUT"]},
        "E006",
        "allow_methods",
        "GET, POST,PUT",
        "is not an HTTP method token",
        "list each name as its own item: ['GET', 'POST', 'PUT']",
    ),
    (
        "method-punctuation",
        {"allow_methods": ["PATCH;"]},
        "E006",
        "allow_methods",
        "PATCH;",
        "is not an HTTP method token",
        "use 'PATCH'",
    ),
    (
        "method-empty",
        {"allow_methods": [""]},
        "E006",
        "allow_methods",
        "",
        "is not an HTTP method token",
        "use a name made of letters, digits and '-'",
    ),
    (
        "header-not-token",
        {"allow_headers": ["X-Token:"]},
        "E008",
        "allow_headers",
        "X-Token:",
        "is not a header name",
        "use 'X-Token'",
    ),
    (
        "header-space",
        {"allow_headers": ["Content Type"]},
        "E008",
        "allow_headers",
        "Content Type",
        "is not a header name",
        "list each name as its own item: ['Content', 'Type']",
    ),
    (
        "header-non-ascii",
        {"allow_headers": ["Ü"]},
        "E008",
        "allow_headers",
        "Ü",
        "is not a header name",
        "use a name made of letters, digits and '-'",
    ),
    (
        "expose-not-token",
        {"expose_headers": ["X-Total\r\n"]},
        "E008",
        "expose_headers",
        "X-Total\r\n",
        "is not a header name",
        "use 'X-Total'",
    ),
    (
        "expose-star-with-credentials",
        {
            "allow_origins": ["https://app.example.com"],
            "allow_credentials": True,
            "expose_headers": ["*"],
        },
        "E009",
        "expose_headers",
        "*",
        "'*' is taken literally by browsers when credentials are allowed",
        "list the response headers to expose by name",
    ),
    ("max-age-negative", {"max_age": -1}, "E010", "max_age", -1, "from 0 to 86400", "max_age=600"),
    ("max-age-over", {"max_age": 86401}, "E010", "max_age", 86401, "from 0 to 86400", "None"),
    ("max-age-str", {"max_age": "600"}, "E010", "max_age", "600", "an integer", "max_age=600"),
    ("max-age-float", {"max_age": 600.0}, "E010", "max_age", 600.0, "an integer", "max_age=600"),
    ("max-age-bool", {"max_age": True}, "E010", "max_age", True, "an integer", "max_age=600"),
    (
        "origins-bare-string",
        {"allow_origins": "https://app.example.com"},
        "E011",
        "allow_origins",
        "https://app.example.com",
        "must be a list of strings, not one string",
        "write allow_origins=['https://app.example.com']",
    ),
    (
        "methods-bare-string",
        {"allow_methods": "GET"},
        "E011",
        "allow_methods",
        "GET",
        "not one string",
        "write allow_methods=['GET']",
    ),
    (
        "headers-not-iterable",
        {"allow_headers": 5},
        "E011",
        "allow_headers",
        5,
        "must be a list of strings",
        "write allow_headers=[]",
    ),
    (
        "item-not-str",
        {"expose_headers": ["X-A", None]},
        "E011",
        "expose_headers",
        None,
        "every item must be a string",
        "write it in quotes",
    ),
    (
        "credentials-not-bool",
        {"allow_credentials": "true"},
        "E011",
        "allow_credentials",
        "true",
        "must be True or False",
        "use a bool",
    ),
    (
        "private-network-not-bool",
        {"allow_private_network": 1},
        "E011",
        "allow_private_network",
        1,
        "must be True or False",
        "use a bool",
    ),
]


@pytest.mark.parametrize(
    ("options", "code", "option", "value", "message", "fix"),
    [e[1:] for e in ERRORS],
    ids=[e[0] for e in ERRORS],
)
def test_config_error(
    options: dict[str, Any], code: str, option: str, value: object, message: str, fix: str
) -> None:
    problem = only_problem(**options)
    assert problem.code == code
    assert problem.option == option
    assert problem.value == value
    assert message in problem.message
    assert fix in problem.fix
    # The printed form names the option, the value, the problem and the fix.
    text = str(CORSConfigError([problem]))
    assert f"{option}={value!r}" in text
    assert "Fix: " in text
    assert f"[{code}]" in text
    assert code in CODES


def test_several_problems_are_reported_together() -> None:
    with pytest.raises(CORSConfigError) as caught:
        CORSPolicy(
            allow_origins=["https://app.example.com/", "example.org", "https://*.com"],
            allow_origin_regex="(",
            allow_methods=["GET", "TRACE", "GET POST"],
            allow_headers=["X Token"],
            allow_credentials=True,
            expose_headers=["*"],
            max_age=-5,
        )
    error = caught.value
    assert isinstance(error, ValueError)
    codes = [p.code for p in error.problems]
    assert codes == ["E002", "E001", "E003", "E004", "E007", "E006", "E008", "E009", "E010"]
    text = str(error)
    assert text.startswith("invalid CORS configuration (9 problems):\n")
    assert len(text.splitlines()) == 10
    for problem in error.problems:
        assert f"  - {problem}" in text


def test_one_problem_is_singular() -> None:
    with pytest.raises(CORSConfigError, match=r"^invalid CORS configuration \(1 problem\):\n"):
        CORSPolicy(max_age=-1)


def test_problem_text_format() -> None:
    problem = ConfigProblem("E010", "max_age", -1, "must be positive", "use 600")
    assert str(problem) == "max_age=-1: must be positive. Fix: use 600 [E010]"


def test_the_corrected_values_shown_are_accepted() -> None:
    # Every "use '<origin>'" and "list each name..." fix above is a valid configuration.
    checked = 0
    for _, _options, _, option, _, _, fix in ERRORS:
        origin = re.fullmatch(r"use '([^']+)'", fix)
        names = re.fullmatch(r"list each name as its own item: (\[.*\])", fix)
        if option == "allow_origins" and origin:
            assert CORSPolicy(allow_origins=[origin.group(1)]).allow_origins == (origin.group(1),)
            checked += 1
        elif names:
            CORSPolicy(**{option: ast.literal_eval(names.group(1))})
            checked += 1
    assert checked == 15


# --- Warnings ------------------------------------------------------------------------------


def _only_warning(**options: Any) -> tuple[CORSPolicy, ConfigProblem]:
    with pytest.warns(CORSConfigWarning) as record:
        policy = CORSPolicy(**options)
    assert len(record) == 1, [str(w.message) for w in record]
    warning = record[0]
    assert warning.filename == __file__  # attributed to the caller, not to corecors
    message = warning.message
    assert isinstance(message, CORSConfigWarning)
    assert isinstance(message, UserWarning)
    assert str(message) == str(message.problem)
    assert policy.config_warnings == (message.problem,)
    return policy, message.problem


def test_w001_star_with_credentials() -> None:
    _policy, problem = _only_warning(allow_origins=["*"], allow_credentials=True)
    assert problem.code == "W001"
    assert problem.option == "allow_origins"
    assert "answers 'Access-Control-Allow-Origin: *' without credentials" in problem.message
    assert "allow_origins=['https://app.example.com']" in problem.fix
    assert "['http://localhost:*']" in problem.fix
    # The development fix it suggests is valid and does not warn.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dev = CORSPolicy(allow_origins=["http://localhost:*"], allow_credentials=True)
    assert allows(dev, "http://localhost:5173")


def test_w002_null_with_credentials() -> None:
    policy, problem = _only_warning(allow_origins=["null"], allow_credentials=True)
    assert (problem.code, problem.option, problem.value) == ("W002", "allow_origins", "null")
    assert "any page can send 'Origin: null'" in problem.message
    assert "remove 'null'" in problem.fix
    assert allows(policy, "null")  # risky, but it does what was asked


@pytest.mark.parametrize(
    ("origin", "corrected"),
    [
        ("http://api.example.com", "https://api.example.com"),
        ("HTTP://API.example.com:80", "https://api.example.com"),
        ("http://api.example.com:443", "https://api.example.com"),  # not ...:443
        ("http://api.example.com:8080", "https://api.example.com:8080"),
        ("ws://api.example.com", "wss://api.example.com"),
        ("ws://api.example.com:443", "wss://api.example.com"),
        ("http://*.example.com", "https://*.example.com"),
        ("http://example.com:*", "https://example.com:*"),
        ("http://192.168.1.10:8000", "https://192.168.1.10:8000"),
    ],
)
def test_w003_plain_http_with_credentials(origin: str, corrected: str) -> None:
    _, problem = _only_warning(allow_origins=[origin], allow_credentials=True)
    assert (problem.code, problem.option, problem.value) == ("W003", "allow_origins", origin)
    assert problem.fix == f"use {corrected!r}"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fixed = CORSPolicy(allow_origins=[corrected], allow_credentials=True)
    assert fixed.allow_origins == (corrected,)


@pytest.mark.parametrize(
    "origin",
    [
        "http://localhost",
        "http://localhost:3000",
        "http://localhost:*",
        "http://app.localhost:3000",
        "http://*.localhost:*",
        "http://127.0.0.1:8000",
        "http://127.1.2.3",
        "http://[::1]:8000",
        "ws://localhost:8000",
    ],
)
def test_no_w003_for_loopback(origin: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        policy = CORSPolicy(allow_origins=[origin], allow_credentials=True)
    assert policy.config_warnings == ()


def test_no_w003_without_credentials() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        CORSPolicy(allow_origins=["http://api.example.com", "null"])


def test_w004_max_age_above_chromium_cap() -> None:
    _, problem = _only_warning(max_age=7201)
    assert (problem.code, problem.option, problem.value) == ("W004", "max_age", 7201)
    assert "Chromium caches preflights for at most 7200 seconds" in problem.message
    assert problem.fix == "use max_age=7200 or less to get the same result everywhere"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        CORSPolicy(max_age=7200)


def test_several_warnings_at_once() -> None:
    with pytest.warns(CORSConfigWarning) as record:
        policy = CORSPolicy(
            allow_origins=["*", "null", "http://a.example.com"],
            allow_credentials=True,
            max_age=86400,
        )
    codes = [w.message.problem.code for w in record]  # type: ignore[union-attr]
    assert codes == ["W002", "W003", "W001", "W004"]
    assert [p.code for p in policy.config_warnings] == codes


def test_an_error_suppresses_the_warnings() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        found = problems(allow_origins=["*"], allow_credentials=True, max_age=-1)
    assert [p.code for p in found] == ["E010"]


def test_problems_render_in_an_adapters_vocabulary() -> None:
    # The option name inside the text is a template field, never rewritten text.
    with pytest.raises(CORSConfigError) as caught:
        CORSPolicy(allow_origins="https://{a}.example.com", max_age=-1)
    by_option = {p.option: p for p in caught.value.problems}
    origins = by_option["allow_origins"]
    assert origins.fix == "write allow_origins=['https://{a}.example.com']"
    django = origins.render(lambda option: {"allow_origins": "CORS_ALLOWED_ORIGINS"}[option])
    assert django.option == "CORS_ALLOWED_ORIGINS"
    assert django.fix == "write CORS_ALLOWED_ORIGINS=['https://{a}.example.com']"
    assert django.code == origins.code
    assert django.value == origins.value
    flask = by_option["max_age"].render(str.upper, option=lambda o: f"config[{o!r}]")
    assert flask.option == "config['max_age']"
    assert flask.fix == "use e.g. MAX_AGE=600, or None to omit Access-Control-Max-Age"
    # A problem whose text names no option only gets the option field renamed.
    plain = ConfigProblem("E010", "max_age", -1, "must be positive", "use 600")
    assert plain.render(str.upper) == plain._replace(option="MAX_AGE")


def test_refusals_are_structured_and_render_in_any_vocabulary() -> None:
    policy = CORSPolicy(allow_origins=["https://app.example.com"])
    decision = policy.decide("OPTIONS", "https://app.example.com", "PUT")
    refusal = decision.refusal
    assert refusal is not None
    assert (refusal.what, refusal.value, refusal.option) == (
        "method",
        "'PUT'",
        "allow_methods",
    )
    assert refusal.render() == decision.reason
    assert decision.reason == "method 'PUT' is not allowed; add it to allow_methods"
    assert refusal.render(lambda o: "CORS_ALLOW_METHODS") == (
        "method 'PUT' is not allowed; add it to CORS_ALLOW_METHODS"
    )
    odd = policy.decide("OPTIONS", "https://app.example.com", "GET", "x-{a}, ,")
    assert odd.refusal is not None
    assert odd.reason is not None
    assert odd.refusal.render() == odd.reason
    assert "{a}" in odd.reason  # braces in a request value survive the template
    assert policy.decide("GET", "https://app.example.com").refusal is None


@pytest.mark.parametrize(
    ("arguments", "what"),
    [
        (("GET", "https://evil.example"), "origin"),
        (("OPTIONS", "https://evil.example", "GET"), "origin"),
        (("OPTIONS", "https://app.example.com", "PUT"), "method"),
        (("OPTIONS", "https://app.example.com", "GET", "x-other"), "headers"),
        (("OPTIONS", "https://app.example.com", "GET", "a b"), "headers"),
        (("OPTIONS", "https://app.example.com", "GET", None, True), "private-network"),
    ],
)
def test_each_refusals_template_gives_its_reason(arguments: tuple[Any, ...], what: str) -> None:
    decision = CORSPolicy(allow_origins=["https://app.example.com"]).decide(*arguments)
    refusal = decision.refusal
    assert refusal is not None
    assert refusal.what == what
    assert refusal.render() == decision.reason
    # The template rendered with the keywords is the same text.
    assert refusal.render(lambda option: option) == decision.reason
