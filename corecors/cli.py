"""``corecors check``: would a browser let a page on ORIGIN read URL, and if not, why.

    corecors check URL --origin ORIGIN [--method M] [--header 'Name: value']...
                   [--credentials] [--send] [--json] [--timeout SECONDS]
                   [--browser chromium|firefox|webkit|fetch]

Exit status: 0 allowed (by every engine judged), 1 blocked, 2 usage or network error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any, TextIO
from urllib.parse import urlsplit

from . import __version__
from ._cli_verdicts import (
    agree,
    agreement_line,
    console_lines,
    longest,
    side_by_side,
    verdict_fields,
    verdict_json,
)
from .browser import (
    BROWSERS,
    BrowserRequest,
    NetworkError,
    Report,
    ServerResponse,
    Step,
    browser_url,
    run,
    run_engines,
    serialize_origin,
)
from .engine import COOKIE_ENGINES, CookieReport, CookieRequest, cookie_reports

ALLOWED, BLOCKED, ERROR = 0, 1, 2
_SHOWN = ("access-control-", "vary", "location", "content-type", "set-cookie")
_DESCRIPTION = (
    "Send what a browser would send (the preflight when one is needed, then the actual "
    "request for GET and HEAD, or any method with --send) and say what the browser makes "
    "of the answers: the Network.CorsError name Chromium's DevTools give a failed check, "
    "and what to change on the server. Exit 0 allowed, 1 blocked, 2 usage or network error."
)
_EPILOG = (
    "example: corecors check http://localhost:8000/items/1 --origin http://localhost:3000 "
    "--method PUT --header 'Content-Type: application/json' --credentials"
)


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds <= 3600:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds from 0 to 3600")
    return seconds


def _parser() -> tuple[argparse.ArgumentParser, argparse.ArgumentParser]:
    """The ``corecors`` parser and its ``check`` sub-parser (which reports usage errors)."""
    parser = argparse.ArgumentParser(
        prog="corecors", description="The browser's CORS verdict, from the terminal."
    )
    parser.add_argument("--version", action="version", version=f"corecors {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser(
        "check",
        help="would a browser let a page on ORIGIN read URL?",
        description=_DESCRIPTION,
        epilog=_EPILOG,
    )
    check.add_argument("url", metavar="URL", help="the URL the page fetches")
    check.add_argument(
        "--origin", required=True, help="the page's origin, e.g. http://localhost:3000"
    )
    check.add_argument(
        "--method",
        default="GET",
        help="the method the page's fetch() uses (default GET); sent as written, as fetch() "
        "sends any method but DELETE, GET, HEAD, OPTIONS, POST and PUT",
    )
    check.add_argument(
        "--header",
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help="a header the page's script sets (repeatable); Cookie, Host and other headers "
        "a script cannot set are not sent",
    )
    check.add_argument(
        "--credentials", action="store_true", help='as fetch(url, {credentials: "include"})'
    )
    check.add_argument(
        "--send",
        action="store_true",
        help="also send the actual request when the method is not GET or HEAD (it may "
        "change data on the server)",
    )
    check.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object: allowed, error, failed_step, detail, fix, "
        "readable_headers, checked, not_sent, notes, cookies, steps, engines",
    )
    check.add_argument(
        "--timeout",
        type=_seconds,
        default=10.0,
        metavar="SECONDS",
        help="seconds per request (default 10)",
    )
    check.add_argument(
        "--browser",
        choices=BROWSERS,
        help="judge as this engine does (its measured departures from the Fetch standard) "
        "or as the standard says; default: one verdict per engine, side by side when they differ",
    )
    return parser, check


def _request(args: argparse.Namespace, parser: argparse.ArgumentParser) -> BrowserRequest:
    headers: list[tuple[str, str]] = []
    for header in args.header:
        name, colon, value = header.partition(":")
        if not colon or not name.strip():
            parser.error(f"--header {header!r}: write it as 'Name: value'")
        headers.append((name.strip(), value.strip()))
    origin = args.origin
    if origin != "null" and serialize_origin(origin) != origin:
        serialized = serialize_origin(origin)
        if serialized == "null":
            parser.error(f"--origin {origin!r} is not an origin such as http://localhost:3000")
        parser.error(f"--origin {origin!r}: a browser sends {serialized!r}; use that")
    try:
        url = browser_url(args.url)
    except ValueError as exc:
        parser.error(f"URL {args.url!r} is not a valid URL: {exc}")
    if not url.startswith(("http://", "https://")):
        parser.error(f"URL {args.url!r} is not an http:// or https:// URL")
    try:
        return BrowserRequest(origin, url, args.method, headers, args.credentials)
    except ValueError as exc:
        parser.error(str(exc))


def printable(text: str) -> str:
    """``text`` safe for a terminal: every character that is not printable (C0 and C1
    controls such as ESC, which start escape sequences; line breaks; bidirectional
    overrides) written as its Python escape, so a server cannot clear the screen, move
    the cursor or print a fake verdict."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


def _notes(request: BrowserRequest) -> list[str]:
    """What the user may not expect a browser to do with their arguments."""
    notes = []
    method = request.method
    if method != method.upper():
        notes.append(
            f"note: fetch() sends the method {method!r} as written (it upper-cases only "
            f"DELETE, GET, HEAD, OPTIONS, POST and PUT): use --method {method.upper()} "
            "if the page's code writes it so"
        )
    for name in request.ignored_header_names:
        notes.append(
            f"note: a browser does not let a script set {name}: it is not sent"
            + (
                " (--credentials sends the browser's cookies, which corecors check does not have)"
                if name.lower() == "cookie"
                else ""
            )
        )
    return notes


def _headers_json(lines: Sequence[tuple[str, str]]) -> list[list[str]]:
    return [[name, value] for name, value in lines]


def _step_json(step: Step) -> dict[str, Any]:
    return {
        "kind": step.kind,
        "request": {
            "method": step.method,
            "url": step.url,
            "headers": _headers_json(step.request_headers),
        },
        "response": {
            "status": step.response.status,
            "headers": _headers_json(step.response.header_list),
        },
    }


def cookies_of(
    report: Report, origin: str, browser: str | None = None
) -> list[tuple[str, CookieReport]]:
    """The cookies a browser will not send back (or keeps per site), per actual step of
    an allowed credentialed exchange: ``(url, report)`` pairs (``corecors.engine``'s
    cookie rules, measured per engine; no Sec-Fetch-Site here: the sites are compared
    with the Public Suffix List). ``browser`` (``--browser``): that engine's fate only
    (``"fetch"``, the standard, and None: every engine's)."""
    engines = COOKIE_ENGINES
    if browser in COOKIE_ENGINES:
        engines = {browser: COOKIE_ENGINES[browser]}
    if not report.verdict.allowed:
        return []
    found: list[tuple[str, CookieReport]] = []
    for step in report.steps:
        lines = [v for n, v in step.response.header_list if n.lower() == "set-cookie"]
        if step.kind != "actual" or not lines:
            continue
        url = urlsplit(step.url)  # as the browser serialised it: never without a host
        host = url.hostname or ""
        request = CookieRequest(origin, url.scheme, f"[{host}]" if ":" in host else host)
        found.extend((step.url, c) for c in cookie_reports(lines, request, engines=engines))
    return found


def _cookie_json(url: str, cookie: CookieReport) -> dict[str, Any]:
    return {
        "name": cookie.name,
        "url": url,
        "relation": cookie.relation,
        "engines": {
            engine: {"outcome": fate.outcome, "reason": fate.reason}
            for engine, fate in cookie.fates.items()
        },
        "fix": cookie.fix,
    }


def report_json(
    report: Report, origin: str | None = None, browser: str | None = None
) -> dict[str, Any]:
    """The JSON object ``--json`` prints; ``origin`` (the page's, with ``--credentials``)
    adds the cookies browsers will not send back under ``"cookies"`` (``browser``'s only,
    with ``--browser``)."""
    verdict = report.verdict
    readable = verdict.readable_headers
    return {
        **verdict_fields(verdict),
        "readable_headers": list(readable) if readable is not None else None,
        "checked": list(verdict.checked),
        "not_sent": report.not_sent,
        "notes": cache_notes(report),
        "cookies": [_cookie_json(*found) for found in cookies_of(report, origin or "", browser)]
        if origin
        else [],
        "steps": [_step_json(step) for step in report.steps],
    }


def _shown(response: ServerResponse) -> list[tuple[str, str]]:
    return [(n, v) for n, v in response.header_list if n.lower().startswith(_SHOWN)]


def print_report(
    report: Report,
    out: TextIO,
    engines: dict[str, Report] | None = None,
    origin: str | None = None,
    browser: str | None = None,
) -> None:
    """The steps and the verdict, for a human; what the server sent is shown escaped
    (:func:`printable`). ``engines``: the engines' reports (by profile name), for the line
    saying they agree or their verdicts side by side (``report`` is then the longest).
    ``origin`` (with ``--credentials``): the cookies too (``browser``: its fates only)."""
    lines: list[str] = []
    for step in report.steps:
        lines.append(f"> {step.method} {step.url}   ({step.kind})")
        lines.extend(f"> {name}: {value}" for name, value in step.request_headers)
        lines.append(f"< {step.response.status}")
        shown = _shown(step.response)
        lines.extend(f"< {name}: {value}" for name, value in shown)
        if not any(n.lower().startswith("access-control-") for n, _ in shown):
            lines.append("< (no Access-Control-* header)")
        excerpt = step.body[:160].decode("utf-8", "replace").strip()
        if excerpt and step.response.status >= 300:
            lines.append(f"< body: {excerpt}")
        lines.append("")
    engines = engines or {}
    if agree(engines):
        lines.extend([*_verdict_lines(report), *console_lines(engines)])
        lines.extend([agreement_line(engines)] if len(engines) > 1 else [])
    else:
        lines.extend([*side_by_side(engines), *console_lines(engines)])
    lines.extend(f"note: {note}" for note in cache_notes(report))
    for _, cookie in cookies_of(report, origin, browser) if origin else ():
        lines.append(f"cookie {cookie.name!r}: {cookie.render()}")
    for line in lines:
        print(printable(line), file=out)


def _verdict_lines(report: Report) -> list[str]:
    verdict = report.verdict
    if verdict.allowed and report.not_sent:
        return [
            f"ALLOWED so far: the preflight passes, so the browser sends the {report.not_sent}.",
            "  It was not sent here (pass --send to send it): its response needs "
            "Access-Control-Allow-Origin too.",
        ]
    if verdict.allowed:
        status = report.steps[-1].response.status
        names = ", ".join(verdict.readable_headers or ()) or "(none)"
        return [
            f"ALLOWED: the browser lets the page read the response (status {status}).",
            f"  Headers the script can read: {names}",
            *([f"  Note: {verdict.explanation}."] if verdict.deviations else []),
        ]
    return [
        f"BLOCKED: {verdict.error} ({verdict.step} response)",
        f"  {verdict.detail}",
        f"  Fix: {verdict.fix}",
    ]


def cache_notes(report: Report) -> list[str]:
    """Actual responses that name an origin in Access-Control-Allow-Origin without
    ``Vary: Origin``: a cache may hand them to a page on another origin."""
    notes = []
    for step in report.steps:
        allow_origin = step.response.get("Access-Control-Allow-Origin")
        vary = {v.strip().lower() for v in (step.response.get("Vary") or "").split(",")}
        if step.kind == "actual" and allow_origin not in (None, "*") and not vary & {"origin", "*"}:
            notes.append(
                f"the {step.method} response of {step.url} names the origin in "
                "Access-Control-Allow-Origin "
                "without Vary: Origin, so a cache (the browser's own, a proxy, a CDN) may hand "
                "it to a page on another origin, which the browser then blocks: add Vary: Origin."
            )
    return notes


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``corecors`` and ``python -m corecors``; returns the exit status."""
    parser, check = _parser()
    args = parser.parse_args(argv)
    request = _request(args, check)
    for note in _notes(request):
        print(note, file=sys.stderr)
    if not request.cross_origin:
        print(f"{args.url} is on the page's own origin: CORS does not apply.", file=sys.stderr)
        return ERROR
    if not request.needs_preflight and request.method not in ("GET", "HEAD") and not args.send:
        print(
            f"{request.method} needs no preflight, so only the actual request can be "
            "checked: pass --send to send it.",
            file=sys.stderr,
        )
        return ERROR
    try:
        if args.browser:
            one = run(request, send=args.send, timeout=args.timeout, browser=args.browser)
            engines = {args.browser: one}
        else:
            engines = run_engines(request, send=args.send, timeout=args.timeout)
    except NetworkError as exc:
        print(printable(f"corecors check: {exc}"), file=sys.stderr)
        return ERROR
    report = engines[args.browser or "fetch"]
    origin = request.origin if request.credentials else None
    if args.json:
        data = report_json(report, origin, args.browser)
        data["engines"] = {name: verdict_json(r, name) for name, r in engines.items()}
        json.dump(data, sys.stdout, indent=2)
        print()
    else:
        print_report(longest(engines), sys.stdout, engines, origin, args.browser)
    return ALLOWED if all(r.verdict.allowed for r in engines.values()) else BLOCKED
