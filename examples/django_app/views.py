"""Views of the Items API: plain Django views returning JSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.views.decorators.csrf import csrf_exempt, ensure_csrf_cookie
from django.views.decorators.http import require_http_methods

from examples.items import (
    BACKEND_HEADER,
    COUNT_HEADER,
    SESSION_COOKIE,
    ItemError,
    ItemStore,
    Sessions,
    boom,
    parse_item,
)

store = ItemStore()
sessions = Sessions()

View = Callable[..., HttpResponse]


def json_errors(view: View) -> View:
    """Store refusals (duplicate, missing, invalid) as ``{"detail": ...}`` with their status."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except ItemError as exc:
            return JsonResponse({"detail": exc.detail}, status=exc.status)

    return wrapper


def body(request: HttpRequest) -> object:
    try:
        return json.loads(request.body)
    except ValueError:
        return None


def counted(data: dict[str, Any], status: int = 200) -> JsonResponse:
    response = JsonResponse(data, status=status)
    response[COUNT_HEADER] = str(len(store))
    response[BACKEND_HEADER] = "django"
    return response


# The item views authenticate no one by cookie: exempt from Django's CSRF check
# (CORECORS_PROTECT_WRITES still refuses forged cross-site writes to them).
@csrf_exempt
@require_http_methods(["POST"])
@json_errors
def create_item(request: HttpRequest) -> HttpResponse:
    return counted(store.create(parse_item(body(request))), status=201)


@csrf_exempt
@require_http_methods(["GET", "PUT", "DELETE"])
@json_errors
def item(request: HttpRequest, item_id: int) -> HttpResponse:
    if request.method == "PUT":
        return counted(store.update(parse_item(body(request), item_id)))
    if request.method == "DELETE":
        return counted(store.delete(item_id))
    return counted(store.get(item_id))


# Not exempt: it sets the session cookie, so Django's CSRF check applies (login
# CSRF); the page sends the token from GET /csrf as X-CSRFToken.
@require_http_methods(["POST"])
@json_errors
def login(request: HttpRequest) -> HttpResponse:
    session = sessions.login(body(request) if request.body else None)
    response = JsonResponse(session)
    response.set_cookie(SESSION_COOKIE, session["token"], httponly=True, samesite="Lax")
    return response


@require_http_methods(["GET"])
@json_errors
def me(request: HttpRequest) -> HttpResponse:
    return JsonResponse(
        sessions.whoami(request.headers.get("Authorization"), request.COOKIES.get(SESSION_COOKIE))
    )


@ensure_csrf_cookie
@require_http_methods(["GET"])
def csrf(request: HttpRequest) -> JsonResponse:
    """The CSRF token for a page on another origin, which cannot read the csrftoken
    cookie: send it back as the X-CSRFToken header on writes to cookie-authenticated
    views (credentials: "include")."""
    return JsonResponse({"csrfToken": get_token(request)})


@require_http_methods(["GET"])
def fail(request: HttpRequest) -> HttpResponse:
    boom()
    return HttpResponse()  # never reached
