"""docs/engines.md is what the browser tests recorded, and the profiles say the same.

tests/e2e/test_differential.py records each engine's outcome per fault-server case in
tests/e2e/engine_verdicts.json; tools/engines_doc.py writes the page's tables from it.
Here, without a browser: the page matches the record, the record covers every case in
every engine, its ``fetch`` column is the fault server's own table, and each engine
departs from Fetch exactly where its profile in corecors.browser says it does.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from corecors.browser import DEVIATIONS, ENGINES, PROFILES
from tests.browser.fault_server import CASES
from tests.servers import ROOT

TOOL = ROOT / "tools" / "engines_doc.py"
RECORD: dict[str, Any] = json.loads((ROOT / "tests" / "e2e" / "engine_verdicts.json").read_text())


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("engines_doc", TOOL)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_page_is_generated_from_the_record() -> None:
    ran = subprocess.run(
        [sys.executable, str(TOOL), "--check"], capture_output=True, text=True, check=False
    )
    assert ran.returncode == 0, "docs/engines.md is stale: run python tools/engines_doc.py"
    page = (ROOT / "docs" / "engines.md").read_text()
    for engine, version in RECORD["engines"].items():
        assert version in page, engine
    assert "| `authorization-under-star` | blocked | allowed | allowed | allowed |" in page


def test_the_tool_rewrites_a_stale_page_and_needs_its_markers(tmp_path: Path) -> None:
    tool = _tool()
    page = (ROOT / "docs" / "engines.md").read_text()
    stale = page.replace("| `ok-get` | allowed |", "| `ok-get` | blocked |")
    assert tool.page(stale, RECORD) == page
    with pytest.raises(ValueError, match="needs the markers"):
        tool.page("no markers", RECORD)
    changed = json.loads(json.dumps(RECORD))
    changed["cases"]["ok-get"]["webkit"]["allowed"] = False
    assert "| `ok-get` | allowed | allowed | allowed | blocked |" in tool.tables(changed)


def test_the_record_covers_every_case_in_every_engine_and_the_standard() -> None:
    assert tuple(RECORD["engines"]) == ENGINES
    assert list(RECORD["cases"]) == list(CASES)
    for case_id, outcomes in RECORD["cases"].items():
        assert set(outcomes) == {"fetch", *ENGINES}, case_id
        case = CASES[case_id]
        assert outcomes["fetch"] == {"allowed": case.allowed, "reported": case.error}


@pytest.mark.parametrize("engine", ENGINES)
def test_each_engine_departs_from_fetch_where_its_profile_says(engine: str) -> None:
    departs = {
        case_id
        for case_id, outcomes in RECORD["cases"].items()
        if outcomes[engine]["allowed"] != outcomes["fetch"]["allowed"]
    }
    # Each deviation has its fault-server case; the engine departs on exactly those.
    cases_of = {"authorization_under_star": {"authorization-under-star"}}
    assert set(cases_of) == set(DEVIATIONS)
    expected = set().union(*(cases_of[d] for d in PROFILES[engine].deviations))
    assert departs == expected
