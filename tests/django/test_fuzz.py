"""The fuzz/property suite (tests/fuzzing.py) through the Django adapter, Django's Client:
the settings' policy (the middleware) and a ``@cross_origin`` view, each returning one
shared response object."""

from __future__ import annotations

import types

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path
from hypothesis import given
from hypothesis import strategies as st
from pytest_django import Settings

from corecors.adapters.django import cross_origin

from ..fuzzing import APP_VARY, FUZZ, POLICY, Sent, check, requests

SHARED = HttpResponse(b"shared", headers={"Vary": APP_VARY})
reached: list[str] = []


def shared(request: HttpRequest) -> HttpResponse:
    reached.append(request.method or "")
    return SHARED


urls = types.ModuleType("fuzz_urls")
urls.urlpatterns = [  # type: ignore[attr-defined]
    path("settings", shared),
    path("view", cross_origin(policy=POLICY)(shared)),
]


@pytest.mark.parametrize("route", ["/settings", "/view"])
@FUZZ
@given(batch=st.lists(requests(), min_size=1, max_size=3))
def test_hostile_requests_keep_the_invariants(
    route: str, batch: list[Sent], settings: Settings
) -> None:
    settings.ROOT_URLCONF = urls
    settings.CORECORS_POLICY = POLICY
    client = Client(raise_request_exception=False)
    for sent in batch:
        reached.clear()
        response = client.generic(sent.method, route, headers=sent.headers())
        check(POLICY, sent, response.status_code, response.items(), bool(reached))
