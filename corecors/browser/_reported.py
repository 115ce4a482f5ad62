"""What each engine reports for a blocked request, as its developer tools show it.

Chromium names the failed check (DevTools ``Network.CorsError``: the verdict's ``error``);
Firefox writes a reason into the console ("Cross-Origin Request Blocked: ... (Reason:
CORS header 'Access-Control-Allow-Origin' missing)", in curly quotes), sometimes for
another check than Chromium's (a preflight redirected without Access-Control-Allow-Origin
is "missing" to Firefox); WebKit's console sentence is not passed on by its driver, so it
is not modelled. Measured on every fault-server case (tests/e2e/test_differential.py).
"""

from __future__ import annotations

from ._exchange import Report
from ._safelist import TOKEN


def _q(text: str) -> str:
    """``text`` in Firefox's curly quotes."""
    return f"\u2018{text}\u2019"


_ACAO = f"CORS header {_q('Access-Control-Allow-Origin')}"
_MISSING = f"{_ACAO} missing"
_FIREFOX = {
    "MissingAllowOriginHeader": _MISSING,
    "WildcardOriginNotAllowed": f"Credential is not supported if the {_ACAO} is {_q('*')}",
    "InvalidAllowCredentials": (
        f"expected {_q('true')} in CORS header {_q('Access-Control-Allow-Credentials')}"
    ),
    "InvalidStatus": "CORS preflight response did not succeed",  # a preflight's
    "MethodDisallowedByPreflightResponse": (
        f"Did not find method in CORS header {_q('Access-Control-Allow-Methods')}"
    ),
}
_NOT_TOKENS = {
    "InvalidAllowMethodsPreflightResponse": "Methods",
    "InvalidAllowHeadersPreflightResponse": "Headers",
}


def firefox_reason(report: Report) -> str | None:
    """The reason Firefox's console gives for the blocked ``report`` (the text inside
    "(Reason: ...)"), or None when it is allowed or Firefox's wording is not known.
    ``report`` (:class:`Report`): the exchange, as :func:`corecors.browser.run` returns it."""
    verdict = report.verdict
    if verdict.error is None:
        return None
    failed = [step for step in report.steps if step.kind == verdict.step][-1].response
    error = verdict.error.removeprefix("Preflight")
    allow_origin = failed.get("Access-Control-Allow-Origin")
    if error in ("AllowOriginMismatch", "InvalidAllowOriginValue", "MultipleAllowOriginValues"):
        lines = [n for n, _ in failed.header_list if n.lower() == "access-control-allow-origin"]
        if len(lines) > 1:
            return f"Multiple {_ACAO} not allowed"
        return f"{_ACAO} does not match {_q(str(allow_origin))}"
    if error == "DisallowedRedirect":  # Firefox checks the redirect's grant first
        return _MISSING if allow_origin is None else "CORS request external redirect not allowed"
    if error == "HeaderDisallowedByPreflightResponse":
        name = verdict.detail.split()[3]  # "the request header NAME is not in ..."
        return (
            f"header {_q(name)} is not allowed according to header "
            f"{_q('Access-Control-Allow-Headers')} from CORS preflight response"
        )
    which = _NOT_TOKENS.get(verdict.error)
    if which is not None:
        value = failed.get(f"Access-Control-Allow-{which}") or ""
        bad = next(item.strip() for item in value.split(",") if not TOKEN.fullmatch(item.strip()))
        return f"invalid token {_q(bad)} in CORS header {_q(f'Access-Control-Allow-{which}')}"
    return _FIREFOX.get(error)


def reported(report: Report, browser: str) -> str | None:
    """What ``browser``'s developer tools report for the blocked ``report``: Chromium's
    ``Network.CorsError`` name (the verdict's ``error``), Firefox's console reason
    (:func:`firefox_reason`), None for WebKit (not modelled) and for an allowed request.
    ``report`` (:class:`Report`): the exchange, as :func:`corecors.browser.run` returns
    it. ``browser`` (``str``): ``"chromium"``, ``"firefox"``, ``"webkit"`` or ``"fetch"``
    (the standard: the same names as Chromium's)."""
    if browser == "firefox":
        return firefox_reason(report)
    if browser == "webkit":
        return None
    return report.verdict.error
