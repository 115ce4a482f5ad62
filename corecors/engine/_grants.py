"""A preflight's method and header grants (Fetch §4.8, CORS-preflight fetch).

``CORSPolicy`` takes these from this mixin: the Access-Control-Allow-Methods and
-Headers values for a preflight's requested method and header names, or why not.
"""

from __future__ import annotations

from collections.abc import Callable

from ._decision import MAX_METHOD_LENGTH, Refusal
from ._refusals import not_allowed
from ._tokens import SAFELISTED_METHODS, TOKEN, is_forbidden_method, parse_request_headers


class PreflightGrants:
    """The method and header checks of ``CORSPolicy`` (a mixin; the policy holds the state)."""

    __slots__ = ()

    _any_method: bool
    _methods: frozenset[str]
    _methods_value: str
    _any_header: bool
    _headers: frozenset[str]
    _headers_value: str
    _name: Callable[[str], str] | None

    def _allow_methods(self, request_method: str, credentials: bool) -> str | None:
        """The Access-Control-Allow-Methods value for a preflight, or None if refused."""
        if len(request_method) > MAX_METHOD_LENGTH:
            return None  # never hash or scan a huge value
        if request_method in self._methods:  # case-sensitive: "patch" is not "PATCH"
            return self._methods_value
        if (
            self._any_method
            and TOKEN.fullmatch(request_method) is not None
            and not is_forbidden_method(request_method)
        ):
            # With credentials "*" is taken literally (Fetch): name the validated method.
            return request_method if credentials else "*"
        if request_method in SAFELISTED_METHODS:
            # Fetch, CORS-preflight fetch: a browser never checks a CORS-safelisted
            # method against Access-Control-Allow-Methods, so it always passes.
            return self._methods_value or request_method
        return None

    def _allow_headers(self, request_headers: str | None, credentials: bool) -> str | Refusal:
        """The Access-Control-Allow-Headers value ("" for none), or why refused."""
        if not request_headers:
            return ""
        names = parse_request_headers(request_headers)
        if isinstance(names, str):
            return Refusal("headers", names, names.replace("{", "{{").replace("}", "}}"))
        if names and self._any_header:
            # "*" never covers Authorization (Fetch): name it when asked for.
            if credentials:
                return ", ".join(names)
            return "*, authorization" if "authorization" in names else "*"
        for name in names:
            if name not in self._headers:
                return not_allowed("headers", "header", name, "allow_headers", self._name)
        return self._headers_value if names else ""
