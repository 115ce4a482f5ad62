"""Packaging and import hygiene: the core needs no framework; the wheel installs and imports.

These run Python in subprocesses: a meta-path blocker that makes the frameworks
unimportable, and a fresh virtual environment (no system site-packages) with
only the built wheel installed, imported from outside the repository.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import corecors
from tests.blocked_imports import run_without

ROOT = Path(__file__).resolve().parents[2]
FRAMEWORKS = ("flask", "django", "starlette", "fastapi", "werkzeug")

# Adapter modules whose framework must be installed with an extra, by top-level name.
EXTRAS = {
    "flask": "flask",
    "_flask_routes": "flask",
    "_flask_views": "flask",
    "flask_cors": "flask",
    "django": "django",
}
# Adapter modules that must import with nothing but the standard library.
PURE = ("corecors.adapters.asgi", "corecors.adapters.wsgi")

BLOCKED_IMPORT = """
for framework in BLOCKED:
    try:
        __import__(framework)
    except ImportError:
        pass
    else:
        raise SystemExit(f"the blocker let {framework} through")

import corecors
from corecors import CORSPolicy, PathPolicies, apply_decision

policy = CORSPolicy(allow_origins=["https://app.example.com"], allow_credentials=True)
granted = policy.decide("GET", "https://app.example.com")
assert granted.allowed, granted
preflight = policy.decide("OPTIONS", "https://app.example.com", "GET", "content-type")
assert preflight.status == 200, preflight
routes = PathPolicies([("/api/*", policy)])
assert routes.for_path("/api/x") is policy
assert ("Vary", "Origin") in apply_decision([], granted)
print("core works without frameworks")
"""


def _run(args: list[str], cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )


def test_core_works_with_every_framework_unimportable(tmp_path: Path) -> None:
    result = run_without(FRAMEWORKS, BLOCKED_IMPORT, cwd=tmp_path, isolated=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "core works without frameworks"


def test_import_corecors_loads_no_framework(tmp_path: Path) -> None:
    script = (
        "import sys, json\n"
        "import corecors, corecors.adapters, corecors.adapters._common\n"
        f"loaded = [m for m in sys.modules if m.partition('.')[0] in {FRAMEWORKS!r}]\n"
        "print(json.dumps(sorted(loaded)))"
    )
    # The frameworks ARE installed here: importing corecors simply must not load them.
    result = _run([sys.executable, "-I", "-c", script], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


def _adapter_modules() -> list[str]:
    """Every module of adapters/ in the source tree, as installed names."""
    names = []
    for path in sorted((ROOT / "adapters").rglob("*.py")):
        parts = path.relative_to(ROOT / "adapters").with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names.append(".".join(("corecors", "adapters", *parts)))
    return names


def _source_files() -> list[str]:
    """Every file the wheel must contain, as paths inside the wheel."""
    files = ["corecors/py.typed", "corecors/engine/public_suffix_list.dat"]
    for package, prefix in (("corecors", "corecors"), ("adapters", "corecors/adapters")):
        for path in sorted((ROOT / package).rglob("*.py")):
            files.append(f"{prefix}/{path.relative_to(ROOT / package).as_posix()}")
    return files


IMPORT_EVERY_MODULE = """
import json, sys
results = {}
for name in sys.argv[1:]:
    try:
        __import__(name)
    except ImportError as exc:
        results[name] = "ImportError: " + str(exc)
    else:
        results[name] = "ok"
import corecors
results["__file__"] = corecors.__file__
print(json.dumps(results))
"""


PUBLIC_SUFFIX = """
from corecors import CORSConfigError, CORSPolicy
try:
    CORSPolicy(allow_origins=["https://*.co.uk"])
except CORSConfigError as error:
    print(error.problems[0].code)
from corecors.engine._suffixes import public_suffix
print(public_suffix("me.github.io").name)
"""


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sdist and the wheel built from it, as `python -m build` makes them for PyPI."""
    tmp_path = tmp_path_factory.mktemp("dist")
    # Build from a copy, so that the build leaves nothing in the shared working tree.
    source = tmp_path / "source"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("corecors", "adapters"):
        shutil.copytree(ROOT / name, source / name, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    dist = tmp_path / "dist"
    built = _run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(source)],
        cwd=tmp_path,
        timeout=180,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    return dist


def test_sdist_and_wheel_pass_twine_check_strict(dist: Path) -> None:
    files = sorted(str(path) for path in dist.iterdir())
    assert [Path(f).name for f in files] == [
        f"corecors-{corecors.__version__}-py3-none-any.whl",
        f"corecors-{corecors.__version__}.tar.gz",
    ]
    checked = _run([sys.executable, "-m", "twine", "check", "--strict", *files], cwd=dist)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.count("PASSED") == 2, checked.stdout


def test_wheel_metadata_names_the_version_extras_and_urls(dist: Path) -> None:
    (wheel,) = dist.glob("corecors-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        metadata = archive.read(f"corecors-{corecors.__version__}.dist-info/METADATA").decode()
    assert f"\nVersion: {corecors.__version__}\n" in metadata
    for extra in ("fastapi", "starlette", "flask", "django", "demo"):
        assert f"\nProvides-Extra: {extra}\n" in metadata
    assert 'Requires-Dist: fastapi>=0.115; extra == "fastapi"' in metadata
    for label in ("Homepage", "Documentation", "Changelog", "Issues"):
        assert re.search(rf"^Project-URL: {label}, https://", metadata, re.M), label
    # The README is the PyPI page: no link or image there may be relative, nor an
    # in-page anchor (PyPI gives headings no ids; the README's anchors point at GitHub).
    description = metadata.split("\n\n", 1)[1]
    relative = re.findall(r"\]\((?!https?://)([^)]*)\)", description)
    assert relative == [], relative


def test_wheel_installs_in_a_fresh_venv_and_imports_from_outside_the_repo(
    dist: Path, tmp_path: Path
) -> None:
    (wheel,) = dist.glob("corecors-*.whl")

    with zipfile.ZipFile(wheel) as archive:
        contents = set(archive.namelist())
    missing = [name for name in _source_files() if name not in contents]
    assert missing == [], f"not in the wheel (check [tool.setuptools] packages): {missing}"
    assert not any(name.startswith(("tests/", "adapters/")) for name in contents)

    # A plain venv: no system site-packages, so no framework and no editable corecors.
    venv = tmp_path / "venv"
    created = _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    python = venv / "bin" / "python"
    installed = _run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
         "--no-index", "--quiet", str(wheel)],
        cwd=tmp_path,
        timeout=120,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stdout + installed.stderr

    modules = ["corecors", "corecors.adapters", *_adapter_modules()]
    assert set(PURE) <= set(modules)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    ran = _run([str(python), "-I", "-c", IMPORT_EVERY_MODULE, *modules], cwd=outside)
    assert ran.returncode == 0, ran.stderr
    results = json.loads(ran.stdout)

    # The installed copy is imported, not the repository's.
    assert Path(results.pop("__file__")).is_relative_to(venv)
    for name in modules:
        adapter = name.split(".")[2] if name.count(".") >= 2 else None
        if adapter in EXTRAS:
            # No framework in this venv: a clear error naming the extra to install.
            assert results[name].startswith("ImportError: "), (name, results[name])
            if adapter.startswith("_"):  # private: only reached through a public module
                assert EXTRAS[adapter] in results[name], results[name]
            else:  # the public modules guard their framework's import first
                assert f'pip install "corecors[{EXTRAS[adapter]}]"' in results[name], results[name]
        else:
            assert results[name] == "ok", (name, results[name])

    # The Public Suffix List is package data: the installed copy reads it.
    suffix = _run([str(python), "-I", "-c", PUBLIC_SUFFIX], cwd=outside)
    assert suffix.returncode == 0, suffix.stderr
    assert suffix.stdout.split() == ["E003", "github.io"]


REPOSITORY = "https://github.com/corecors/corecors"
RAW = "https://raw.githubusercontent.com/corecors/corecors/main/"


def headings(markdown: str) -> set[str]:
    """The anchors GitHub and mkdocs give the headings of ``markdown``."""
    prose = re.sub(r"^```.*?^```", "", markdown, flags=re.M | re.S)
    return {
        re.sub(r"[^\w\- ]", "", line.lstrip("#").strip().lower()).replace(" ", "-")
        for line in prose.splitlines()
        if re.match(r"#{1,6} ", line)
    }


def test_readme_links_lead_to_files_and_headings_that_exist() -> None:
    """Every absolute link into the repository names a path in it, and a heading of the
    README or of the linked page when it has a fragment."""
    readme = (ROOT / "README.md").read_text()
    targets = re.findall(r"\]\((https?://[^)]*)\)", readme)
    assert len(targets) >= 10, targets
    broken = []
    for url in targets:
        address, _, fragment = url.partition("#")
        if address == REPOSITORY:
            ok = fragment in headings(readme)
        elif address.startswith((f"{REPOSITORY}/blob/main/", f"{REPOSITORY}/tree/main/")):
            path = ROOT / address.split("/main/", 1)[1]
            ok = path.exists() and (not fragment or fragment in headings(path.read_text()))
        elif url.startswith(RAW):
            ok = (ROOT / url.removeprefix(RAW)).is_file()
        else:
            ok = False  # a link outside the repository: none so far; add its check here
        if not ok:
            broken.append(url)
    assert broken == [], broken
