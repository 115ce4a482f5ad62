# corecors: `make demo` runs the demo, `make test` runs every check. Both bootstrap .venv.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
FRAMEWORK ?= fastapi
API_PORT ?= 8000
FRONTEND_PORT ?= 3000

.PHONY: demo test lint typecheck pytest bench soak clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	touch $(STAMP)

demo: $(STAMP)
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

bench: $(STAMP)
	$(PY) -m benchmarks.run $(BENCH_ARGS)

# Each stack on its real server under load, beside the bare server and the peer
# (tests/reliability/soak.py; about 45 minutes on two cores). SOAK_ARGS=--help lists options.
soak: $(STAMP)
	$(PY) -m tests.reliability.soak $(SOAK_ARGS)

clean:
	rm -rf $(VENV) build dist *.egg-info .mypy_cache .pytest_cache .ruff_cache .coverage
