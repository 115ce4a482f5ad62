"""corecors: one CORS engine for ASGI, WSGI and Django.

The core is framework-agnostic and uses the standard library only::

    from corecors import CORSPolicy
    policy = CORSPolicy(allow_origins=["https://app.example.com"], allow_credentials=True)
    decision = policy.decide("GET", "https://app.example.com")

The adapters in ``corecors.adapters`` turn decisions into middleware. Inside, three
programs: the engine (``corecors.engine``, the server's half of CORS), the browser
model (``corecors.browser``, the browser's half, behind ``corecors check`` and
``corecors.testing``) and the adapters; docs/architecture.md describes them.
"""

from .engine import (
    CODES,
    ConfigProblem,
    CORSConfigError,
    CORSConfigWarning,
    CORSPolicy,
    Decision,
    PathPolicies,
    Refusal,
    UnprotectedWritesWarning,
    apply_decision,
    merge_vary,
)

__all__ = [
    "CODES",
    "CORSConfigError",
    "CORSConfigWarning",
    "CORSPolicy",
    "ConfigProblem",
    "Decision",
    "PathPolicies",
    "Refusal",
    "UnprotectedWritesWarning",
    "apply_decision",
    "merge_vary",
]
__version__ = "0.2.0"
