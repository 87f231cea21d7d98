# Two commands do all set-up on a fresh machine: `make generate` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup generate check lint test typecheck bench goldens clean

$(STAMP): pyproject.toml runtime/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ./runtime -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

# dbt lives in its own environment: its pins (protobuf<7, pathspec<0.13) conflict with the compiler's tools.
# The newest dbt-core fetches a parser binary from outside the package index, so it is held below 1.11.
DBT_VENV ?= .venv-dbt
DBT_STAMP := $(DBT_VENV)/.installed
$(DBT_STAMP):
	$(PYTHON) -m venv $(DBT_VENV)
	$(DBT_VENV)/bin/python -m pip install -q --upgrade pip
	$(DBT_VENV)/bin/python -m pip install -q "dbt-core>=1.10,<1.11" "dbt-duckdb>=1.10,<1.12"
	touch $(DBT_STAMP)

## Compile contracts/ into generated/ (embedded defaults, nothing else to start).
generate: setup
	$(VENV)/bin/contract-codegen generate

check: setup
	$(VENV)/bin/contract-codegen check

lint: setup
	$(VENV)/bin/contract-codegen lint

## The whole test suite (what .ci/run calls).
test: setup $(DBT_STAMP)
	DBT_EXECUTABLE=$(CURDIR)/$(DBT_VENV)/bin/dbt $(PY) -m pytest -n 2 --dist loadgroup

typecheck: setup
	$(VENV)/bin/mypy codegen runtime/src
	$(VENV)/bin/ruff check .

bench: setup
	$(PY) -m benchmarks

## Regenerate golden files (tests/cases/*/expected*, typing goldens); review the diff before committing.
goldens: setup
	UPDATE_GOLDENS=1 $(PY) -m pytest -q tests/test_cases.py tests/typing
	$(VENV)/bin/contract-codegen generate --force

clean:
	rm -rf $(VENV) $(DBT_VENV) .mypy_cache .ruff_cache .pytest_cache
