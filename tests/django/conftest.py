"""Configure Django for this directory only, without DJANGO_SETTINGS_MODULE.

``settings.configure()`` rather than the environment variable: a variable would
leak into every subprocess of the session (the example apps' servers set their
own with ``os.environ.setdefault``). Other test directories never touch Django.
"""

from __future__ import annotations

import django
import pytest
from django.conf import settings

from corecors.adapters._cookie_watch import CookieWatch
from corecors.engine._memo import RefusalLog
from tests.django import settings as test_settings

if not settings.configured:
    settings.configure(
        **{name: getattr(test_settings, name) for name in dir(test_settings) if name.isupper()}
    )
    django.setup()

from corecors.adapters.django import _cookies, _responses  # after settings.configure()


@pytest.fixture(autouse=True)
def fresh_refusal_log(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test counts its own refusal lines: the process's log is bounded per minute;
    the debug-mode cookie diagnostics log through it, and remember their cookie names."""
    log = RefusalLog()
    monkeypatch.setattr(_responses, "REFUSALS", log)
    monkeypatch.setattr(_cookies, "WATCH", CookieWatch(log, "django"))
