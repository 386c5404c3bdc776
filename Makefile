# Two commands on a fresh machine with Python 3.11+: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TSTAMP := $(VENV)/.installed-test
LSTAMP := $(VENV)/.installed-lint
#: The core that mypy checks (the TUI and the CLI follow Textual's and Typer's types loosely).
CORE   := tasktui/records.py tasktui/deferred.py tasktui/lazy_typing.py tasktui/config.py tasktui/db tasktui/models.py tasktui/services tasktui/formats.py tasktui/errors.py tasktui/strict_json.py tasktui/log_safety.py
#: Parallel test workers (pytest-xdist): one per core and one more, since many tests
#: wait on subprocesses and servers (on 2 cores, 3 workers finish about 10% sooner than 2).
WORKERS ?= $(shell $(PYTHON) -c 'import os; print((os.cpu_count() or 1) + 1)')

.PHONY: run test lint format bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TSTAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(STAMP)

$(LSTAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[lint]'
	touch $@

run: $(STAMP)
	$(BIN)/tasktui $(ARGS)

test: $(TSTAMP)
	$(BIN)/python -m pytest -q -n $(WORKERS) $(PYTEST_ARGS)

lint: $(LSTAMP)
	$(BIN)/ruff format --check tasktui tests
	$(BIN)/ruff check tasktui tests
	$(BIN)/mypy $(CORE)
	$(BIN)/lint-imports

format: $(LSTAMP)
	$(BIN)/ruff format tasktui tests
	$(BIN)/ruff check --fix tasktui tests

bench: $(TSTAMP)
	$(BIN)/python -m tests.bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build dist .pytest_cache
