"""The projects a user would write, one per framework, with the CORS options given.

``options`` is Python source for the CORS keyword arguments (FastAPI, Flask) or
the settings lines (Django), exactly as a user would type them.
"""

from __future__ import annotations

from pathlib import Path

from .console import FRONT_END

GOOD_OPTIONS = f"allow_origins=[{FRONT_END!r}]"
GOOD_SETTINGS = f"CORS_ALLOWED_ORIGINS = [{FRONT_END!r}]"


def fastapi(
    directory: Path, options: str = GOOD_OPTIONS, debug: bool = False, extra: str = ""
) -> Path:
    """``main.py``: the README's FastAPI snippet (``app.add_middleware``); ``extra``
    (source) goes first."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "main.py").write_text(
        f"{extra}\n"
        "from fastapi import FastAPI\n\n"
        "from corecors.adapters.asgi import CORSMiddleware\n\n"
        f"app = FastAPI({'debug=True' if debug else ''})\n"
        f"app.add_middleware(CORSMiddleware, {options})\n\n\n"
        '@app.get("/todos")\n'
        "def todos() -> list[str]:\n"
        "    return []\n"
    )
    return directory


def flask(directory: Path, options: str = GOOD_OPTIONS) -> Path:
    """``app.py``: a Flask app with ``CORS(app, ...)``."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "app.py").write_text(
        "from flask import Flask\n\n"
        "from corecors.adapters.flask import CORS\n\n"
        "app = Flask(__name__)\n"
        f"CORS(app, {options})\n\n\n"
        '@app.get("/todos")\n'
        "def todos() -> list[str]:\n"
        "    return []\n"
    )
    return directory


def django(
    directory: Path, cors_settings: str = GOOD_SETTINGS, debug: bool = False, extra: str = ""
) -> Path:
    """A project as ``django-admin startproject`` lays it out, trimmed to what CORS needs."""
    package = directory / "project"
    package.mkdir(parents=True, exist_ok=True)
    (directory / "manage.py").write_text(
        "import os\nimport sys\n\n"
        'if __name__ == "__main__":\n'
        '    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")\n'
        "    from django.core.management import execute_from_command_line\n\n"
        "    execute_from_command_line(sys.argv)\n"
    )
    (package / "__init__.py").write_text("")
    (package / "settings.py").write_text(
        'SECRET_KEY = "not-secret"\n'
        f"DEBUG = {debug}\n"
        'ALLOWED_HOSTS = ["127.0.0.1", "localhost"]\n'
        'ROOT_URLCONF = "project.urls"\n'
        'INSTALLED_APPS = ["corecors.adapters.django"]\n'
        "MIDDLEWARE = [\n"
        '    "django.middleware.security.SecurityMiddleware",\n'
        '    "corecors.adapters.django.CORSMiddleware",\n'
        '    "django.middleware.common.CommonMiddleware",\n'
        "]\n"
        "DATABASES = {}\n"
        f"{cors_settings}\n{extra}"
    )
    (package / "urls.py").write_text(
        "from django.http import JsonResponse\n"
        "from django.urls import path\n\n"
        'urlpatterns = [path("todos", lambda request: JsonResponse([], safe=False))]\n'
    )
    (package / "wsgi.py").write_text(
        "import os\n\n"
        "from django.core.wsgi import get_wsgi_application\n\n"
        'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")\n'
        "application = get_wsgi_application()\n"
    )
    return directory
