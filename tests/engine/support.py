"""Small helpers shared by the core tests."""

from __future__ import annotations

from typing import Any

import pytest

from corecors import ConfigProblem, CORSConfigError, CORSPolicy, Decision


def problems(**options: Any) -> tuple[ConfigProblem, ...]:
    """The problems a configuration is refused with (it must be refused)."""
    with pytest.raises(CORSConfigError) as caught:
        CORSPolicy(**options)
    return caught.value.problems


def only_problem(**options: Any) -> ConfigProblem:
    found = problems(**options)
    assert len(found) == 1, found
    return found[0]


def actual(policy: CORSPolicy, origin: str | None, method: str = "GET") -> Decision:
    return policy.decide(method, origin)


def preflight(
    policy: CORSPolicy,
    origin: str,
    request_method: str = "GET",
    request_headers: str | None = None,
    private_network: bool = False,
) -> Decision:
    return policy.decide("OPTIONS", origin, request_method, request_headers, private_network)


def header(decision: Decision, name: str) -> str | None:
    """The value of one header of a decision; asserts it appears at most once."""
    values = [v for k, v in decision.headers if k.lower() == name.lower()]
    assert len(values) <= 1, decision.headers
    return values[0] if values else None


def allows(policy: CORSPolicy, origin: str) -> bool:
    """Whether ``origin`` is granted, checked on an actual request AND a preflight.

    The two paths look origins up differently (a precomputed dict, then the
    matchers), so both must agree. A grant must echo the origin or answer "*".
    """
    got = actual(policy, origin)
    pre = preflight(policy, origin)
    assert got.allowed == pre.allowed, (got, pre)
    if got.allowed:
        assert header(got, "Access-Control-Allow-Origin") in (origin, "*")
        assert header(pre, "Access-Control-Allow-Origin") in (origin, "*")
    else:
        assert got.headers == ()
        assert pre.headers == ()
    return got.allowed
