"""django-cors-headers' default values, for a settings file (no Django setup needed).

``from corecors.adapters.django.defaults import default_headers, default_methods``
then, e.g., ``CORS_ALLOW_HEADERS = (*default_headers, "x-tenant")``. These are
the values of ``CORS_ALLOW_HEADERS`` and ``CORS_ALLOW_METHODS`` when unset,
as in django-cors-headers (the options schema,
``corecors.engine.SCHEMA``, holds each setting's default).
"""

from __future__ import annotations

from corecors.engine import DJANGO_ALLOW_HEADERS, DJANGO_ALLOW_METHODS

__all__ = ["default_headers", "default_methods"]

#: Request headers allowed when ``CORS_ALLOW_HEADERS`` is unset (lower-case names).
default_headers: tuple[str, ...] = DJANGO_ALLOW_HEADERS
#: Methods allowed when ``CORS_ALLOW_METHODS`` is unset.
default_methods: tuple[str, ...] = DJANGO_ALLOW_METHODS
