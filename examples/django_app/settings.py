"""Django settings for the Items API: corecors reads django-cors-headers' setting names.

The allowed origins come from ``CORECORS_DEMO_ORIGINS`` (space separated) so the
demo and the tests can point the same settings at their own front end; the
default is the demo front end, http://localhost:3000.
"""

from __future__ import annotations

import os

from examples.items import ALLOW_HEADERS, ALLOW_METHODS, DEMO_ORIGINS, EXPOSE_HEADERS

SECRET_KEY = "corecors-demo-not-secret"  # an example, never deployed
DEBUG = False  # a 500 is Django's plain error page, decorated by the CORS middleware
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]
ROOT_URLCONF = "examples.django_app.urls"
USE_TZ = True
TIME_ZONE = None  # do not switch the process to Chicago time: log times stay local

INSTALLED_APPS = [
    "corecors.adapters.django",
]

# CORSMiddleware goes as high as possible: before anything that can answer
# early (CommonMiddleware redirects), so that every response gets its headers.
# No CsrfViewMiddleware: this JSON API is called with fetch() from another
# origin; only the listed origins can read its answers.
MIDDLEWARE = [
    "corecors.adapters.django.CORSMiddleware",
    "django.middleware.common.CommonMiddleware",
]

CORS_ALLOWED_ORIGINS = os.environ.get("CORECORS_DEMO_ORIGINS", " ".join(DEMO_ORIGINS)).split()
CORS_ALLOW_CREDENTIALS = True
CORS_ALLOW_METHODS = list(ALLOW_METHODS)
CORS_ALLOW_HEADERS = list(ALLOW_HEADERS)
CORS_EXPOSE_HEADERS = list(EXPOSE_HEADERS)
CORS_PREFLIGHT_MAX_AGE = 600  # as the other examples; django-cors-headers defaults to 86400
