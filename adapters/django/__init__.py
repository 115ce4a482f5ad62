"""Django integration: an installed app and a middleware.

A django-cors-headers project switches by changing two lines of settings::

    INSTALLED_APPS = [..., "corecors.adapters.django", ...]          # was "corsheaders"
    MIDDLEWARE = ["corecors.adapters.django.CORSMiddleware", ...]     # was CorsMiddleware

Its ``CORS_*`` settings keep working with the same defaults (see ``conf``);
``CORECORS_POLICY`` (a ``CORSPolicy``/``PathPolicies`` or a dotted path to one)
gives full control. ``manage.py check`` reports configuration problems with
stable ids (see ``checks``).

``cross_origin`` gives one view its own policy, which replaces the settings' on that view.

Importing this package needs no configured settings: the middleware is imported
lazily, and settings are read only when Django builds the middleware.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

try:
    import django  # noqa: F401  (only to fail early with a helpful message)
except ImportError as exc:  # pragma: no cover - exercised in an environment without Django
    raise ImportError(
        'corecors.adapters.django needs Django; install it with: pip install "corecors[django]"'
    ) from exc

if TYPE_CHECKING:
    from ._decorators import cross_origin
    from .middleware import CORSMiddleware, invalidate, reconfigure

__all__ = ["CORSMiddleware", "cross_origin", "invalidate", "reconfigure"]


def __getattr__(name: str) -> Any:
    # Lazy, so that Django can import the app package (INSTALLED_APPS) before
    # anything else is ready, and importing it never touches settings.
    if name in ("CORSMiddleware", "invalidate", "reconfigure"):
        from . import middleware

        return getattr(middleware, name)
    if name == "cross_origin":
        from ._decorators import cross_origin

        return cross_origin
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
