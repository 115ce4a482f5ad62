"""Settings for the real servers (gunicorn, uvicorn) started by test_servers.py.

The migrated django-cors-headers way: CORS_* settings only.
"""

from tests.django.settings import *  # noqa: F403

APP = "https://app.example.com"  # tests.conformance.APP

ALLOWED_HOSTS = ["127.0.0.1"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "corecors.adapters.django.CORSMiddleware",
    "django.middleware.common.CommonMiddleware",
]
CORS_ALLOWED_ORIGINS = [APP]
CORS_ALLOW_CREDENTIALS = True
CORS_ALLOW_HEADERS = ["content-type", "x-token"]
CORS_EXPOSE_HEADERS = ["X-Total"]
