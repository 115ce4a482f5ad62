"""Run Python code in a subprocess in which some packages cannot be imported.

Import-hygiene tests use it to prove that the core and the pure adapters need no
framework, and that the framework adapters name the extra to install. The script
sees ``BLOCKED``, the frozenset of blocked top-level names.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_BLOCKER = """\
import importlib.abc, sys
BLOCKED = frozenset(sys.argv[1].split(","))
class Blocker(importlib.abc.MetaPathFinder):
    # Refuses every import of a blocked package, as if it were not installed.
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in BLOCKED:
            raise ImportError(f"No module named {name!r} (blocked by the test)")
        return None
sys.meta_path.insert(0, Blocker())
"""


def run_without(
    blocked: Iterable[str], code: str, cwd: Path = ROOT, isolated: bool = False
) -> subprocess.CompletedProcess[str]:
    """Run ``code`` with ``blocked`` unimportable; ``isolated`` adds Python's ``-I``."""
    args = [sys.executable, *(["-I"] if isolated else []), "-c"]
    script = _BLOCKER + textwrap.dedent(code)
    return subprocess.run(
        [*args, script, ",".join(blocked)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
