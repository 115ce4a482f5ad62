"""``corecors check``: would a browser let a page on ORIGIN read URL, and if not, why.

    corecors check URL --origin ORIGIN [--method M] [--header 'Name: value']...
                   [--credentials] [--send] [--json] [--timeout SECONDS]

Exit status: 0 allowed, 1 blocked, 2 usage or network error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from .browser import BrowserRequest, ServerResponse
from .exchange import NetworkError, Report, Step, run
from .safelist import serialize_origin

ALLOWED, BLOCKED, ERROR = 0, 1, 2
_SHOWN = ("access-control-", "vary", "location", "content-type", "set-cookie")


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds <= 3600:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds from 0 to 3600")
    return seconds


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="corecors", description="The browser's CORS verdict, from the terminal."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser(
        "check",
        help="would a browser let a page on ORIGIN read URL?",
        description="Send what a browser would send (the preflight when one is needed, "
        "then the actual request for GET and HEAD, or any method with --send) and say "
        "what the browser makes of the answers. Exit 0 allowed, 1 blocked, 2 error.",
    )
    check.add_argument("url", metavar="URL", help="the URL the page fetches")
    check.add_argument(
        "--origin", required=True, help="the page's origin, e.g. http://localhost:3000"
    )
    check.add_argument("--method", default="GET", help="the request method (default GET)")
    check.add_argument(
        "--header",
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help="a header the page's script sets (repeatable)",
    )
    check.add_argument(
        "--credentials", action="store_true", help='as fetch(url, {credentials: "include"})'
    )
    check.add_argument(
        "--send",
        action="store_true",
        help="also send the actual request when the method is not GET or HEAD",
    )
    check.add_argument("--json", action="store_true", help="print one JSON object")
    check.add_argument(
        "--timeout", type=_seconds, default=10.0, help="seconds per request (default 10)"
    )
    return parser


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
    if serialize_origin(args.url) == "null":
        parser.error(f"URL {args.url!r} is not an http:// or https:// URL")
    try:
        return BrowserRequest(origin, args.url, args.method, headers, args.credentials)
    except ValueError as exc:
        parser.error(str(exc))


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


def report_json(report: Report) -> dict[str, Any]:
    """The JSON object ``--json`` prints."""
    verdict = report.verdict
    readable = verdict.readable_headers
    return {
        "allowed": verdict.allowed,
        "error": verdict.error,
        "failed_step": verdict.step if verdict.error else None,
        "detail": verdict.detail or None,
        "fix": verdict.fix or None,
        "readable_headers": list(readable) if readable is not None else None,
        "checked": list(verdict.checked),
        "not_sent": report.not_sent,
        "steps": [_step_json(step) for step in report.steps],
    }


def _shown(response: ServerResponse) -> list[tuple[str, str]]:
    return [(n, v) for n, v in response.header_list if n.lower().startswith(_SHOWN)]


def print_report(report: Report, out: TextIO) -> None:
    """The steps and the verdict, for a human."""
    for step in report.steps:
        print(f"> {step.method} {step.url}   ({step.kind})", file=out)
        for name, value in step.request_headers:
            print(f"> {name}: {value}", file=out)
        print(f"< {step.response.status}", file=out)
        shown = _shown(step.response)
        for name, value in shown:
            print(f"< {name}: {value}", file=out)
        if not any(n.lower().startswith("access-control-") for n, _ in shown):
            print("< (no Access-Control-* header)", file=out)
        excerpt = step.body[:160].decode("utf-8", "replace").strip()
        if excerpt and step.response.status >= 300:
            print(f"< body: {excerpt}", file=out)
        print(file=out)
    verdict = report.verdict
    if verdict.allowed and report.not_sent:
        print(
            f"ALLOWED so far: the preflight passes, so the browser sends the {report.not_sent}.\n"
            f"  It was not sent here (pass --send to send it): its response needs "
            "Access-Control-Allow-Origin too.",
            file=out,
        )
        return
    if verdict.allowed:
        print("ALLOWED: the browser lets the page read the response.", file=out)
        names = ", ".join(verdict.readable_headers or ()) or "(none)"
        print(f"  Headers the script can read: {names}", file=out)
        return
    print(f"BLOCKED: {verdict.error} ({verdict.step} response)", file=out)
    print(f"  {verdict.detail}", file=out)
    print(f"  Fix: {verdict.fix}", file=out)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``corecors`` and ``python -m corecors``; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    request = _request(args, parser)
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
        report = run(request, send=args.send, timeout=args.timeout)
    except NetworkError as exc:
        print(f"corecors check: {exc}", file=sys.stderr)
        return ERROR
    if args.json:
        json.dump(report_json(report), sys.stdout, indent=2)
        print()
    else:
        print_report(report, sys.stdout)
    return ALLOWED if report.verdict.allowed else BLOCKED
