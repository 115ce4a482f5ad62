"""The adapters' fuzz/property suite: hostile requests and the invariants every answer keeps.

Issue 23 turned a tester's attack into the project's own method: random
hostile ``Origin``, method and ``Access-Control-Request-*`` values go through
every adapter with its framework's real test client (ASGI: Starlette's
TestClient; WSGI and Flask: Flask's; Django: its Client), against views that
return one shared response object, and every answer must keep:

- never a 500 (bad input is a refusal or a pass-through);
- never a grant for an origin the core refuses, and the grant the core
  gives when it allows (``*`` or the request's exact origin, at most one);
- never ``*`` with ``Access-Control-Allow-Credentials``;
- never a previous request's grant (the views share one response object);
- a preflight never reaches the application;
- Vary right: each token of the decision exactly once, the application's own kept.

Why hypothesis and not atheris: hypothesis is already a dev dependency and runs
inside pytest on every supported CPython, generates structured values (origins,
tokens, header lists) where the bugs live, shrinks a failure to a minimal
request and replays it deterministically; atheris is a coverage-guided byte
fuzzer (libFuzzer) whose wheels lag new Pythons, runs as its own long process
and finds parser crashes in C extensions, which corecors does not have (pure
Python; its parsers are bounded and covered by the core's property tests).
Examples are bounded (``FUZZ``) to keep CI fast: about a second per adapter.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from corecors import CORSPolicy

APP = "https://app.example.com"
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
#: The fuzzed policy: listed, pattern, any-port, regex; credentials on.
OPTIONS: dict[str, object] = {
    "allow_origins": [APP, "https://*.example.com", "http://localhost:*"],
    "allow_origin_regex": r"https://[a-z0-9-]+\.preview\.example\.net",
    "allow_credentials": True,
    "allow_methods": ["GET", "PUT", "DELETE"],
    "allow_headers": ["X-Token"],
    "expose_headers": ["X-Total"],
}
POLICY = CORSPolicy(**OPTIONS)  # type: ignore[arg-type]
#: The application's own Vary, which the adapters must keep.
APP_VARY = "Cookie"

_NEAR = [
    APP,
    "https://app.example.com.",
    "https://APP.example.com",
    "https://app.example.com:443",
    "https://app.example.com/",
    "http://app.example.com",
    "https://example.com",
    "https://evilexample.com",
    "https://app.example.com.evil.io",
    "https://a.b.example.com",
    "http://localhost:5173",
    "http://localhost:99999",
    "https://pr-1.preview.example.net",
    "https://pr-1.preview.example.net.evil",
    "null",
    "*",
    f"{APP}, https://evil.example.org",
    f"{APP} ",
    "https://xn--80ak6aa92e.example.com",
    "https://[::1]:8080",
    "https://" + "a" * 1100 + ".example.com",
]
# Header text a server can deliver: latin-1, no CR, LF or NUL, no edge spaces.
_TEXT = (
    st.text(
        alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"),
        min_size=1,
        max_size=80,
    )
    .map(str.strip)
    .filter(bool)
)
_LABEL = st.from_regex(r"[a-z0-9-]{1,20}", fullmatch=True)
ORIGINS = st.one_of(
    st.sampled_from(_NEAR),
    _TEXT,
    _LABEL.map(lambda label: f"https://{label}.example.com"),
    _LABEL.map(lambda label: f"https://{label}.preview.example.net"),
    st.integers(0, 70000).map(lambda port: f"http://localhost:{port}"),
    st.integers(1000, 1100).map(lambda size: "https://" + "a" * size + ".example.com"),
)
METHODS = st.sampled_from(["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "patch", "FOO"])
REQUEST_METHODS = st.one_of(st.sampled_from(["PUT", "DELETE", "PATCH", "put", "CONNECT"]), _TEXT)
REQUEST_HEADERS = st.one_of(
    st.sampled_from(["x-token", "X-Token", "x-token,x-other", "authorization", ",,,", "x-token, "]),
    _TEXT,
    st.integers(60, 70).map(lambda n: ",".join(f"x-h{i}" for i in range(n))),
)


class Sent(NamedTuple):
    """One fuzzed request: what the client sends."""

    method: str
    origin: str | None
    request_method: str | None
    request_headers: str | None

    def headers(self) -> dict[str, str]:
        sent = {"Origin": self.origin}
        sent["Access-Control-Request-Method"] = self.request_method
        sent["Access-Control-Request-Headers"] = self.request_headers
        return {name: value for name, value in sent.items() if value is not None}


@st.composite
def requests(draw: st.DrawFn) -> Sent:
    """A hostile request: an actual request, a preflight, or neither."""
    origin = draw(st.none() | ORIGINS)
    if draw(st.booleans()):  # a preflight, or an OPTIONS request that is almost one
        return Sent(
            "OPTIONS",
            origin,
            draw(st.none() | REQUEST_METHODS),
            draw(st.none() | REQUEST_HEADERS),
        )
    return Sent(draw(METHODS), origin, None, None)


def check(
    policy: CORSPolicy,
    sent: Sent,
    status: int,
    headers: Iterable[tuple[str, str]],
    reached_app: bool,
) -> None:
    """Assert the invariants of one answer (see the module docstring)."""
    pairs = [(name.lower(), value) for name, value in headers]
    expected = policy.decide(sent.method, sent.origin, sent.request_method, sent.request_headers)
    context = (sent, status, pairs)
    assert status != 500, context
    granted = [value for name, value in pairs if name == "access-control-allow-origin"]
    credentials = [value for name, value in pairs if name == "access-control-allow-credentials"]
    assert len(granted) <= 1, context
    if expected.kind == "preflight":
        assert not reached_app, context
        assert status == expected.status, context
    if not expected.allowed:  # refused, or no Origin: no grant at all
        assert not [name for name, _ in pairs if name.startswith("access-control-")], context
    elif expected.kind != "none":  # the core's grant, exactly (never a previous request's)
        assert granted == [dict(expected.headers)["Access-Control-Allow-Origin"]], context
        assert granted[0] in ("*", sent.origin), context
    if credentials:
        assert granted, context
        assert granted != ["*"], context
    tokens = [
        token.strip().lower()
        for name, value in pairs
        if name == "vary"
        for token in value.split(",")
    ]
    for token in expected.vary:
        assert tokens.count(token.lower()) == 1, context
    if reached_app:
        assert tokens.count(APP_VARY.lower()) == 1, context
