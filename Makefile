# corecors: `make demo` runs the demo, `make test` runs every check. Both bootstrap .venv:
# `make demo` with the demo extra only, `make test` with the dev and bench extras.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEMO_STAMP := $(VENV)/.demo-installed
FRAMEWORK ?= fastapi
API_PORT ?= 8000
FRONTEND_PORT ?= 3000

.PHONY: demo test lint typecheck pytest matrix docs bench soak public-suffixes clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	touch $(STAMP)

# The demo extra is part of dev: a .venv that `make test` installed needs nothing more.
$(DEMO_STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	if [ ! $(STAMP) -nt pyproject.toml ]; then \
		$(PY) -m pip install --quiet --upgrade pip && \
		$(PY) -m pip install --quiet -e '.[demo]'; \
	fi
	touch $(DEMO_STAMP)

demo: $(DEMO_STAMP)
	$(PY) -m examples.demo --framework $(FRAMEWORK) --api-port $(API_PORT) --frontend-port $(FRONTEND_PORT)

test: lint typecheck pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy --strict

# coverage starts before pytest: pytest imports corecors while it reads its
# filterwarnings setting (error::corecors.CORSConfigWarning), before pytest-cov
# could start, so `pytest --cov` would count every module-level line as missed.
pytest: $(STAMP)
	$(PY) -m coverage run -m pytest $(PYTEST_ARGS)
	$(PY) -m coverage report --fail-under=100

# The version matrix (noxfile.py): other Pythons, the oldest and newest frameworks.
matrix: $(STAMP)
	$(VENV)/bin/nox $(NOX_ARGS)

# The API reference (docs/reference/, written from the code by docs/generate.py) and
# the site in build/site; tests/project/test_docs.py checks both inside `make test`.
docs: $(STAMP)
	$(PY) docs/generate.py
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict

bench: $(STAMP)
	$(PY) -m benchmarks.run $(BENCH_ARGS)

# Each stack on its real server under load, beside the bare server and the peer
# (benchmarks/soak.py; about 70 minutes on two cores). SOAK_ARGS=--help lists options.
soak: $(STAMP)
	$(PY) -m benchmarks.soak $(SOAK_ARGS)

# corecors/engine/public_suffix_list.dat from the newest publicsuffixlist on PyPI
# (tools/update_public_suffixes.py); commit the result.
public-suffixes: $(STAMP)
	$(PY) -m pip install --quiet --upgrade publicsuffixlist
	$(PY) tools/update_public_suffixes.py

clean:
	rm -rf $(VENV) .nox build dist *.egg-info .mypy_cache .pytest_cache .ruff_cache .coverage
