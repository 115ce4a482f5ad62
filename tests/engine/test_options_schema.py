"""The options schema (corecors.engine._schema): one record per option, from which
validation, ``Options``, ``OPTION_NAMES`` and the adapters' names derive; the
signature users read (``CORSPolicy``'s) equals it."""

from __future__ import annotations

import inspect
import re

import pytest

from corecors import CORSConfigError, CORSPolicy
from corecors.engine import OPTION_NAMES, SCHEMA, Option, given_options
from corecors.engine._options import Checking, check_flag
from corecors.engine._schema import validate
from tests.schema import EXAMPLES, explicit_defaults, normalised, schema_defaults


def test_every_option_has_one_record_and_an_example() -> None:
    names = [option.name for option in SCHEMA]
    assert len(set(names)) == len(names)
    assert tuple(names) == OPTION_NAMES
    # A new option needs a non-default example in tests/schema.py.
    assert set(EXAMPLES) == set(names)
    for option in SCHEMA:
        assert EXAMPLES[option.name] != option.default, option.name
        assert option.summary, option.name
        assert "\n" not in option.summary, option.name
        if option.setting is None:
            assert option.setting_default is None, option.name


def test_corspolicy_signature_is_the_schema() -> None:
    """Names, order, defaults (value and type) and kinds: positional-or-keyword
    options, then CORSPolicy's own keyword-only ``vocabulary``."""
    parameters = inspect.signature(CORSPolicy).parameters
    options = [p for p in parameters.values() if p.kind is not p.KEYWORD_ONLY]
    assert [p.name for p in options] == list(OPTION_NAMES)
    assert explicit_defaults(CORSPolicy) == schema_defaults()
    for option in SCHEMA:
        assert type(parameters[option.name].default) is type(option.default), option.name
    assert [p.name for p in parameters.values() if p.kind is p.KEYWORD_ONLY] == ["vocabulary"]


def test_every_option_is_described_in_corspolicy_docstring() -> None:
    doc = CORSPolicy.__doc__ or ""
    for option in SCHEMA:
        assert re.search(rf"^\s*- ``{option.name}`` \(", doc, re.M), option.name


@pytest.mark.parametrize("name", OPTION_NAMES)
def test_each_option_reaches_the_policy(name: str) -> None:
    """Given alone, an option changes that option only."""
    policy = CORSPolicy(**{name: EXAMPLES[name]})
    for other, value in CORSPolicy().options.items():
        if other != name:
            assert policy.options[other] == value, other
    assert policy.options[name] != CORSPolicy().options[name]
    assert policy.options[name] == normalised(name)


def test_validate_takes_a_mapping_and_defaults_the_rest() -> None:
    options, problems, notices = validate({"max_age": 30, "not_an_option": object()})
    assert problems == notices == []
    shown = options.shown()
    assert shown["max_age"] == 30
    assert list(shown) == list(OPTION_NAMES)
    assert options.public() == CORSPolicy(max_age=30).options


def test_checks_run_by_stage_then_in_schema_order() -> None:
    """allow_credentials (stage 0) is checked before the checks that read it: with
    credentials, "*" in expose_headers is E009 whichever order the mapping has."""
    values = {"expose_headers": ["*"], "allow_credentials": True}
    _, problems, _ = validate(values)
    assert [p.code for p in problems] == ["E009"]
    # The flags' problems come first, then the others in the schema's order.
    _, problems, _ = validate(
        {"max_age": -1, "allow_origins": "x", "protect_writes": 1, "allow_credentials": 1}
    )
    assert [p.option for p in problems] == [
        "allow_credentials",
        "protect_writes",
        "allow_origins",
        "max_age",
    ]
    stages = {option.name: option.stage for option in SCHEMA}
    for reader in ("allow_origins", "allow_origin_regex", "expose_headers"):
        assert stages["allow_credentials"] < stages[reader]


def test_a_check_reading_an_option_not_yet_checked_fails_loudly() -> None:
    checking = Checking()
    with pytest.raises(KeyError):
        checking.value("allow_credentials")
    checking.option = "allow_credentials"
    assert check_flag(True, checking) is True
    assert checking.problems == []


def test_the_first_problem_of_a_bad_configuration_names_its_option() -> None:
    with pytest.raises(CORSConfigError) as caught:
        CORSPolicy(origin_cache_ttl=-1, origin_lookup_timeout=0)
    assert [p.option for p in caught.value.problems] == [
        "origin_cache_ttl",
        "origin_lookup_timeout",
    ]


def test_given_options_are_those_that_differ_from_their_default() -> None:
    arguments: dict[str, object] = dict(schema_defaults(), app=object())
    assert given_options(arguments) == {}
    arguments.update(allow_credentials=0, max_age=601, allow_methods=["GET"])
    # 0 is not the default False (a type check follows); a list equal to ("GET",) is given.
    assert given_options(arguments) == {
        "allow_methods": ["GET"],
        "allow_credentials": 0,
        "max_age": 601,
    }
    with pytest.raises(KeyError):  # a signature without every option
        given_options({"max_age": 5})


def test_option_records_are_frozen() -> None:
    option = SCHEMA[0]
    assert isinstance(option, Option)
    with pytest.raises(AttributeError):
        option.name = "x"  # type: ignore[misc]
