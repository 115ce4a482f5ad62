"""The installed app: label ``corecors``; registers the system checks."""

from __future__ import annotations

from django.apps import AppConfig
from django.core import checks


class CoreCORSConfig(AppConfig):
    name = "corecors.adapters.django"
    label = "corecors"
    verbose_name = "corecors"

    def ready(self) -> None:
        from .checks import check_cors_settings

        # Registered in ready(), not at import, so that the checks exist only
        # when the app is installed; the security tag as django-cors-headers does.
        checks.register(check_cors_settings, checks.Tags.security)
