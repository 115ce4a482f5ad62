"""Computed decisions are remembered, within bounds, and never change what is decided or logged."""

from __future__ import annotations

import logging

import pytest

from corecors import CORSPolicy
from corecors.engine._memo import Memo

APP = "https://app.example.com"


def test_same_inputs_give_the_same_decision_object() -> None:
    policy = CORSPolicy(allow_origins=["https://*.example.com"])
    first = policy.decide("GET", "https://a.example.com")
    assert first.allowed
    assert policy.decide("GET", "https://a.example.com") is first
    preflight = policy.decide("OPTIONS", "https://a.example.com", "GET", "accept")
    assert policy.decide("OPTIONS", "https://a.example.com", "GET", "accept") is preflight


def test_memo_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Memo, "LIMIT", 8)
    policy = CORSPolicy(allow_origins=[APP])
    memo = policy.memo
    assert memo is not None
    for i in range(50):
        assert not policy.decide("GET", f"https://x{i}.example.org").allowed
        assert len(memo) <= 8


def test_huge_values_are_never_remembered() -> None:
    policy = CORSPolicy(allow_origins=[APP], allow_headers=["*"])
    memo = policy.memo
    assert memo is not None
    policy.decide("GET", "https://" + "a" * 5000 + ".example.org")
    policy.decide("OPTIONS", APP, "GET", "x-a," * 2000)
    policy.decide("OPTIONS", APP, "G" * 100)
    assert len(memo) == 0


def test_a_refusal_found_in_the_memo_keeps_its_reason(caplog: pytest.LogCaptureFixture) -> None:
    # Adapters log every refused decision they get, remembered or not
    # (tests/asgi/test_middleware.py); the remembered one must carry its refusal.
    policy = CORSPolicy(allow_origins=[APP])
    with caplog.at_level(logging.DEBUG, logger="corecors"):
        first = [
            policy.decide("GET", "https://evil.example.org"),
            policy.decide("OPTIONS", "https://evil.example.org", "GET"),
        ]
        again = [
            policy.decide("GET", "https://evil.example.org"),
            policy.decide("OPTIONS", "https://evil.example.org", "GET"),
        ]
    assert again == first
    for decision in again:
        assert decision.refusal is not None
        assert "origin 'https://evil.example.org' is not allowed" in decision.refusal.text
    assert not caplog.records  # the core logs nothing; the adapters do


def test_allow_origin_func_is_asked_every_time_without_a_cache() -> None:
    allowed: set[str] = set()
    policy = CORSPolicy(allow_origin_func=lambda origin: origin in allowed, origin_cache_ttl=0)
    assert not policy.decide("GET", "https://new.example.org").allowed
    allowed.add("https://new.example.org")  # e.g. a tenant added to the database
    assert policy.decide("GET", "https://new.example.org").allowed
    assert policy.decide("OPTIONS", "https://new.example.org", "GET").allowed


def test_allow_origin_func_answers_are_kept_until_invalidated() -> None:
    allowed: set[str] = set()
    policy = CORSPolicy(allow_origin_func=lambda origin: origin in allowed)
    assert policy.lookup is not None
    assert not policy.decide("GET", "https://new.example.org").allowed
    allowed.add("https://new.example.org")
    assert not policy.decide("GET", "https://new.example.org").allowed  # the refusal is kept
    policy.lookup.invalidate("https://new.example.org")
    assert policy.decide("GET", "https://new.example.org").allowed
    assert policy.decide("OPTIONS", "https://new.example.org", "GET").allowed
    assert policy.lookup.calls == 2
