"""The migration pages' code blocks run and do what their text says."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from corecors.adapters import flask_cors
from corecors.adapters.django.signals import check_request_enabled
from tests.docs import ROOT, python_blocks


def snippets(page: str) -> list[str]:
    return python_blocks((ROOT / "docs" / page).read_text(encoding="utf-8"))


def test_the_flask_cors_import_is_the_compatibility_module() -> None:
    (snippet,) = snippets("migrating-from-flask-cors.md")
    namespace: dict[str, Any] = {}
    exec(compile(snippet, "migrating-from-flask-cors.md", "exec"), namespace)
    assert namespace["CORS"] is flask_cors.CORS
    assert namespace["cross_origin"] is flask_cors.cross_origin


def test_the_django_settings_and_receiver_snippets() -> None:
    settings, defaults, receiver = snippets("migrating-from-django-cors-headers.md")
    namespace: dict[str, Any] = {}
    exec(compile(settings, "settings", "exec"), namespace)
    assert namespace["MIDDLEWARE"][0] == "corecors.adapters.django.CORSMiddleware"
    exec(compile(defaults, "defaults", "exec"), namespace)
    assert namespace["CORS_ALLOW_HEADERS"][-2:] == ("x-requested-with", "x-tenant")
    tenants = {"https://tenant.example"}
    found = SimpleNamespace(exists=lambda: True)
    missing = SimpleNamespace(exists=lambda: False)
    objects = SimpleNamespace(filter=lambda origin: found if origin in tenants else missing)
    namespace["Tenant"] = SimpleNamespace(objects=objects)
    exec(compile(receiver, "receiver", "exec"), namespace)
    allow = namespace["allow_tenant_origins"]
    try:
        request = SimpleNamespace(headers={"Origin": "https://tenant.example"})
        replies = check_request_enabled.send(sender=None, request=request)
        assert [reply for _, reply in replies] == [True]
    finally:
        check_request_enabled.disconnect(allow)
