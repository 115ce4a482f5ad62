"""Update corecors' copy of the Public Suffix List (``make public-suffixes``).

The copy is taken, unmodified, from the ``publicsuffixlist`` package on PyPI, which
republishes https://publicsuffix.org/list/public_suffix_list.dat every few days: run
``pip install -U publicsuffixlist`` first (the Makefile target does), then this script.
It prints the list's VERSION before and after; commit the file it writes
(``corecors/engine/public_suffix_list.dat``). ``tests/engine/test_suffixes.py`` fails
once the shipped copy is older than ``corecors.engine._suffixes.MAX_AGE_DAYS``.
"""

from __future__ import annotations

import argparse
import importlib.resources
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "corecors" / "engine" / "public_suffix_list.dat"
_VERSION = re.compile(r"^// VERSION: (\S+)", re.MULTILINE)


def version(text: str) -> str:
    """The list's ``// VERSION:`` line, or ``"(none)"``."""
    match = _VERSION.search(text)
    return match.group(1) if match else "(none)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=TARGET, help="where to write the list")
    args = parser.parse_args(argv)
    source = importlib.resources.files("publicsuffixlist") / "public_suffix_list.dat"
    text = source.read_text(encoding="utf-8")
    if "===BEGIN PRIVATE DOMAINS===" not in text or version(text) == "(none)":
        raise SystemExit(f"{source} does not look like the Public Suffix List")
    output: Path = args.output
    old = version(output.read_text(encoding="utf-8")) if output.exists() else "(no copy)"
    output.write_text(text, encoding="utf-8")
    print(f"public suffix list: {old} -> {version(text)} ({output})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
