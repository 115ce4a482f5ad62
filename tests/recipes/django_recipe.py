"""Run docs/dynamic-origins.md's Django recipe against one database, in a process of
its own (``python -m tests.recipes.django_recipe DATABASE``: ``sqlite:PATH`` or a
``postgresql://`` URL), through Django's own test clients; prints one JSON line."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any
from urllib.parse import urlsplit

import django
from django.conf import settings

NEW = "https://app.customer.com"


def database(url: str) -> dict[str, Any]:
    if url.startswith("sqlite:"):
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": url.removeprefix("sqlite:")}
    parts = urlsplit(url)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": parts.path.lstrip("/"),
        "USER": parts.username,
        "HOST": parts.hostname,
        "PORT": parts.port,
    }


def main(url: str) -> dict[str, Any]:
    settings.configure(
        DEBUG=False,
        ALLOWED_HOSTS=["testserver"],
        DATABASES={"default": database(url)},
        INSTALLED_APPS=["corecors.adapters.django", "tests.recipes.origins"],
        MIDDLEWARE=["corecors.adapters.django.CORSMiddleware"],
        ROOT_URLCONF="tests.recipes.django_recipe",
        CORECORS_POLICY="tests.recipes.origins.models.policy",
    )
    django.setup()
    from django.db import connection
    from django.test import AsyncClient, Client, override_settings

    from corecors import CORSPolicy
    from tests.recipes.origins.models import AllowedOrigin, allowed_async

    with connection.schema_editor() as editor:
        editor.create_model(AllowedOrigin)
    client = Client()

    def granted() -> str | None:
        return client.get("/", headers={"origin": NEW}).headers.get("Access-Control-Allow-Origin")

    results: dict[str, Any] = {"before": granted()}
    row = AllowedOrigin.objects.create(origin=NEW)  # the signal drops the kept refusal
    results["added"] = granted()
    row.delete()
    results["removed"] = granted()
    with override_settings(CORECORS_POLICY=CORSPolicy(allow_origin_func=allowed_async)):

        async def asgi() -> list[str | None]:
            async_client = AsyncClient()
            answers = []
            for step in ("before", "add", "remove"):
                if step == "add":
                    await AllowedOrigin.objects.acreate(origin=NEW)
                elif step == "remove":
                    await AllowedOrigin.objects.filter(origin=NEW).adelete()
                response = await async_client.get("/", headers={"origin": NEW})
                answers.append(response.headers.get("Access-Control-Allow-Origin"))
            return answers

        results["asgi"] = asyncio.run(asgi())
    results["vendor"] = connection.vendor
    return results


def view(request: Any) -> Any:
    from django.http import HttpResponse

    return HttpResponse("ok")


urlpatterns: list[Any] = []
if settings.configured:  # imported by Django as the URLconf
    from django.urls import path

    urlpatterns = [path("", view)]


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))
