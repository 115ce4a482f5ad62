"""Policies given to CORECORS_POLICY as dotted paths by the tests."""

from pathlib import Path

from corecors import CORSPolicy, PathPolicies

ROOT = Path(__file__).resolve().parents[2]

api = PathPolicies(
    [
        ("/api/*", CORSPolicy(allow_origins=["https://app.example.com"])),
        ("/public/*", CORSPolicy(allow_origins=["*"])),
    ]
)
