"""WSGI entry point for gunicorn: ``tests.django.wsgi_app:application``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.django.server_settings")
application = get_wsgi_application()
