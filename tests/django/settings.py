"""Django settings for the in-process tests (Client, AsyncClient, checks).

No CORS_* setting here: each test sets what it needs with pytest-django's
``settings`` fixture, which also exercises the middleware's reload on
``setting_changed``.
"""

SECRET_KEY = "corecors-tests-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
ROOT_URLCONF = "tests.django.urls"
USE_TZ = True
# contrib.auth and sessions only for the LoginRequiredMiddleware test; no database is used.
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "corecors.adapters.django",
]
DATABASES: dict[str, object] = {}
MIDDLEWARE = ["corecors.adapters.django.CORSMiddleware"]
LOGGING_CONFIG = None  # keep Django's error logging out of the test output
