"""The browser's CORS verdict in your tests, through your framework's test client.

    from corecors.testing import assert_cors_allowed

    def test_the_front_end_can_update_an_item(client):
        assert_cors_allowed(
            client, "/items/1", origin="https://app.example.com", method="PUT",
            headers={"Authorization": "Bearer t", "Content-Type": "application/json"},
            credentials=True,
        )

Works with Starlette's and FastAPI's ``TestClient`` (and any httpx-style client),
Flask's (werkzeug's) test client and Django's ``Client``. No framework is imported:
the client is recognised by its methods. The exchange is the one a browser makes
(the preflight when one is needed, then the actual request) and the verdict is
:func:`corecors.browser.check`'s; redirects are not followed by the client.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .browser import BrowserRequest, HeaderList, Report, ServerResponse, Transport, Verdict, run

_DEFAULT_BASES = {"open": "http://localhost", "generic": "http://testserver"}


def _pairs(headers: Any) -> list[tuple[str, str]]:
    """A response's header lines, repeated lines kept where the client keeps them."""
    if hasattr(headers, "multi_items"):  # httpx
        return [(str(n), str(v)) for n, v in headers.multi_items()]
    return [(str(n), str(v)) for n, v in headers.items()]  # werkzeug, Django


def _base_url(client: Any) -> str:
    base = getattr(client, "base_url", None)  # httpx-style clients
    if base is not None:
        return str(base).rstrip("/")
    for method, default in _DEFAULT_BASES.items():
        if hasattr(client, method):
            return default
    raise TypeError(
        f"{type(client).__name__} is not a supported test client: expected Starlette's or "
        "FastAPI's TestClient, an httpx Client, Flask's test client or Django's Client"
    )


def _transport(client: Any) -> Transport:
    """Send one request through ``client``, whatever kind of test client it is."""

    def send(method: str, url: str, headers: HeaderList) -> tuple[ServerResponse, bytes]:
        if hasattr(client, "generic"):  # Django's Client and AsyncClient's sync twin
            response = client.generic(method, url, headers=dict(headers))
            lines = _pairs(response)
        elif hasattr(client, "open"):  # werkzeug / Flask
            response = client.open(url, method=method, headers=list(headers))
            lines = _pairs(response.headers)
        else:  # httpx-style: Starlette / FastAPI TestClient
            response = client.request(method, url, headers=list(headers), follow_redirects=False)
            lines = _pairs(response.headers)
        body = getattr(response, "content", None)
        if body is None:
            body = response.get_data()
        return ServerResponse(response.status_code, lines), bytes(body)

    return send


def cors_report(
    client: Any,
    url: str,
    *,
    origin: str,
    method: str = "GET",
    headers: Mapping[str, str] | Iterable[tuple[str, str]] = (),
    credentials: bool = False,
    send: bool = True,
    browser: str = "fetch",
) -> Report:
    """The steps and the verdict of a page on ``origin`` fetching ``url`` through ``client``.

    - ``client``: Starlette's or FastAPI's ``TestClient``, an httpx ``Client``, Flask's test
      client or Django's ``Client`` (recognised by its methods).
    - ``url`` (``str``): a path, or an absolute URL on the client's host.
    - ``origin`` (``str``, keyword only): the page's origin, e.g. ``"https://app.example.com"``.
    - ``method`` (``str``, default ``'GET'``), ``headers`` (a mapping or (name, value) pairs,
      default ``()``): what the page's ``fetch()`` uses.
    - ``credentials`` (``bool``, default False): ``True`` is ``credentials: "include"`` (the
      client's own cookies are sent either way).
    - ``send`` (``bool``, default True): also send an actual request that is not GET or HEAD
      (a test client talks to a test database).
    - ``browser`` (``str``, default ``"fetch"``): whose verdict: ``"chromium"``, ``"firefox"``
      or ``"webkit"`` (the engine's measured departures from Fetch, see
      ``corecors.browser.PROFILES``) or ``"fetch"``, the standard, which no engine is
      stricter than so far.

    Returns a ``Report``: ``.steps`` (each request and response) and ``.verdict``. Raises
    ``ValueError`` when ``origin`` is the client's own origin (CORS does not apply), the
    method is one ``fetch()`` rejects or ``browser`` is no profile, ``TypeError`` for an
    unsupported client.
    """
    absolute = url if "://" in url else _base_url(client) + url
    request = BrowserRequest(origin, absolute, method, headers, credentials)
    if not request.cross_origin:
        raise ValueError(f"{origin!r} is the test client's own origin: CORS does not apply")
    return run(request, send=send, transport=_transport(client), browser=browser)


def cors_verdict(
    client: Any,
    url: str,
    *,
    origin: str,
    method: str = "GET",
    headers: Mapping[str, str] | Iterable[tuple[str, str]] = (),
    credentials: bool = False,
    send: bool = True,
    browser: str = "fetch",
) -> Verdict:
    """:func:`cors_report`'s verdict: ``.allowed``, ``.error`` (a Chromium
    ``Network.CorsError`` name), ``.explanation``, ``.readable_headers``; arguments as
    :func:`cors_report`."""
    report = cors_report(
        client,
        url,
        origin=origin,
        method=method,
        headers=headers,
        credentials=credentials,
        send=send,
        browser=browser,
    )
    return report.verdict


def _failure(method: str, url: str, origin: str, report: Report, expected: str = "") -> str:
    """A pytest failure message: the verdict, the fix, and the failing response."""
    verdict = report.verdict
    lines = [f"{method} {url} from {origin}: {expected}{verdict.explanation}"]
    step = [step for step in report.steps if step.kind == verdict.step][-1]
    body = step.body[:200].decode("utf-8", "replace").strip()
    answer = f"status {step.response.status}" + (f", body: {body}" if body else "")
    lines.append(f"The server's answer to {step.method} {step.url} ({step.kind}): {answer}")
    return "\n".join(lines)


def assert_cors_allowed(
    client: Any,
    url: str,
    *,
    origin: str,
    method: str = "GET",
    headers: Mapping[str, str] | Iterable[tuple[str, str]] = (),
    credentials: bool = False,
    send: bool = True,
    browser: str = "fetch",
) -> Verdict:
    """Fail (``AssertionError`` with the browser's reason, the fix and the server's
    answer) unless a browser would let a page on ``origin`` read the response;
    arguments as :func:`cors_report`. Returns the verdict, for further checks such as
    ``readable_headers``."""
    __tracebackhide__ = True  # pytest shows the caller's line, not this function's
    report = cors_report(
        client,
        url,
        origin=origin,
        method=method,
        headers=headers,
        credentials=credentials,
        send=send,
        browser=browser,
    )
    if not report.verdict.allowed:
        message = _failure(method, url, origin, report)
        if _HEADERS_REFUSED in message:
            names = _refused_headers(client, url, origin, method, headers, credentials, browser)
            message += f"\nThe request headers the server refused: {', '.join(names)}"
        raise AssertionError(message)
    return report.verdict


# The body of a preflight corecors refused for its headers (it never names them:
# nothing from a request is echoed); the test helper finds them by asking again.
_HEADERS_REFUSED = "CORS preflight refused: headers not allowed"


def _refused_headers(
    client: Any,
    url: str,
    origin: str,
    method: str,
    headers: Mapping[str, str] | Iterable[tuple[str, str]],
    credentials: bool,
    browser: str,
) -> list[str]:
    """The request headers whose own preflight is refused, each asked alone (lower-cased)."""
    pairs = list(headers.items() if isinstance(headers, Mapping) else headers)
    return [
        name.lower()
        for name, value in pairs
        if not cors_verdict(
            client, url, origin=origin, method=method, headers=[(name, value)],
            credentials=credentials, send=False, browser=browser,
        ).allowed
    ]  # fmt: skip


def assert_cors_blocked(
    client: Any,
    url: str,
    *,
    origin: str,
    error: str | None = None,
    method: str = "GET",
    headers: Mapping[str, str] | Iterable[tuple[str, str]] = (),
    credentials: bool = False,
    send: bool = True,
    browser: str = "fetch",
) -> Verdict:
    """Fail (``AssertionError``) unless a browser would block the response; other arguments
    as :func:`cors_report`. ``error`` (``str | None``, default None): the ``Network.CorsError``
    name expected (e.g. ``"PreflightMissingAllowOriginHeader"``); None accepts any."""
    __tracebackhide__ = True  # pytest shows the caller's line, not this function's
    report = cors_report(
        client,
        url,
        origin=origin,
        method=method,
        headers=headers,
        credentials=credentials,
        send=send,
        browser=browser,
    )
    verdict = report.verdict
    if verdict.allowed:
        raise AssertionError(f"{method} {url} from {origin}: a browser would allow it")
    if error is not None and verdict.error != error:
        raise AssertionError(_failure(method, url, origin, report, f"expected {error}, got "))
    return verdict


__all__ = ["assert_cors_allowed", "assert_cors_blocked", "cors_report", "cors_verdict"]
