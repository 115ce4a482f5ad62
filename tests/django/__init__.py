"""Tests of the Django adapter (settings: tests/django/settings.py, see conftest.py)."""
