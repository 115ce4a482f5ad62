"""The reference application of tests/conformance.py, as Django views."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse

from tests.conformance import APP, EVIL, app_response

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
