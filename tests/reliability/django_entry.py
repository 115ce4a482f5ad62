"""Entry points for the Django soak site: ``wsgi`` for gunicorn, ``asgi`` for uvicorn."""

import os

from django.core.asgi import get_asgi_application
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.reliability.django_site")
wsgi = get_wsgi_application()
asgi = get_asgi_application()
