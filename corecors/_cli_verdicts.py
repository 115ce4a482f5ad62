"""``corecors check``'s verdict per browser engine: one line when they agree, side by side
when they differ, with the fix that makes every engine agree; and their ``--json``."""

from __future__ import annotations

from typing import Any

from .browser import DEVIATIONS, PROFILES, Report, Verdict, reported


def verdict_json(report: Report, browser: str) -> dict[str, Any]:
    """One engine's verdict in ``--json``'s ``"engines"``; ``reported``: what its
    developer tools say (Chromium's error name, Firefox's console reason)."""
    verdict = report.verdict
    return {
        **verdict_fields(verdict),
        "deviations": list(verdict.deviations),
        "reported": reported(report, browser),
    }


def verdict_fields(verdict: Verdict) -> dict[str, Any]:
    """What every verdict in ``--json`` says: allowed, error, the step, detail, fix."""
    return {
        "allowed": verdict.allowed,
        "error": verdict.error,
        "failed_step": verdict.step if verdict.error else None,
        "detail": verdict.detail or None,
        "fix": verdict.fix or None,
    }


def console_lines(reports: dict[str, Report]) -> list[str]:
    """Firefox's console reason for a blocked request, when Firefox is judged: a
    developer debugging in Firefox finds the sentence it shows."""
    report = reports.get("firefox")
    reason = None if report is None else reported(report, "firefox")
    return [f"  Firefox's console says: (Reason: {reason})."] if reason else []


def agree(reports: dict[str, Report]) -> bool:
    """Whether every engine reaches the same verdict (allowed, and the same error); True
    for one engine or none."""
    return len({(r.verdict.allowed, r.verdict.error) for r in reports.values()}) <= 1


def agreement_line(reports: dict[str, Report]) -> str:
    """The one line saying that the engines (two or more) agree."""
    names = [PROFILES[name].measured for name in reports]
    return f"The same verdict in {', '.join(names[:-1])} and {names[-1]}."


def _state(verdict: Verdict) -> str:
    if verdict.allowed:
        how = "; ".join(DEVIATIONS[name] for name in verdict.deviations)
        return f"ALLOWED (it {how})" if how else "ALLOWED"
    return f"BLOCKED: {verdict.error} ({verdict.step} response)"  # a final verdict: no redirect


def side_by_side(reports: dict[str, Report]) -> list[str]:
    """The engines' verdicts one per line, each blocked one's reason, and the fix of the
    first blocked verdict: what the server changes so that every engine allows it.
    ``reports`` differ (:func:`agree` is False), so one of them at least is blocked."""
    width = max(len(PROFILES[name].measured) for name in reports)
    lines = ["The engines differ:"]
    blocked = []
    for name, report in reports.items():
        verdict = report.verdict
        lines.append(f"  {PROFILES[name].measured:<{width}}  {_state(verdict)}")
        if not verdict.allowed:
            blocked.append(verdict)
            lines.append(f"  {'':<{width}}  {verdict.detail}")
    lines.append(f"  Fix, so that every engine allows it: {blocked[0].fix}")
    return lines


def longest(reports: dict[str, Report]) -> Report:
    """The report with the most steps: the requests that some engine sends."""
    return max(reports.values(), key=lambda report: len(report.steps))
