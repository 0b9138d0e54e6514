# Two commands do all set-up: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev

.PHONY: run test test-dates bench lint clean venv

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -q -e .
	touch $@

$(DEVSTAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@ $(STAMP)

venv: $(STAMP)

## make run: start the TUI in demo mode on a fresh SQLite store with simulated buyers
run: $(STAMP)
	$(BIN)/cs-console demo

## make test: the whole suite (PostgreSQL tests start a throwaway server; see tests/pg.py),
## then the same suite at three other dates and hours (test-dates)
test: $(DEVSTAMP)
	bash tests/ensure-postgres.sh
	$(BIN)/python -m pytest -q
	bash tests/run-at-dates.sh

## make test-dates: the suite under libfaketime at three shop times (Monday 07:10, month end 23:59, 2031)
test-dates: $(DEVSTAMP)
	bash tests/ensure-postgres.sh
	bash tests/run-at-dates.sh

## make bench: start-up, chat switch, injection latency, search, import, sync figures
bench: $(DEVSTAMP)
	$(BIN)/python -m bench

lint: $(DEVSTAMP)
	$(BIN)/ruff check cs_console tests bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
