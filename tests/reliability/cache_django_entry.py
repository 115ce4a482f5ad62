"""gunicorn entry point: ``tests.reliability.cache_django_entry:application``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.reliability.cache_django")
application = get_wsgi_application()
