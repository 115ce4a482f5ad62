"""Configure Django for this directory only, without DJANGO_SETTINGS_MODULE.

``settings.configure()`` rather than the environment variable: a variable would
leak into every subprocess of the session (the example apps' servers set their
own with ``os.environ.setdefault``). Other test directories never touch Django.
"""

from __future__ import annotations

import django
from django.conf import settings

from tests.django import settings as test_settings

if not settings.configured:
    settings.configure(
        **{name: getattr(test_settings, name) for name in dir(test_settings) if name.isupper()}
    )
    django.setup()
