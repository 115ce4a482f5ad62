"""Django's ``cross_origin``: one view with its own policy, with and without the middleware.

The decorated views (function, ``async def``, ``as_view()`` of a sync and of an
async class-based view, the shape of Django REST framework's ``APIView``) live
in the URLconf built here; every view records that it ran.
"""

from __future__ import annotations

import asyncio
import logging
import re
import types
import warnings

import pytest
from django.conf.urls.i18n import i18n_patterns
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.test import AsyncClient, Client
from django.urls import include, path, re_path
from django.views import View
from pytest_django import Settings

from corecors import CORSConfigError, CORSConfigWarning, CORSPolicy, PathPolicies
from corecors.adapters.django import cross_origin
from corecors.adapters.django.checks import check_cors_settings

APP = "https://app.example.com"
PARTNER = "https://partner.example.com"
ran: list[str] = []
PARTNER_ONLY = {
    "allow_origins": [PARTNER],
    "allow_credentials": True,
    "allow_methods": ["GET", "POST"],
    "max_age": 60,
}


@cross_origin(**PARTNER_ONLY)
def function_view(request: HttpRequest) -> HttpResponse:
    ran.append("function")
    if request.GET.get("fail"):
        raise RuntimeError("the view failed")
    return HttpResponse(b"function")


@cross_origin(**PARTNER_ONLY)
async def async_view(request: HttpRequest) -> HttpResponse:
    await asyncio.sleep(0)
    ran.append("async")
    if request.GET.get("fail"):
        raise RuntimeError("the async view failed")
    return HttpResponse(b"async")


class Widget(View):
    def get(self, request: HttpRequest) -> HttpResponse:
        ran.append("class")
        return HttpResponse(b"class")

    post = get


class AsyncWidget(View):
    async def get(self, request: HttpRequest) -> HttpResponse:
        ran.append("async-class")
        return HttpResponse(b"async-class")

    post = get


def plain(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"plain")


urlconf = types.ModuleType("cross_origin_urls")
urlconf.urlpatterns = [  # type: ignore[attr-defined]
    path("partner/function", function_view),
    path("partner/async", async_view),
    path("partner/class", cross_origin(**PARTNER_ONLY)(Widget.as_view())),
    path("partner/async-class", cross_origin(**PARTNER_ONLY)(AsyncWidget.as_view())),
    re_path(r"^.*$", plain),
]
VIEWS = ["function", "async", "class", "async-class"]
MIDDLEWARE = ["corecors.adapters.django.CORSMiddleware"]


@pytest.fixture(autouse=True)
def routes(settings: Settings) -> None:
    settings.ROOT_URLCONF = urlconf
    settings.CORECORS_POLICY = CORSPolicy(allow_origins=[APP])
    ran.clear()


def preflight(origin: str = PARTNER, method: str = "POST") -> dict[str, str]:
    return {"Origin": origin, "Access-Control-Request-Method": method}


def headers(response: HttpResponseBase) -> dict[str, str]:
    return {k.lower(): v for k, v in response.items()}


async def send(client: str, method: str, url: str, request: dict[str, str]) -> HttpResponseBase:
    if client == "sync":  # the WSGI handler, in a thread of its own as a WSGI server runs it
        client_ = Client(raise_request_exception=False)
        return await asyncio.to_thread(client_.generic, method, url, headers=request)
    return await AsyncClient(raise_request_exception=False).generic(method, url, headers=request)


@pytest.mark.asyncio
@pytest.mark.parametrize("client", ["sync", "async"])
@pytest.mark.parametrize("middleware", [True, False], ids=["middleware", "no-middleware"])
@pytest.mark.parametrize("view", VIEWS)
async def test_the_views_policy_replaces_the_settings(
    view: str, middleware: bool, client: str, settings: Settings
) -> None:
    settings.MIDDLEWARE = MIDDLEWARE if middleware else []
    url = f"/partner/{view}"
    pre = await send(client, "OPTIONS", url, preflight())
    assert pre.status_code == 200
    assert headers(pre)["access-control-allow-origin"] == PARTNER
    assert headers(pre)["access-control-allow-credentials"] == "true"
    assert headers(pre)["access-control-max-age"] == "60"
    refused = await send(client, "OPTIONS", url, preflight(APP))
    assert refused.status_code == 400
    assert refused.content.startswith(b"CORS preflight refused")
    assert not [name for name in headers(refused) if name.startswith("access-control-")]
    assert ran == []  # no preflight ran the view
    got = await send(client, "POST", url, {"Origin": PARTNER})
    assert got.status_code == 200
    assert headers(got)["access-control-allow-origin"] == PARTNER
    assert headers(got)["vary"] == "Origin"
    assert len([name for name, _ in got.items() if name.lower() == "vary"]) == 1
    # The settings allow APP everywhere else; the view's policy does not.
    from_app = await send(client, "GET", url, {"Origin": APP})
    assert "access-control-allow-origin" not in headers(from_app)
    assert headers(from_app)["vary"] == "Origin"
    assert ran == [view, view]
    elsewhere = await send(client, "GET", "/plain", {"Origin": APP})
    assert headers(elsewhere).get("access-control-allow-origin") == (APP if middleware else None)


@pytest.mark.asyncio
@pytest.mark.parametrize("client", ["sync", "async"])
@pytest.mark.parametrize("view", ["function", "async"])
async def test_error_pages_keep_the_views_policy_with_the_middleware(
    view: str, client: str
) -> None:
    response = await send(client, "GET", f"/partner/{view}?fail=1", {"Origin": PARTNER})
    assert response.status_code == 500
    assert headers(response)["access-control-allow-origin"] == PARTNER
    assert headers(response)["access-control-allow-credentials"] == "true"


@pytest.mark.parametrize(
    "policy",
    [
        PathPolicies([("/partner/*", None), ("/*", CORSPolicy(allow_origins=[APP]))]),
        PathPolicies([("/other/*", CORSPolicy(allow_origins=[APP]))]),
    ],
    ids=["carved-out", "not-covered"],
)
def test_a_decorated_view_gets_its_policy_where_the_settings_give_none(
    policy: PathPolicies, settings: Settings
) -> None:
    settings.CORECORS_POLICY = policy
    client = Client()
    assert client.options("/partner/function", headers=preflight()).status_code == 200
    got = client.get("/partner/function", headers={"Origin": PARTNER})
    assert got["Access-Control-Allow-Origin"] == PARTNER
    assert ran == ["function"]


def test_a_decorated_view_under_a_script_prefix(settings: Settings) -> None:
    """The middleware resolves ``request.path_info``, below the script prefix."""
    settings.FORCE_SCRIPT_NAME = "/api"
    response = Client().get("/partner/function", headers={"Origin": PARTNER}, SCRIPT_NAME="/api")
    assert response["Access-Control-Allow-Origin"] == PARTNER


@pytest.mark.asyncio
@pytest.mark.parametrize("client", ["sync", "async"])
@pytest.mark.parametrize("middleware", [True, False], ids=["middleware", "no-middleware"])
async def test_without_origin_a_decorated_view_varies_on_origin_once(
    middleware: bool, client: str, settings: Settings
) -> None:
    settings.MIDDLEWARE = MIDDLEWARE if middleware else []
    response = await send(client, "GET", "/partner/function", {})
    assert [value for name, value in response.items() if name.lower() == "vary"] == ["Origin"]
    assert not [name for name in headers(response) if name.startswith("access-control-")]


def test_many_distinct_paths_keep_their_views_policy() -> None:
    """More distinct paths than the middleware remembers: each still gets its view's policy."""
    client = Client()
    for round_ in range(2):
        for item in range(300):
            plain_page = client.get(f"/plain/{item}", headers={"Origin": APP})
            assert plain_page["Access-Control-Allow-Origin"] == APP, (round_, item)
            partner = client.get("/partner/function", headers={"Origin": PARTNER})
            assert partner["Access-Control-Allow-Origin"] == PARTNER, (round_, item)


def test_a_urlconf_without_decorated_views_is_left_to_the_settings(settings: Settings) -> None:
    undecorated = types.ModuleType("undecorated")
    undecorated.urlpatterns = [  # type: ignore[attr-defined]
        path("nested/", include([path("plain", plain)])),
        re_path(r"^.*$", plain),
    ]
    settings.ROOT_URLCONF = undecorated
    for url in ("/nested/plain", "/partner/function"):
        got = Client().get(url, headers={"Origin": APP})
        assert got["Access-Control-Allow-Origin"] == APP, url
        assert "Access-Control-Allow-Origin" not in Client().get(url, headers={"Origin": PARTNER})


def test_a_path_without_a_view_gets_the_settings_policy(settings: Settings) -> None:
    no_catch_all = types.ModuleType("no_catch_all")
    no_catch_all.urlpatterns = [path("partner/function", function_view)]  # type: ignore[attr-defined]
    settings.ROOT_URLCONF = no_catch_all
    missing = Client().get("/missing", headers={"Origin": APP})
    assert missing.status_code == 404
    assert missing["Access-Control-Allow-Origin"] == APP


@pytest.mark.parametrize("prefix_default_language", [True, False])
def test_a_decorated_view_under_i18n_patterns_in_every_language(
    prefix_default_language: bool, settings: Settings
) -> None:
    """The middleware runs before LocaleMiddleware: ``/fr/...`` still finds its view."""
    localized = types.ModuleType(f"localized_{prefix_default_language}")
    localized.urlpatterns = [  # type: ignore[attr-defined]
        *i18n_patterns(
            path("partner/function", function_view),
            prefix_default_language=prefix_default_language,
        ),
        re_path(r"^.*$", plain),
    ]
    settings.ROOT_URLCONF = localized
    settings.LANGUAGE_CODE = "en"
    settings.LANGUAGES = [("en", "English"), ("fr", "French")]
    settings.MIDDLEWARE = [*MIDDLEWARE, "django.middleware.locale.LocaleMiddleware"]
    english = "/en/partner/function" if prefix_default_language else "/partner/function"
    client = Client()
    for url in ("/fr/partner/function", english, "/fr/partner/function"):
        pre = client.options(url, headers=preflight())
        assert pre.status_code == 200, url
        assert pre["Access-Control-Allow-Origin"] == PARTNER
        assert client.options(url, headers=preflight(APP)).status_code == 400, url
        got = client.get(url, headers={"Origin": APP})
        assert "Access-Control-Allow-Origin" not in got, url
    assert ran == ["function", "function", "function"]


@pytest.mark.asyncio
@pytest.mark.parametrize("client", ["sync", "async"])
@pytest.mark.parametrize("middleware", [True, False], ids=["middleware", "no-middleware"])
async def test_each_refusal_is_logged_once(
    middleware: bool, client: str, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    # Without the middleware a decorated view's refusals were never logged; with
    # it, the view leaves the decision (and its line) to the middleware.
    settings.MIDDLEWARE = MIDDLEWARE if middleware else []
    caplog.set_level(logging.DEBUG, logger="corecors")
    for request in (preflight(APP), {"Origin": APP}):
        caplog.clear()
        method = "OPTIONS" if "Access-Control-Request-Method" in request else "GET"
        await send(client, method, "/partner/function", request)
        lines = [r.getMessage() for r in caplog.records if r.name == "corecors"]
        assert len(lines) == 1, lines
        assert lines[0].startswith(f"CORS {'preflight' if method == 'OPTIONS' else 'request'}")
        assert "'https://app.example.com' is not allowed" in lines[0]
    caplog.clear()
    await send(client, "GET", "/partner/function", {"Origin": PARTNER})  # allowed: no line
    assert not [r for r in caplog.records if r.name == "corecors"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"allowed_origins": [PARTNER]}, "allowed_origins=.*rename it allow_origins"),
        ({"origins": [PARTNER]}, "rename it allow_origins"),
        # Passed the check and died with "got multiple values for keyword argument".
        ({"vocabulary": str.upper}, "vocabulary=.*is set by the adapter.*remove it"),
        ({"zzz": 1}, "zzz=1.*use policy= or one of allow_origins, "),
        ({"allow_origins": ["partner.example.com"]}, "allow_origins='partner.example.com'"),
        ({"policy": PathPolicies([])}, "must be a CORSPolicy on a view"),
        ({"policy": CORSPolicy(allow_origins=[PARTNER]), "max_age": 5}, "not both"),
    ],
)
def test_bad_options_fail_when_decorating(options: dict[str, object], message: str) -> None:
    with pytest.raises(CORSConfigError, match=message):
        cross_origin(**options)  # type: ignore[arg-type]


def test_system_checks_report_decorated_policies(settings: Settings) -> None:
    with pytest.warns(CORSConfigWarning):
        risky = cross_origin(allow_origins=["*"], allow_credentials=True)(plain)
    risky_urls = types.ModuleType("risky_urls")
    risky_urls.urlpatterns = [  # type: ignore[attr-defined]
        path("nested/", include([path("open", risky), path("plain", plain)])),
    ]
    settings.ROOT_URLCONF = risky_urls
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        messages = check_cors_settings()
    found = [m for m in messages if "@cross_origin" in str(m.obj)]
    assert len(found) == 1
    assert found[0].id == "corecors.W001"
    assert re.search(r"allow_origins=\.\.\.\) on .*test_cross_origin\.plain", str(found[0].obj))
    settings.ROOT_URLCONF = urlconf  # the views decorated above: no problem to report
    assert not [m for m in check_cors_settings() if "@cross_origin" in str(m.obj)]


def test_system_checks_name_a_class_based_view_by_its_class(settings: Settings) -> None:
    with pytest.warns(CORSConfigWarning):
        risky = cross_origin(allow_origins=["*"], allow_credentials=True)(Widget.as_view())
    risky_urls = types.ModuleType("risky_urls")
    risky_urls.urlpatterns = [path("open", risky)]  # type: ignore[attr-defined]
    settings.ROOT_URLCONF = risky_urls
    found = [m for m in check_cors_settings() if "@cross_origin" in str(m.obj)]
    assert [str(m.obj).rsplit(" ", 1)[1] for m in found] == [f"{__name__}.Widget"]


def test_a_broken_urlconf_is_left_to_djangos_own_checks(settings: Settings) -> None:
    settings.ROOT_URLCONF = "tests.django.no_such_urls"
    assert not [m for m in check_cors_settings() if "@cross_origin" in str(m.obj)]


def test_cross_origin_without_parentheses_or_with_a_positional_origin_says_how() -> None:
    with pytest.raises(CORSConfigError, match=r"cross_origin=.*without parentheses"):
        cross_origin(plain)
    with pytest.raises(CORSConfigError, match=r"by position.*allow_origins=\[\.\.\.\]"):
        cross_origin(PARTNER)
