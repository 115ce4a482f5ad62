"""The middleware's side of ``check_request_enabled`` (see :mod:`.signals`)."""

from __future__ import annotations

import warnings

from django.http import HttpRequest

from corecors import CORSConfigWarning, CORSPolicy

from .signals import check_request_enabled


def enabled_by_signal(request: HttpRequest) -> bool:
    """Whether a receiver of ``check_request_enabled`` enables CORS for ``request``:
    sent only for a request with an ``Origin`` and only when receivers are connected."""
    if "HTTP_ORIGIN" not in request.META or not check_request_enabled.has_listeners(None):
        return False
    replies = check_request_enabled.send(sender=None, request=request)
    return any(reply for _, reply in replies)


def _any_origin(origin: str) -> bool:
    return True


class SignalPolicies:
    """For each settings policy, the same policy granting any (serialised) origin."""

    __slots__ = ("_by_policy",)

    def __init__(self) -> None:
        self._by_policy: dict[int, tuple[CORSPolicy, CORSPolicy]] = {}

    def for_policy(self, policy: CORSPolicy) -> CORSPolicy:
        """``policy`` with every origin allowed by ``allow_origin_func`` (built once)."""
        found = self._by_policy.get(id(policy))
        if found is None or found[0] is not policy:
            # Called inline (no lookup thread, nothing to await): it only says yes.
            options = {
                **policy.options,
                "allow_origin_func": _any_origin,
                "origin_lookup_timeout": None,
            }
            with warnings.catch_warnings():  # the settings' policy warned already
                warnings.simplefilter("ignore", CORSConfigWarning)
                found = self._by_policy[id(policy)] = (policy, CORSPolicy(**options))
        return found[1]
