"""The Items API in Django, with corecors' Django middleware (see ``settings.py``).

Django settings are per process, so the factory configures the process it runs
in: call it once, before anything else touches ``django.conf.settings``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from examples.items import DEMO_ORIGINS

SETTINGS_MODULE = "examples.django_app.settings"


def create_app(allow_origins: Sequence[str] = DEMO_ORIGINS, interface: str = "wsgi") -> Any:
    """The WSGI or ASGI (``interface="asgi"``) application allowing ``allow_origins``."""
    # settings.py reads the origins from the environment when Django first loads it.
    os.environ["CORECORS_DEMO_ORIGINS"] = " ".join(allow_origins)
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS_MODULE
    from django.conf import settings

    if settings.configured and list(settings.CORS_ALLOWED_ORIGINS) != list(allow_origins):
        raise RuntimeError(
            "Django settings are already loaded in this process with other origins; "
            "run each Django configuration in its own process"
        )
    if interface == "asgi":
        from django.core.asgi import get_asgi_application

        return get_asgi_application()
    if interface == "wsgi":
        from django.core.wsgi import get_wsgi_application

        return get_wsgi_application()
    raise ValueError(f"interface must be 'wsgi' or 'asgi', not {interface!r}")
