"""The reference application of tests/conformance.py, as Django views."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse

from corecors.adapters.django import cross_origin
from tests.conformance import APP, EVIL, app_response
from tests.routes import VIEW_POLICIES

__all__ = ["APP", "EVIL"]


def reference(request: HttpRequest) -> HttpResponse:
    """Any path, any method: what ``app_response(path)`` says (tests/conformance.py)."""
    if request.path_info.startswith("/missing"):
        raise Http404("no such item")
    status, headers, body = app_response(request.path_info)
    response = HttpResponse(body, status=status)
    for name, value in headers:
        response[name] = value
    if request.COOKIES:
        response["X-Cookies"] = ",".join(sorted(request.COOKIES))
    return response


def explode(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("the view failed")


async def async_explode(request: HttpRequest) -> HttpResponse:
    await asyncio.sleep(0)
    raise RuntimeError("the async view failed")


async def async_reference(request: HttpRequest) -> HttpResponse:
    await asyncio.sleep(0)
    return reference(request)


def stream(request: HttpRequest) -> StreamingHttpResponse:
    def chunks() -> Iterator[bytes]:
        yield b"first\n"
        yield b"second\n"

    return StreamingHttpResponse(chunks(), content_type="text/plain")


# The views of tests/routes.py: "/group/view-<kind>", with the view-level policies.
def group_view(request: HttpRequest) -> HttpResponse:
    """A view of the route table; ``X-App`` says the view ran."""
    return HttpResponse(b"app", headers={"X-App": "1"})


group_view_open = cross_origin(policy=VIEW_POLICIES["open"])(group_view)
group_view_closed = cross_origin(policy=VIEW_POLICIES["closed"])(group_view)
