"""Cacheable apps for the shared-cache tests, one per adapter, with two policies by path.

- ``/listed/...``: origins listed, with credentials: each grant names one origin.
- ``/public/...``: ``"*"`` without credentials: one answer for everybody.
- ``/broken/...`` (no policy covers it): reflects any ``Origin`` without
  ``Vary``, the mistake the cache tests exist to catch; it proves they would.

Every response is ``Cache-Control: public, max-age=300``, so a shared cache keeps it.
"""

from __future__ import annotations

from corecors import CORSPolicy, PathPolicies

from . import config

A, B = config.ALLOWED
CACHE_CONTROL = "public, max-age=300"
BODY = b'{"items": [1, 2, 3]}'

POLICIES = PathPolicies(
    [
        (
            "/listed/*",
            CORSPolicy(allow_origins=[A, B], allow_credentials=True, expose_headers=["X-Total"]),
        ),
        ("/public/*", CORSPolicy(allow_origins=["*"], expose_headers=["X-Total"])),
    ]
)
HEADERS = {"Cache-Control": CACHE_CONTROL, "X-Total": "3"}
