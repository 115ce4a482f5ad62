"""docs/security.md: its snippets run, and its numbers are the ones the code enforces."""

from __future__ import annotations

import re
from pathlib import Path

from corecors.engine._decision import MAX_METHOD_LENGTH
from corecors.engine._memo import Memo, RefusalLog
from corecors.engine._origins import MAX_ORIGIN_LENGTH
from corecors.engine._tokens import MAX_REQUEST_HEADERS_COUNT, MAX_REQUEST_HEADERS_LENGTH
from tests.docs import section

ROOT = Path(__file__).resolve().parents[2]
PAGE = (ROOT / "docs" / "security.md").read_text()


def test_the_snippets_run() -> None:
    blocks = re.findall(r"```python\n(.*?)```", PAGE, re.DOTALL)
    assert blocks
    for block in blocks:
        lines = block.splitlines()
        indent = min(len(line) - len(line.lstrip()) for line in lines if line.strip())
        exec("\n".join(line[indent:] for line in lines), {})


def test_the_bounds_are_the_codes() -> None:
    assert MAX_ORIGIN_LENGTH == 1024
    assert (MAX_REQUEST_HEADERS_LENGTH, MAX_REQUEST_HEADERS_COUNT) == (4096, 64)
    assert MAX_METHOD_LENGTH == 64
    assert Memo.LIMIT == 1024
    assert RefusalLog().lines == 50
    for text in ("1 KiB", "4 KiB and 64 names", "1,024 entries", "50 a minute"):
        assert text in PAGE
    assert "[Security](https://github.com/corecors/corecors/blob/main/docs/security.md)" in section(
        "security"
    )
