"""The Django middleware beyond the conformance table: errors, ordering, settings, async."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
import warnings
from collections.abc import Iterable

import pytest
from asgiref.sync import iscoroutinefunction
from django.core.handlers.asgi import ASGIHandler
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.test import AsyncClient, Client, RequestFactory
from pytest_django import Settings

from corecors import CORSConfigError, CORSConfigWarning, CORSPolicy, apply_decision, merge_vary
from corecors.adapters.django import CORSMiddleware
from corecors.engine._response import vary_value
from tests.conformance import APP, EVIL
from tests.django.policies import ROOT

CRED = {"CORS_ALLOWED_ORIGINS": [APP], "CORS_ALLOW_CREDENTIALS": True}
PREFLIGHT = {"Origin": APP, "Access-Control-Request-Method": "PUT"}


@pytest.fixture
def cred(settings: Settings) -> Settings:
    for name, value in CRED.items():
        setattr(settings, name, value)
    return settings


def assert_granted(response: HttpResponseBase, origin: str = APP) -> None:
    assert response["Access-Control-Allow-Origin"] == origin
    assert response["Access-Control-Allow-Credentials"] == "true"
    assert "Origin" in response["Vary"]


# Errors: Django turns a view's exception into a response before it reaches the
# middleware, so a 500 keeps its CORS headers and the browser shows the 500.


def test_500_from_a_raising_view_carries_cors_headers(cred: Settings) -> None:
    cred.DEBUG = False
    response = Client(raise_request_exception=False).get("/raise", headers={"Origin": APP})
    assert response.status_code == 500
    assert_granted(response)


@pytest.mark.asyncio
@pytest.mark.parametrize("path", ["/raise", "/async/raise"])
async def test_500_under_asgi_carries_cors_headers(cred: Settings, path: str) -> None:
    cred.DEBUG = False
    client = AsyncClient(raise_request_exception=False)
    response = await client.get(path, headers={"Origin": APP})
    assert response.status_code == 500
    assert_granted(response)


def test_500_for_a_refused_origin_gets_no_grant(cred: Settings) -> None:
    response = Client(raise_request_exception=False).get("/raise", headers={"Origin": EVIL})
    assert response.status_code == 500
    assert not response.has_header("Access-Control-Allow-Origin")
    assert response["Vary"] == "Origin"


def test_404_carries_cors_headers(cred: Settings) -> None:
    response = Client().get("/missing/item", headers={"Origin": APP})
    assert response.status_code == 404
    assert_granted(response)


def test_streaming_response_is_decorated_and_still_streams(cred: Settings) -> None:
    response = Client().get("/stream", headers={"Origin": APP})
    assert response.streaming
    assert_granted(response)
    assert b"".join(response.streaming_content) == b"first\nsecond\n"  # type: ignore[attr-defined]


# Preflights end in the middleware, before authentication and views.


def test_preflight_is_answered_before_authentication(cred: Settings) -> None:
    cred.MIDDLEWARE = [
        "corecors.adapters.django.CORSMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.auth.middleware.LoginRequiredMiddleware",
    ]
    client = Client()
    preflight = client.options("/items", headers=PREFLIGHT)
    assert preflight.status_code == 200  # preflights carry no cookies: a login redirect fails them
    assert preflight.content == b"OK"
    assert_granted(preflight)
    actual = client.get("/items", headers={"Origin": APP})
    assert actual.status_code == 302  # the login redirect itself is readable by the front end
    assert_granted(actual)


@pytest.mark.asyncio
async def test_preflight_is_answered_before_authentication_under_asgi(cred: Settings) -> None:
    cred.MIDDLEWARE = [
        "corecors.adapters.django.CORSMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.auth.middleware.LoginRequiredMiddleware",
    ]
    preflight = await AsyncClient().options("/items", headers=PREFLIGHT)
    assert preflight.status_code == 200
    assert_granted(preflight)


def test_refused_preflight_is_400_with_a_reason_and_no_grant(cred: Settings) -> None:
    response = Client().options("/items", headers={**PREFLIGHT, "Origin": EVIL})
    assert response.status_code == 400
    assert response.content.startswith(b"CORS preflight refused: origin")
    assert not [name for name in response.headers if name.lower().startswith("access-control")]
    assert response["Content-Type"] == "text/plain; charset=utf-8"


# Settings: read when the middleware is built and again when they change.


def test_settings_changes_apply_to_a_running_middleware(cred: Settings) -> None:
    client = Client()
    assert_granted(client.get("/items", headers={"Origin": APP}))
    cred.CORS_ALLOWED_ORIGINS = [EVIL]  # setting_changed: the same middleware rebuilds
    assert not client.get("/items", headers={"Origin": APP}).has_header(
        "Access-Control-Allow-Origin"
    )
    assert_granted(client.get("/items", headers={"Origin": EVIL}), EVIL)
    cred.CORECORS_POLICY = CORSPolicy(allow_origins=["*"])  # overrides the CORS_* settings
    assert client.get("/items", headers={"Origin": APP})["Access-Control-Allow-Origin"] == "*"
    cred.CORECORS_POLICY = None  # None: back to the CORS_* settings
    assert_granted(client.get("/items", headers={"Origin": EVIL}), EVIL)


def test_bad_settings_fail_when_the_middleware_is_built(settings: Settings) -> None:
    settings.CORS_ALLOWED_ORIGINS = [APP + "/"]
    with pytest.raises(CORSConfigError, match=r"CORS_ALLOWED_ORIGINS='https://app\.example\.com/'"):
        Client().get("/items")


def test_django_cors_headers_defaults(settings: Settings) -> None:
    settings.CORS_ALLOWED_ORIGINS = [APP]  # nothing else: django-cors-headers' defaults apply
    response = Client().options(
        "/items",
        headers={
            "Origin": APP,
            "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "authorization,content-type,x-csrftoken,"
            "x-requested-with,user-agent,accept",
        },
    )
    assert response.status_code == 200
    methods = {m.strip() for m in response["Access-Control-Allow-Methods"].split(",")}
    assert methods == {"DELETE", "GET", "OPTIONS", "PATCH", "POST", "PUT"}
    assert response["Access-Control-Max-Age"] == "86400"  # and no W004 warning for the default
    assert not response.has_header("Access-Control-Allow-Credentials")
    assert not response.has_header("Access-Control-Allow-Private-Network")


def test_old_setting_names_still_work(settings: Settings) -> None:
    settings.CORS_ORIGIN_WHITELIST = [APP]
    settings.CORS_ORIGIN_REGEX_WHITELIST = [r"https://[a-z]+\.example\.net"]
    client = Client()
    assert client.get("/items", headers={"Origin": APP})["Access-Control-Allow-Origin"] == APP
    net = "https://abc.example.net"
    assert client.get("/items", headers={"Origin": net})["Access-Control-Allow-Origin"] == net
    settings.CORS_ORIGIN_ALLOW_ALL = True
    assert client.get("/items", headers={"Origin": EVIL})["Access-Control-Allow-Origin"] == "*"


def test_max_age_zero_omits_the_header_as_before(settings: Settings) -> None:
    settings.CORS_ALLOWED_ORIGINS = [APP]
    settings.CORS_PREFLIGHT_MAX_AGE = 0
    response = Client().options(
        "/items", headers={**PREFLIGHT, "Access-Control-Request-Method": "GET"}
    )
    assert response.status_code == 200
    assert not response.has_header("Access-Control-Max-Age")


def test_allow_all_with_credentials_answers_star_and_warns(settings: Settings) -> None:
    settings.CORS_ALLOW_ALL_ORIGINS = True
    settings.CORS_ALLOW_CREDENTIALS = True
    settings.CORS_ALLOWED_ORIGINS = [APP]  # listed origins keep their credentials
    client = Client()  # builds its middleware, which reads the settings, on the first request
    with pytest.warns(CORSConfigWarning, match="CORS_ALLOW_ALL_ORIGINS=True: .* set "):
        response = client.get("/items", headers={"Origin": EVIL})
    assert response["Access-Control-Allow-Origin"] == "*"  # django-cors-headers reflects EVIL
    assert not response.has_header("Access-Control-Allow-Credentials")
    assert_granted(client.get("/items", headers={"Origin": APP}))


def test_origin_regexes_match_the_whole_origin(settings: Settings) -> None:
    # django-cors-headers uses re.match: this regex also let in the look-alike.
    settings.CORS_ALLOWED_ORIGIN_REGEXES = [r"^https://\w+\.example\.com"]
    client = Client()
    good = "https://abc.example.com"
    assert client.get("/items", headers={"Origin": good})["Access-Control-Allow-Origin"] == good
    bad = client.get("/items", headers={"Origin": "https://abc.example.com.evil.net"})
    assert not bad.has_header("Access-Control-Allow-Origin")


@pytest.mark.parametrize(
    ("urls_regex", "covered", "not_covered"),
    [
        (r"^/api/", ["/api/items", "/api/"], ["/items", "/v1/api/items", "/API/items"]),
        # re.match anchors at the start and matches a prefix, as in django-cors-headers.
        (r"/api", ["/api/items", "/api-docs"], ["/v1/api"]),
        (re.compile(r"^/API/", re.IGNORECASE), ["/api/items", "/API/items"], ["/items"]),
    ],
)
def test_urls_regex_keeps_django_cors_headers_semantics(
    settings: Settings,
    urls_regex: str | re.Pattern[str],
    covered: list[str],
    not_covered: list[str],
) -> None:
    settings.CORS_ALLOWED_ORIGINS = [APP]
    settings.CORS_URLS_REGEX = urls_regex
    client = Client()
    for path in covered:
        response = client.get(path, headers={"Origin": APP})
        assert response["Access-Control-Allow-Origin"] == APP, path
    for path in not_covered:
        response = client.get(path, headers={"Origin": APP})
        assert not response.has_header("Access-Control-Allow-Origin"), path
        assert not response.has_header("Vary"), path  # no CORS processing at all
        preflight = client.options(path, headers=PREFLIGHT)
        assert preflight["X-App"] == "1", path  # the application answers the OPTIONS


def test_policy_from_a_dotted_path(settings: Settings) -> None:
    settings.CORECORS_POLICY = "tests.django.policies.api"
    client = Client()
    assert client.get("/api/x", headers={"Origin": APP})["Access-Control-Allow-Origin"] == APP
    assert client.get("/public/x", headers={"Origin": EVIL})["Access-Control-Allow-Origin"] == "*"
    assert not client.get("/items", headers={"Origin": APP}).has_header("Vary")


MALFORMED_ORIGINS = [
    APP + "\t",
    "https://app.example.com, https://app.example.com",
    "\u00e9\u00e9",
    "x" * 100_000,
]


@pytest.mark.parametrize("origin", MALFORMED_ORIGINS)
@pytest.mark.parametrize("method", ["GET", "OPTIONS"])
def test_malformed_origins_are_refused_never_crash(
    cred: Settings, origin: str, method: str
) -> None:
    response = Client().generic(method, "/items", headers={**PREFLIGHT, "Origin": origin})
    assert response.status_code == (400 if method == "OPTIONS" else 200)
    assert not response.has_header("Access-Control-Allow-Origin")


@pytest.mark.parametrize(
    ("header", "value", "status"),
    [
        ("Access-Control-Request-Headers", "a b,\u00e9", 400),
        ("Access-Control-Request-Headers", ",".join(["x"] * 10_000), 400),
        ("Access-Control-Request-Method", "G\u00e9T", 400),
        ("Access-Control-Request-Method", "P" * 10_000, 400),
        ("Access-Control-Request-Private-Network", "\u00e9", 200),  # not "true": not asked
    ],
)
def test_malformed_preflight_headers_never_crash(
    cred: Settings, header: str, value: str, status: int
) -> None:
    response = Client().options("/items", headers={**PREFLIGHT, header: value})
    assert response.status_code == status
    assert response.has_header("Access-Control-Allow-Origin") == (status == 200)


# Async: no thread hop, and the header fast path equals Django's public API.


def test_async_chain_has_no_thread_hop(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    settings.DEBUG = True  # Django logs every sync/async adaptation in debug mode
    caplog.set_level(logging.DEBUG, logger="django.request")
    handler = ASGIHandler()  # loads the middleware chain in async mode
    assert not [r for r in caplog.records if "adapted" in r.getMessage()], caplog.text
    # Control: a sync-only middleware in the same chain is adapted, and logged.
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "tests.django.test_middleware.SyncOnly"]
    ASGIHandler()
    assert [r for r in caplog.records if "adapted" in r.getMessage()]
    assert handler is not None


class SyncOnly:
    sync_capable = True
    async_capable = False

    def __init__(self, get_response: object) -> None:
        self.get_response = get_response


async def _async_view(request: object) -> HttpResponse:
    return HttpResponse(b"app")


def _sync_view(request: object) -> HttpResponse:
    return HttpResponse(b"app")


def test_middleware_is_a_coroutine_function_only_under_asgi(settings: Settings) -> None:
    assert iscoroutinefunction(CORSMiddleware(_async_view))
    assert not iscoroutinefunction(CORSMiddleware(_sync_view))
    assert CORSMiddleware.sync_capable
    assert CORSMiddleware.async_capable


@pytest.mark.parametrize(
    "app_headers",
    [
        {},
        {"Vary": "Accept-Encoding"},
        {"vary": "accept-encoding, origin"},
        {"Vary": "*"},
        {"Vary": "Cookie, Accept-Encoding,"},
        {"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": "X-Old"},
    ],
)
@pytest.mark.parametrize("origin", [None, APP, EVIL])
@pytest.mark.parametrize("credentials", [True, False], ids=["credentials", "public"])
def test_response_headers_equal_apply_decision(
    settings: Settings, app_headers: dict[str, str], origin: str | None, credentials: bool
) -> None:
    # The middleware writes into Django's header dict directly (its fast path);
    # the result must be what the shared response module computes, for a
    # credentialed policy (Vary: Origin) and a public one (no Vary of its own).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CORSConfigWarning)  # "*" with credentials warns
        policy = CORSPolicy(
            allow_origins=[APP, "*"], allow_credentials=credentials, expose_headers=["X-Total"]
        )
    settings.CORECORS_POLICY = policy
    cors = CORSMiddleware(lambda request: HttpResponse(headers=app_headers))
    request = RequestFactory().get("/items", headers={"Origin": origin} if origin else {})
    response = cors(request)
    assert isinstance(response, HttpResponse)
    decision = policy.decide("GET", origin)
    expected = apply_decision(list(app_headers.items()), decision)

    def normalised(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, object]]:
        out: list[tuple[str, object]] = []
        for name, value in pairs:
            if name.lower() == "vary":
                out.append(("vary", [t.strip().lower() for t in value.split(",") if t.strip()]))
            elif name.lower() != "content-type":
                out.append((name.lower(), value))
        return sorted(out, key=repr)

    assert normalised(response.items()) == normalised(expected)
    # One Vary, unless a public policy met an application that set none.
    app_vary = any(name.lower() == "vary" for name in app_headers)
    varies = [n for n, _ in response.items() if n.lower() == "vary"]
    assert len(varies) == (1 if decision.vary or app_vary else 0)
    assert bool(decision.vary) is credentials  # only the credentialed policy varies


# Imports: no settings needed; a missing Django names the extra.


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )


def test_importing_needs_no_settings() -> None:
    done = _python(
        "import corecors.adapters.django as package\n"
        "import corecors.adapters.django.apps, corecors.adapters.django.checks\n"
        "import corecors.adapters.django.conf\n"
        "assert package.CORSMiddleware.__name__ == 'CORSMiddleware'\n"
        "from django.conf import settings\n"
        "assert not settings.configured\n"
    )
    assert done.returncode == 0, done.stderr


def test_missing_django_names_the_extra() -> None:
    done = _python("import sys\nsys.modules['django'] = None\nimport corecors.adapters.django\n")
    assert done.returncode != 0
    assert 'pip install "corecors[django]"' in done.stderr


def test_refused_preflight_is_not_logged_as_a_django_warning(
    cred: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    # Django logs each 4xx response as a WARNING; anyone could flood the log this way.
    caplog.set_level(logging.DEBUG)
    response = Client().options("/items", headers={**PREFLIGHT, "Origin": EVIL})
    assert response.status_code == 400
    assert not [r for r in caplog.records if r.name == "django.request"], caplog.text
    refusals = [r for r in caplog.records if r.name == "corecors"]
    assert refusals  # the reason is logged by corecors, at DEBUG, the origin as a repr
    assert all(r.levelno == logging.DEBUG for r in refusals)
    assert repr(EVIL) in caplog.text
    # A 404 is still Django's to log.
    Client().get("/missing/x", headers={"Origin": APP})
    assert [r for r in caplog.records if r.name == "django.request"]


@pytest.mark.parametrize(
    "existing",
    [
        "Cookie",
        "cookie,accept-encoding",
        "Cookie, ",
        " ",
        ",",
        "*",
        "Accept, *",
        "ORIGIN",
        "X-Origin-Hint",
        "Cookie, origin",
        "Origin, Access-Control-Request-Method",
    ],
)
@pytest.mark.parametrize("tokens", [("Origin",), ("Origin", "Access-Control-Request-Method")])
def test_vary_shortcut_equals_merge_vary(existing: str, tokens: tuple[str, ...]) -> None:
    def split(value: str) -> list[str]:
        return [t.strip().lower() for t in value.split(",") if t.strip()]

    assert split(vary_value(existing, tokens)) == split(merge_vary((existing,), tokens))


def test_repr_names_the_rules_and_a_pending_reload(settings: Settings) -> None:
    settings.CORS_ALLOWED_ORIGINS = [APP]
    settings.CORS_URLS_REGEX = r"^/api/"
    cors = CORSMiddleware(_sync_view)
    assert repr(cors).startswith("<CORSMiddleware URLsRegexPolicies('^/api/', CORSPolicy(")
    settings.CORS_URLS_REGEX = r"^/v2/"  # rebuilt lazily, on the next request
    assert repr(cors) == "<CORSMiddleware None>"
    assert cors(RequestFactory().get("/v2/x", headers={"Origin": APP}))["Vary"] == "Origin"
    assert "'^/v2/'" in repr(cors)


def test_unknown_package_attribute_is_an_attribute_error() -> None:
    import corecors.adapters.django as package

    with pytest.raises(AttributeError, match="no_such_name"):
        package.no_such_name
