# Strengthwise — the two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test install lint typecheck check clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

## make run: install, migrate, load the demo agency if the database is empty, serve on :8000
run: $(STAMP)
	$(BIN)/strengthwise demo

## make test: the whole suite (unit, API and browser tests). DATABASE_URL selects PostgreSQL.
## Two pytest-xdist workers (CI's machines have two cores), each with its own test database;
## `--dist load` hands each worker its tests in collection order, which the suite relies on
## (conftest.py: transactional and browser tests last). PYTEST_WORKERS=0 runs serially;
## PYTEST_ARGS adds arguments (a path, -k, -x). A plain `pytest path` stays serial.
PYTEST_WORKERS ?= 2
test: $(STAMP)
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist load $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy strengthwise

check: lint typecheck
	$(BIN)/strengthwise makemigrations --check --dry-run

clean:
	rm -rf $(VENV) var/staticfiles .pytest_cache .mypy_cache .ruff_cache
