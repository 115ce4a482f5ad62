"""The one CORS configuration every soak app uses, in each library's own words.

Credentials on and origins listed, so every grant names one origin: the
configuration where a wrong header matters most.
"""

from __future__ import annotations

import os
from typing import Any

ALLOWED = ("https://app.example.com", "https://admin.example.com")
REFUSED = "https://evil.example.org"
METHODS = ["GET", "PUT"]
HEADERS = ["X-Token", "Content-Type"]
EXPOSE = ["X-Total"]
MAX_AGE = 600

#: Which middleware the app is built with: "corecors", "bare" (none) or "peer".
VARIANTS = ("corecors", "bare", "peer")

STREAM_CHUNK = b"s" * 1024
STREAM_CHUNKS = 16  # /stream sends 16 KiB in 16 chunks
LONG_STREAM_CHUNK = b"l" * 65536
LONG_STREAM_CHUNKS = 32  # /stream?long=1: 2 MiB, for clients that leave mid-stream


def variant() -> str:
    """The variant named by ``SOAK_VARIANT`` (default corecors); anything else is an error."""
    name = os.environ.get("SOAK_VARIANT", "corecors")
    if name not in VARIANTS:
        raise ValueError(f"SOAK_VARIANT={name!r}: use one of {VARIANTS}")
    return name


def corecors_options() -> dict[str, Any]:
    return {
        "allow_origins": list(ALLOWED),
        "allow_credentials": True,
        "allow_methods": METHODS,
        "allow_headers": HEADERS,
        "expose_headers": EXPOSE,
        "max_age": MAX_AGE,
    }


def item_body(payload: object) -> dict[str, Any]:
    return {"stored": payload, "items": [1, 2, 3]}
