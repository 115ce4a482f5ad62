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
# CsrfViewMiddleware stays: CORS only decides who may *read* the answers, it
# never stops another site's form POST from reaching a view with the user's
# cookies. The JSON views that authenticate no one by cookie are @csrf_exempt
# (Django's advice); CORECORS_PROTECT_WRITES below still refuses cross-site
# writes to them. A view that does rely on the session cookie keeps the CSRF
# check: the page gets the token from GET /csrf and sends it as X-CSRFToken
# (docs/cookies-and-csrf.md).
MIDDLEWARE = [
    "corecors.adapters.django.CORSMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
]

CORS_ALLOWED_ORIGINS = os.environ.get("CORECORS_DEMO_ORIGINS", " ".join(DEMO_ORIGINS)).split()
CORS_ALLOW_CREDENTIALS = True
CORS_ALLOW_METHODS = list(ALLOW_METHODS)
CORS_ALLOW_HEADERS = [*ALLOW_HEADERS, "X-CSRFToken"]
CORS_EXPOSE_HEADERS = list(EXPOSE_HEADERS)
CORS_PREFLIGHT_MAX_AGE = 600  # as the other examples; django-cors-headers defaults to 86400

# Cross-origin writes: 403 before any view unless they come from the origins above
# (or the API's own pages); defence in depth for the @csrf_exempt views.
CORECORS_PROTECT_WRITES = True
# Django checks the Origin of every unsafe request against these: the same front ends.
CSRF_TRUSTED_ORIGINS = [origin for origin in CORS_ALLOWED_ORIGINS if not origin.endswith(":*")]
