"""flask-cors' own tests, run on corecors.adapters.flask_cors with only the import changed.

The pinned flask-cors sdist (the last one that ships ``tests/``) is downloaded
into a temporary folder with ``pip download``; its tests import
``corecors.adapters.flask_cors`` instead of ``flask_cors`` / ``flask_cors.core``
(nothing else is changed, nothing is committed) and run under pytest in a
subprocess, with their own helper tests (``tests/core/helper_tests.py``)
collected too. The failing tests must be exactly the deliberate differences
listed in docs/migrating-from-flask-cors.md, each with its reason.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FLASK_CORS = "5.0.0"  # flask-cors 5.0.1+ sdists no longer carry tests/
DOC = ROOT / "docs" / "migrating-from-flask-cors.md"
_IMPORT = re.compile(r"\bflask_cors(?:\.core)?\b")
# pip in this environment, else on PATH (a nox cell made by uv has no pip of its own).
_PIP = (
    (sys.executable, "-m", "pip")
    if importlib.util.find_spec("pip")
    else (shutil.which("pip3") or "pip",)
) + ("download", "--no-deps")
_PYTEST = (sys.executable, "-m", "pytest", "tests", "-p", "no:cacheprovider", "-q", "-rfE")
_OUTCOME = re.compile(r"^(FAILED|ERROR) (\S+)", re.MULTILINE)


def recorded_differences() -> set[str]:
    """The test ids listed in the doc's table of deliberate differences."""
    return set(re.findall(r"^\| `(tests/[^`]+)` \|", DOC.read_text(encoding="utf-8"), re.M))


def fetch_tests(folder: Path) -> Path:
    """flask-cors' tests/ from its sdist, imports rewritten to the compatibility module."""
    subprocess.run(
        [*_PIP, "--quiet", "--no-binary", ":all:", f"flask-cors=={FLASK_CORS}", "-d", str(folder)],
        check=True,
    )
    (sdist,) = folder.glob("flask_cors-*.tar.gz")
    with tarfile.open(sdist) as archive:
        members = [m for m in archive.getmembers() if "/tests/" in f"/{m.name}"]
        archive.extractall(folder, members=members, filter="data")
    tests = folder / f"flask_cors-{FLASK_CORS}" / "tests"
    for path in tests.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        path.write_text(_IMPORT.sub("corecors.adapters.flask_cors", text), encoding="utf-8")
    return tests


def test_flask_cors_suite_fails_only_on_deliberate_differences(tmp_path: Path) -> None:
    tests = fetch_tests(tmp_path)
    (tests.parent / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")  # not ours
    run = subprocess.run(
        [*_PYTEST, "--tb=no", "-o", "python_files=*tests.py test_*.py"],
        cwd=tests.parent,
        capture_output=True,
        text=True,
        timeout=300,
    )
    failing = {node for kind, node in _OUTCOME.findall(run.stdout)}
    summary = run.stdout.strip().splitlines()[-1]
    print(f"flask-cors {FLASK_CORS}'s suite on corecors: {summary}")
    assert "ERROR" not in {kind for kind, _ in _OUTCOME.findall(run.stdout)}, run.stdout
    assert failing == recorded_differences(), run.stdout
    assert re.search(r"\b\d+ passed\b", summary), summary
