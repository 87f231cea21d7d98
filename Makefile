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

## Compile contracts/ into generated/ (embedded defaults, nothing else to start).
generate: setup
	$(VENV)/bin/contract-codegen generate

check: setup
	$(VENV)/bin/contract-codegen check

lint: setup
	$(VENV)/bin/contract-codegen lint

## The whole test suite (what .ci/run calls).
test: setup
	$(PY) -m pytest -n 2 --dist loadgroup

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
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
