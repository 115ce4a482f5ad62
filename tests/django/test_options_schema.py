"""Django against the options schema: ``cross_origin`` accepts exactly the schema's
options plus ``policy``; the settings corecors knows are the schema's settings plus
the adapter's own, each with django-cors-headers' default, and each reaches the policy."""

from __future__ import annotations

import warnings
from types import SimpleNamespace
from typing import Any

import pytest

from corecors import CORSConfigWarning, CORSPolicy
from corecors.adapters.django import cross_origin
from corecors.adapters.django.checks import KNOWN_SETTINGS
from corecors.adapters.django.conf import ALIASES, CORS_SETTINGS, OPTION_SETTINGS, load_policy
from corecors.adapters.django.defaults import default_headers, default_methods
from corecors.engine import OPTION_NAMES, SCHEMA
from tests.schema import EXAMPLES, accepted, normalised

WITH_SETTING = [option.name for option in SCHEMA if option.setting is not None]


def view(request: Any) -> None:
    """Never called."""


def test_cross_origin_accepts_exactly_the_schema_and_policy() -> None:
    assert accepted(lambda **kw: cross_origin(**kw)(view)) == {*OPTION_NAMES, "policy"}


def test_known_settings_are_the_schema_settings_and_the_adapter_own() -> None:
    own = {"CORECORS_POLICY", "CORS_ALLOW_ALL_ORIGINS", "CORS_URLS_REGEX"}
    settings = {option.setting for option in SCHEMA if option.setting is not None}
    assert set(KNOWN_SETTINGS) == settings | own
    assert len(KNOWN_SETTINGS) == len(set(KNOWN_SETTINGS))
    assert set(CORS_SETTINGS) == settings | own - {"CORECORS_POLICY"} | set(ALIASES.values())


def test_unset_settings_have_django_cors_headers_defaults() -> None:
    assert OPTION_SETTINGS["allow_methods"] == ("CORS_ALLOW_METHODS", default_methods)
    assert OPTION_SETTINGS["allow_headers"] == ("CORS_ALLOW_HEADERS", default_headers)
    assert OPTION_SETTINGS["max_age"] == ("CORS_PREFLIGHT_MAX_AGE", 86400)
    policy = load_policy(SimpleNamespace(), emit_warnings=False).policy
    assert isinstance(policy, CORSPolicy)
    for name, (_, default) in OPTION_SETTINGS.items():
        if name == "allow_origin_regex":
            default = default or None  # an empty list of regexes: none
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CORSConfigWarning)  # W004 for 86400
            shown = CORSPolicy(**{name: default})
        assert policy.options[name] == shown.options[name], name


@pytest.mark.parametrize("name", WITH_SETTING)
def test_each_setting_reaches_the_policy(name: str) -> None:
    setting = OPTION_SETTINGS[name][0]
    policy = load_policy(SimpleNamespace(**{setting: EXAMPLES[name]}), emit_warnings=False).policy
    assert isinstance(policy, CORSPolicy)
    assert policy.options[name] == normalised(name)


@pytest.mark.parametrize("name", OPTION_NAMES)
def test_each_option_reaches_a_decorated_view(name: str) -> None:
    decorated = cross_origin(**{name: EXAMPLES[name]})(view)
    assert decorated.corecors_policy.options[name] == normalised(name)  # type: ignore[attr-defined]
