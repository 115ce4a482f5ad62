"""The browser's verdict (:class:`Verdict`) and the sentences that explain a failed check.

Used by :mod:`corecors.browser`; standard library only. Each failed check gets the
name Chromium's DevTools give it (``Network.CorsError``), what was wrong, and one
sentence saying what to change on the server.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ._engines import DEVIATIONS
from ._safelist import is_url

StepKind = Literal["preflight", "actual"]
SAFELISTED_METHODS = ("GET", "HEAD", "POST")
# 401 asks for credentials, which a preflight never carries (Fetch §4.8): an
# authentication check answered it. (403 is also how some CORS layers refuse one.)
_UNAUTHORIZED = 401
_FORBIDDEN = 403
# Write protection answers an untrusted origin's write with a 403 before any CORS
# header: corecors' protect_writes, Go's CrossOriginProtection, Django's CSRF check.
_WRITE_REFUSED = (
    "A 403 to a write without Access-Control-Allow-Origin is how cross-origin write "
    "protection (corecors' protect_writes, Django's CSRF check) refuses an origin it "
    "does not trust: if %s is your front end, allow it on the server (with credentials, "
    "for cookie-bearing writes); otherwise the refusal is the protection working."
)
# Fetch "redirect status"; Chromium treats one as a redirect only with a Location.
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True)
class Verdict:
    """What the browser makes of an exchange.

    ``allowed`` (``bool``): the page's script gets the response. ``error``: None when allowed,
    else the ``Network.CorsError`` name Chromium's DevTools report for the failed check.
    ``step``: the response that failed (``"preflight"`` or ``"actual"``). ``detail``: what was
    wrong; ``fix``: one sentence, what to change on the server. ``readable_headers``: the
    lower-cased response header names the script can read (None when the actual response was
    not checked). ``redirect``: for an actual response that is a redirect and passed the CORS
    check, the URL the browser fetches next (and checks again); ``allowed`` is then False and
    ``error`` None. ``checked``: the responses the verdict looked at. ``deviations``: the
    engine's departures from Fetch the verdict relied on (names of
    ``corecors.browser.DEVIATIONS``; empty under the ``fetch`` profile).
    """

    allowed: bool
    error: str | None = None
    step: StepKind | None = None
    detail: str = ""
    fix: str = ""
    readable_headers: tuple[str, ...] | None = None
    redirect: str | None = None
    checked: tuple[StepKind, ...] = ()
    deviations: tuple[str, ...] = ()

    @property
    def explanation(self) -> str:
        """One paragraph for a human: the error, what was wrong, and the fix."""
        if self.allowed and self.deviations:
            how = "; ".join(DEVIATIONS[name] for name in self.deviations)
            return f"allowed only because this engine departs from Fetch: it {how}"
        if self.allowed:
            return "allowed: the page can read the response"
        if self.error is None:
            return f"redirected to {self.redirect}: the browser repeats the checks there"
        return f"blocked ({self.error}) by the {self.step} response: {self.detail} Fix: {self.fix}"


def fail(step: StepKind, error: str, detail: str, fix: str) -> Verdict:
    """A blocked verdict for ``step``."""
    return Verdict(False, error, step, detail, fix, checked=(step,))


def _sentence(text: str) -> str:
    """``text`` with its first letter upper-cased, the rest as written."""
    return text[:1].upper() + text[1:]


def _and(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def missing_allow_origin(
    step: StepKind,
    status: int,
    origin: str,
    method: str,
    unsafe: Sequence[str],
    grants: tuple[str, str] | None,
) -> Verdict:
    """No Access-Control-Allow-Origin (Fetch §4.9 CORS check, step 2). A preflight the
    server refused (not 2xx) may have been refused for its method or headers rather than
    its origin: ``grants`` is (what, why) the response's own Allow-Methods or
    Allow-Headers excludes, else the fix names all it may have refused."""
    pre = "Preflight" if step == "preflight" else ""
    send = f"send Access-Control-Allow-Origin: {origin} on the {step} response"
    fix = f"Allow the origin {origin} on the server: {send}."
    refused = not 200 <= status <= 299
    why = ""
    if refused:
        why, fix = _refused_without(step, status, origin, method, unsafe, grants, fix)
    return fail(
        step,
        f"{pre}MissingAllowOriginHeader",
        f"the {step} response has no Access-Control-Allow-Origin header{why}.",
        fix,
    )


def _refused_without(
    step: StepKind,
    status: int,
    origin: str,
    method: str,
    unsafe: Sequence[str],
    grants: tuple[str, str] | None,
    fix: str,
) -> tuple[str, str]:
    """(why, fix) for a non-2xx response without Access-Control-Allow-Origin: who
    answered it (authentication, the server's CORS layer, a redirect, an error page)."""
    send = f"send Access-Control-Allow-Origin: {origin} on the {step} response"
    if step == "preflight" and status == _UNAUTHORIZED:
        return f" (status {status}: authentication refused the preflight)", (
            f"A preflight never carries cookies or Authorization, so the {status} came from "
            "an authentication check that ran before the server's CORS layer: answer "
            "OPTIONS preflights before authentication (put the CORS middleware first: "
            "FastAPI's app.add_middleware(CORSMiddleware, ...) after every other "
            "add_middleware, Django's CORSMiddleware above the authentication middleware)."
        )
    if step == "preflight":
        wanted = [f"the origin {origin}"]
        if method not in SAFELISTED_METHODS:
            wanted.append(f"the method {method}")
        if unsafe:
            wanted.append(f"the request header{'s' * (len(unsafe) > 1)} {', '.join(unsafe)}")
        if grants is not None:
            fix = f"The server refused the preflight: {grants[1]}; allow {_and(wanted)} on it."
        else:  # a preflight is sent for an unsafe method or header: wanted has two or more
            fix = (
                f"Make the server accept this preflight: allow {_and(wanted)} (it refused one "
                "of them: the response body or the server's log says which), and "
                f"answer it with a 2xx status and Access-Control-Allow-Origin: {origin}."
            )
        return f" (status {status}: the server refused the preflight)", fix
    if status in REDIRECT_STATUSES:
        return f" (status {status}, a redirect)", (
            "The redirect carries no CORS headers, so the browser does not follow it: it "
            "was answered outside the server's CORS layer (Django: CORSMiddleware below "
            "CommonMiddleware, whose APPEND_SLASH redirects, corecors.W104; a proxy's "
            "https:// or www. redirect). Make the page call the final URL, or put the "
            "CORS middleware first so that the redirect carries "
            f"Access-Control-Allow-Origin: {origin}."
        )
    if status == _FORBIDDEN and method not in ("GET", "HEAD"):
        return f" (status {status}: the server refused the write)", _WRITE_REFUSED % origin
    if status >= 400:
        return f" (status {status})", (
            f"{_sentence(send)}, error responses included: when the successful ones carry "
            "it, this error was answered outside the server's CORS layer (as Starlette "
            "answers an unhandled exception's 500, outside its CORSMiddleware)."
        )
    return "", fix


def refused_preflight(status: int, grants: tuple[str, str] | None) -> Verdict:
    """A preflight whose status is not 2xx (Fetch §4.8: "ok status"); ``grants`` is
    (what, why) its own Allow-Methods or Allow-Headers excludes, the likely reason."""
    fix = (
        "Answer the OPTIONS preflight with a 2xx status, before authentication or "
        "routing can refuse it."
    )
    if grants is not None:
        fix = (
            f"The server refused the preflight because {grants[1]}: allow {grants[0]} on "
            "the server, so that it answers the preflight with a 2xx status."
        )
    return fail(
        "preflight", "PreflightInvalidStatus", f"the preflight's status is {status}, not 2xx.", fix
    )


def origin_fault(step: StepKind, allow_origin: str, origin: str) -> Verdict:
    """The failed check for an Allow-Origin that is not the request's origin, named as
    Chromium names it: several values, not a URL (``null`` is a mismatch), or another
    origin."""
    pre = "Preflight" if step == "preflight" else ""
    send = f"Send Access-Control-Allow-Origin: {origin} on the {step} response"
    if any(c in allow_origin for c in " ,"):
        return fail(
            step,
            f"{pre}MultipleAllowOriginValues",
            f"Access-Control-Allow-Origin has several values ({allow_origin!r}).",
            f"Send exactly one Access-Control-Allow-Origin line with one origin, {origin} "
            "(two layers, such as a proxy and the app, each adding one is the usual cause).",
        )
    if allow_origin != "null" and not is_url(allow_origin):
        return fail(
            step,
            f"{pre}InvalidAllowOriginValue",
            f"Access-Control-Allow-Origin {allow_origin!r} is not an origin.",
            f"{send}.",
        )
    return fail(
        step,
        f"{pre}AllowOriginMismatch",
        f"Access-Control-Allow-Origin is {allow_origin!r}, not the page's origin {origin!r}.",
        f"{send}: scheme, host and port byte for byte, no trailing slash.",
    )


def invalid_list(which: str, value: str | None) -> Verdict:
    """Access-Control-Allow-Methods or -Headers that is not a list of tokens."""
    return fail(
        "preflight",
        f"InvalidAllow{which}PreflightResponse",
        f"Access-Control-Allow-{which} {value!r} is not a comma-separated list of tokens.",
        f"Send Access-Control-Allow-{which} as names separated by commas.",
    )


def method_disallowed(method: str, value: str | None, star: bool) -> Verdict:
    """The method is neither safelisted nor in Access-Control-Allow-Methods."""
    why = " (* is not a wildcard with credentials)" if star else ""
    return fail(
        "preflight",
        "MethodDisallowedByPreflightResponse",
        f"the method {method} is not in Access-Control-Allow-Methods ({value!r}){why}.",
        f"Add {method} to Access-Control-Allow-Methods on the preflight response.",
    )


def header_disallowed(name: str, value: str | None, credentials: bool, star: bool) -> Verdict:
    """A CORS-unsafe request-header name not in Access-Control-Allow-Headers."""
    if name == "authorization" and star:
        why = " (* never covers Authorization: it must be named)"
    elif star and credentials:
        why = " (* is not a wildcard with credentials)"
    else:
        why = ""
    return fail(
        "preflight",
        "HeaderDisallowedByPreflightResponse",
        f"the request header {name} is not in Access-Control-Allow-Headers ({value!r}){why}.",
        f"Add {name} to Access-Control-Allow-Headers on the preflight response.",
    )
