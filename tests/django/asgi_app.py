"""ASGI entry point for uvicorn: ``tests.django.asgi_app:application``."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.django.server_settings")
application = get_asgi_application()
