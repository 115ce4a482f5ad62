"""The conformance table through the core alone: decide() plus apply_decision()."""

from __future__ import annotations

import pytest

from corecors import CORSPolicy, PathPolicies, apply_decision

from . import IDS, SCENARIOS, Scenario, app_response, build, check


def _reference_adapter(scenario: Scenario) -> tuple[int, list[tuple[str, str]], bytes, bool]:
    """What an adapter must do, in a dozen lines: the model the adapters are tested against."""
    policy = build(scenario, lambda policy=None, **options: policy or CORSPolicy(**options))
    if isinstance(policy, PathPolicies):
        policy = policy.for_path(scenario.path)
    headers = {k.lower(): v for k, v in scenario.headers.items()}
    status, app_headers, body = app_response(scenario.path)
    if scenario.method == "HEAD":
        body = b""
    if policy is None:
        return status, app_headers, body, True
    decision = policy.decide(
        scenario.method,
        headers.get("origin"),
        headers.get("access-control-request-method"),
        headers.get("access-control-request-headers"),
        headers.get("access-control-request-private-network") == "true",
    )
    if decision.kind == "preflight":
        assert decision.status is not None
        response = [*decision.headers, ("Vary", ", ".join(decision.vary))]
        return decision.status, response, decision.body, False
    return status, apply_decision(app_headers, decision), body, True


@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_core(scenario: Scenario) -> None:
    status, headers, body, _ = _reference_adapter(scenario)
    check(scenario, status, headers, body)
