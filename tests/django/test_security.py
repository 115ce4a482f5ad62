"""Issue 23, items 4 and 5 (Django): a view's policy governs wherever Django routes
it, and no response carries a previous request's grant.

- Item 5: a middleware below corecors that routes by host (the django-hosts /
  django-tenants pattern) sets ``request.urlconf``; 0.2 resolved
  ``ROOT_URLCONF``, found no decorated view and answered with the settings'
  policy: origin A, refused by the partner-only view, got its preflight 200 and
  ``Access-Control-Allow-Origin: A`` on the credentialed GET.
- Item 4: a view returning one shared response object kept request 1's
  ``Access-Control-Allow-Origin`` and ``-Allow-Credentials`` for later refused
  and Origin-less requests.

Django's real test clients (the WSGI and the ASGI handler).
"""

from __future__ import annotations

import asyncio
import threading
import types
import weakref
from collections.abc import Callable

import pytest
from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.test import AsyncClient, Client
from django.urls import path
from pytest_django import Settings

from corecors import CORSConfigError
from corecors.adapters.django import _decorators, cross_origin
from corecors.adapters.django.conf import load_policy

APP = "https://app.example.com"
PARTNER = "https://partner.example.com"
EVIL = "https://evil.example.org"
CORECORS = "corecors.adapters.django.CORSMiddleware"
PARTNER_ONLY = {"allow_origins": [PARTNER], "allow_credentials": True, "allow_methods": ["DELETE"]}


@cross_origin(**PARTNER_ONLY)
def partner_data(request: HttpRequest) -> HttpResponse:
    if request.GET.get("fail"):
        raise RuntimeError("the partner view failed")
    return HttpResponse(b"partner-only data")


def plain(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"plain")


# The partner host's URLconf, reached only through request.urlconf.
partner_urls = types.ModuleType("partner_urls")
partner_urls.urlpatterns = [  # type: ignore[attr-defined]
    path("data", partner_data),
    path("plain", plain),
    path("login", partner_data),
]
root_urls = types.ModuleType("root_urls")
root_urls.urlpatterns = [path("data", plain), path("plain", plain)]  # type: ignore[attr-defined]


class HostRouting:
    """Below corecors: the partner tenant gets its own URLconf (django-hosts' and
    django-tenants' way; by a header here, as the test clients set no other host)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.headers.get("X-Tenant") == "partner":  # a host, in django-hosts
            request.urlconf = partner_urls  # type: ignore[attr-defined]
        if request.path == "/early":  # answers before any routing
            return HttpResponse(b"early", status=401)
        return self.get_response(request)


class LoginRequired:
    """Below corecors: a process_view answer before the view (Django's
    LoginRequiredMiddleware works this way)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: object, *args: object
    ) -> HttpResponse | None:
        if request.path == "/login":
            return HttpResponse(b"log in first", status=401)
        return None


MODULE = __name__


@pytest.fixture
def routed(settings: Settings) -> None:
    settings.ROOT_URLCONF = root_urls
    settings.MIDDLEWARE = [CORECORS, f"{MODULE}.HostRouting", f"{MODULE}.LoginRequired"]
    settings.CORS_ALLOWED_ORIGINS = [APP]
    settings.CORS_ALLOW_CREDENTIALS = True
    settings.CORS_ALLOW_METHODS = ["GET", "DELETE"]


def preflight(origin: str) -> dict[str, str]:
    return {"Origin": origin, "Access-Control-Request-Method": "DELETE"}


def grants(response: HttpResponseBase) -> dict[str, str]:
    return {k.lower(): v for k, v in response.items() if k.lower().startswith("access-control-")}


async def send(client: str, method: str, url: str, headers: dict[str, str]) -> HttpResponseBase:
    headers = {**headers, "X-Tenant": "partner"}
    if client == "sync":
        sync = Client(raise_request_exception=False)
        return await asyncio.to_thread(sync.generic, method, url, headers=headers)
    asynchronous = AsyncClient(raise_request_exception=False)
    return await asynchronous.generic(method, url, headers=headers)


@pytest.mark.asyncio
@pytest.mark.parametrize("client", ["sync", "async"])
@pytest.mark.usefixtures("routed")
async def test_a_view_behind_request_urlconf_keeps_its_policy(client: str) -> None:
    refused = await send(client, "OPTIONS", "/data", preflight(APP))
    assert refused.status_code == 400
    assert grants(refused) == {}
    allowed = await send(client, "OPTIONS", "/data", preflight(PARTNER))
    assert allowed.status_code == 200
    assert grants(allowed)["access-control-allow-origin"] == PARTNER
    from_app = await send(client, "GET", "/data", {"Origin": APP})
    assert from_app.content == b"partner-only data"  # the view runs; the browser hides it
    assert grants(from_app) == {}
    assert from_app["Vary"] == "Origin"
    from_partner = await send(client, "GET", "/data", {"Origin": PARTNER})
    assert grants(from_partner) == {
        "access-control-allow-origin": PARTNER,
        "access-control-allow-credentials": "true",
    }
    failed = await send(client, "GET", "/data?fail=1", {"Origin": PARTNER})
    assert failed.status_code == 500
    assert grants(failed)["access-control-allow-origin"] == PARTNER


@pytest.mark.asyncio
@pytest.mark.parametrize("client", ["sync", "async"])
@pytest.mark.usefixtures("routed")
async def test_answers_before_the_view_get_the_views_policy(client: str) -> None:
    # A process_view below corecors answers 401 for the decorated view.
    for_partner = await send(client, "GET", "/login", {"Origin": PARTNER})
    assert for_partner.status_code == 401
    assert grants(for_partner)["access-control-allow-origin"] == PARTNER
    for_app = await send(client, "GET", "/login", {"Origin": APP})
    assert for_app.status_code == 401
    assert grants(for_app) == {}
    # Its preflight is answered before that middleware, with the view's policy.
    assert (await send(client, "OPTIONS", "/login", preflight(PARTNER))).status_code == 200
    assert (await send(client, "OPTIONS", "/login", preflight(APP))).status_code == 400


@pytest.mark.asyncio
@pytest.mark.parametrize("client", ["sync", "async"])
@pytest.mark.usefixtures("routed")
async def test_other_routes_keep_the_settings_policy(client: str) -> None:
    # An undecorated view behind request.urlconf: the settings decide its preflight.
    app_preflight = await send(client, "OPTIONS", "/plain", preflight(APP))
    assert app_preflight.status_code == 200
    assert grants(app_preflight)["access-control-allow-origin"] == APP
    assert (await send(client, "OPTIONS", "/plain", preflight(PARTNER))).status_code == 400
    # A layer answering before Django routes: the preflight still gets the settings' answer.
    early = await send(client, "OPTIONS", "/early", preflight(APP))
    assert early.status_code == 200
    assert early.content == b"OK"
    missing = await send(client, "OPTIONS", "/missing", preflight(EVIL))
    assert missing.status_code == 400
    got = await send(client, "GET", "/plain", {"Origin": APP})
    assert grants(got)["access-control-allow-origin"] == APP
    # OPTIONS that is no preflight reaches the view, under its policy.
    options = await send(client, "OPTIONS", "/data", {"Origin": PARTNER})
    assert grants(options)["access-control-allow-origin"] == PARTNER


# Item 4: one response object for every request.
SHARED = HttpResponse(b"shared", headers={"Vary": "Cookie"})


def shared(request: HttpRequest) -> HttpResponse:
    return SHARED


shared_urls = types.ModuleType("shared_urls")
shared_urls.urlpatterns = [  # type: ignore[attr-defined]
    path("settings", shared),
    path("view", cross_origin(allow_origins=[APP], allow_credentials=True)(shared)),
]


@pytest.mark.parametrize(
    ("where", "middleware"),
    [("settings", True), ("view", True), ("view", False)],
    ids=["settings-policy", "view-policy", "view-policy-no-middleware"],
)
def test_a_shared_response_never_carries_a_previous_grant(
    where: str, middleware: bool, settings: Settings
) -> None:
    settings.ROOT_URLCONF = shared_urls
    settings.MIDDLEWARE = [CORECORS] if middleware else []
    settings.CORS_ALLOWED_ORIGINS = [APP]
    settings.CORS_ALLOW_CREDENTIALS = True
    client = Client()
    for _ in range(2):
        allowed = client.get(f"/{where}", headers={"Origin": APP})
        assert grants(allowed) == {
            "access-control-allow-origin": APP,
            "access-control-allow-credentials": "true",
        }
        assert allowed["Vary"] == "Cookie, Origin"
        for headers in ({"Origin": EVIL}, {}, {"Origin": "null"}):
            later = client.get(f"/{where}", headers=headers)
            assert later.content == b"shared"
            assert grants(later) == {}, headers
            assert later["Vary"] == "Cookie, Origin"
    assert SHARED["Vary"] in ("Cookie", "Cookie, Origin")  # the first request's, never more


def test_concurrent_requests_get_only_their_own_grant(settings: Settings) -> None:
    settings.ROOT_URLCONF = shared_urls
    settings.MIDDLEWARE = [CORECORS]
    settings.CORS_ALLOWED_ORIGINS = [APP, PARTNER]
    settings.CORS_ALLOW_CREDENTIALS = True
    wrong: list[tuple[str | None, str | None]] = []

    def hammer(origin: str | None) -> None:
        client = Client()
        for _ in range(60):
            response = client.get("/settings", headers={"Origin": origin} if origin else {})
            granted = response.get("Access-Control-Allow-Origin")
            expected = origin if origin in (APP, PARTNER) else None
            if granted != expected:
                wrong.append((origin, granted))

    threads = [threading.Thread(target=hammer, args=(o,)) for o in (APP, PARTNER, EVIL, None)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert wrong == []


# Item 3, Django's vocabulary.
def test_a_catastrophic_regex_setting_is_named_as_a_setting(settings: Settings) -> None:
    settings.CORS_ALLOWED_ORIGIN_REGEXES = [r"https://([a-z0-9]+-?)*[a-z0-9]+\.example\.com"]
    with pytest.raises(CORSConfigError) as raised:
        load_policy()
    text = str(raised.value)
    assert "CORS_ALLOWED_ORIGIN_REGEXES=" in text
    assert "exponentially many ways" in text
    assert r"r'https://(?>([a-z0-9]+-?))*[a-z0-9]+\.example\.com'" in text


seen_below: list[str] = []


class Recorder:
    """Below corecors: records every request that reaches it (sync and async)."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        seen_below.append(request.method or "")
        return self.get_response(request)


@pytest.mark.asyncio
@pytest.mark.parametrize("client", ["sync", "async"])
async def test_preflights_end_in_the_middleware_when_every_view_is_routed_by_the_root(
    client: str, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only decorated views outside ROOT_URLCONF make preflights wait for routing;
    the test session has many, so this test starts from none."""
    monkeypatch.setattr(_decorators, "_views", weakref.WeakSet())
    settings.ROOT_URLCONF = root_urls
    settings.MIDDLEWARE = [CORECORS, f"{MODULE}.Recorder"]
    settings.CORS_ALLOWED_ORIGINS = [APP]
    seen_below.clear()
    answered = await send(client, "OPTIONS", "/plain", preflight(APP))
    assert answered.status_code == 200
    assert (await send(client, "OPTIONS", "/plain", preflight(EVIL))).status_code == 400
    assert seen_below == []
    await send(client, "GET", "/plain", {"Origin": APP})
    assert seen_below == ["GET"]


APP_OWN = HttpResponse(b"own", headers={"Access-Control-Allow-Origin": "https://own.example"})


def own(request: HttpRequest) -> HttpResponse:
    return APP_OWN


own_urls = types.ModuleType("own_urls")
own_urls.urlpatterns = [path("own", own)]  # type: ignore[attr-defined]


def test_a_shared_response_gets_its_own_headers_back(settings: Settings) -> None:
    settings.ROOT_URLCONF = own_urls
    settings.CORS_ALLOWED_ORIGINS = [APP]
    client = Client()
    assert client.get("/own", headers={"Origin": APP})["Access-Control-Allow-Origin"] == APP
    refused = client.get("/own", headers={"Origin": EVIL})
    assert refused["Access-Control-Allow-Origin"] == "https://own.example"  # the app's own
    # The view changes the shared object's header itself: its value stands.
    APP_OWN["Access-Control-Allow-Origin"] = "https://changed.example"
    changed = client.get("/own", headers={"Origin": EVIL})
    assert changed["Access-Control-Allow-Origin"] == "https://changed.example"


def test_a_public_policy_on_a_shared_response(settings: Settings) -> None:
    settings.ROOT_URLCONF = shared_urls
    settings.CORS_ALLOW_ALL_ORIGINS = True
    settings.CORS_ALLOWED_ORIGINS = []
    client = Client()
    for headers in ({"Origin": APP}, {}, {"Origin": EVIL}):
        response = client.get("/settings", headers=headers)
        assert grants(response) == {"access-control-allow-origin": "*"}
        assert response["Vary"] in ("Cookie", "Cookie, Origin")


def test_manage_py_check_reports_a_catastrophic_regex(settings: Settings) -> None:
    from corecors.adapters.django.checks import check_cors_settings

    settings.CORS_ALLOWED_ORIGIN_REGEXES = [r"https://(\w+-?)+\.example\.com"]
    (message,) = [m for m in check_cors_settings() if m.id == "corecors.E004"]
    assert message.obj == "CORS_ALLOWED_ORIGIN_REGEXES"
    assert "exponentially many ways" in message.msg
    assert "(?>" in (message.hint or "")


PUBLIC_SHARED = HttpResponse(b"public", headers={"Vary": "Cookie"})
VARYING = HttpResponse(b"varying")


def public_shared(request: HttpRequest) -> HttpResponse:
    return PUBLIC_SHARED


def varying(request: HttpRequest) -> HttpResponse:
    return VARYING


fresh_urls = types.ModuleType("fresh_urls")
fresh_urls.urlpatterns = [  # type: ignore[attr-defined]
    path("public", public_shared),
    path("varying", varying),
]


def test_a_shared_response_first_decorated_by_a_public_policy(settings: Settings) -> None:
    settings.ROOT_URLCONF = fresh_urls
    settings.CORS_ALLOW_ALL_ORIGINS = True
    client = Client()
    for headers in ({"Origin": APP}, {}, {"Origin": EVIL}):
        response = client.get("/public", headers=headers)
        assert grants(response) == {"access-control-allow-origin": "*"}
        assert response["Vary"] == "Cookie"


def test_a_vary_the_view_changed_on_its_shared_response_stands(settings: Settings) -> None:
    settings.ROOT_URLCONF = fresh_urls
    settings.CORS_ALLOWED_ORIGINS = [APP]
    client = Client()
    assert client.get("/varying", headers={"Origin": APP})["Vary"] == "Origin"
    VARYING["Vary"] = "Accept-Language"  # the view changes it for later requests
    assert client.get("/varying")["Vary"] == "Accept-Language, Origin"
    assert client.get("/varying", headers={"Origin": EVIL})["Vary"] == "Accept-Language, Origin"
