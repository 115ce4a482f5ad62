"""What every adapter shares: turning its arguments into one policy."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from corecors import ConfigProblem, CORSConfigError, CORSPolicy, PathPolicies

Policy = CORSPolicy | PathPolicies


def resolve_policy(policy: object, options: Mapping[str, Any]) -> Policy:
    """``policy=`` (a CORSPolicy or PathPolicies) or CORSPolicy keyword options, never both."""
    if policy is None:
        return CORSPolicy(**options)
    if options:
        raise CORSConfigError(
            [
                ConfigProblem(
                    "E011",
                    "policy",
                    policy,
                    f"policy= was given together with {', '.join(sorted(options))}",
                    "pass either policy= or the CORSPolicy options, not both: "
                    "move the options into the CORSPolicy",
                )
            ]
        )
    if not isinstance(policy, CORSPolicy | PathPolicies):
        raise CORSConfigError(
            [
                ConfigProblem(
                    "E011",
                    "policy",
                    policy,
                    "must be a CORSPolicy or a PathPolicies",
                    "use policy=CORSPolicy(allow_origins=[...])",
                )
            ]
        )
    return policy


def policy_for_path(policy: Policy, path: str) -> CORSPolicy | None:
    """The policy that applies to ``path`` (None: no CORS processing)."""
    if isinstance(policy, CORSPolicy):
        return policy
    return policy.for_path(path)
