# Two commands do all set-up: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev

.PHONY: run test test-dates bench bench-quick lint clean venv

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

## make test: the whole suite (PostgreSQL tests start a throwaway server; see tests/pg.py; browser
## tests drive Debian's headless chromium, see tests/browser.py),
## then the same suite at three other dates and hours (test-dates)
test: $(DEVSTAMP)
	bash tests/ensure-postgres.sh
	bash tests/ensure-chromium.sh
	$(BIN)/python -m pytest -q
	bash tests/run-at-dates.sh

## make test-dates: the suite under libfaketime at three shop times (Monday 07:10, month end 23:59, 2031)
test-dates: $(DEVSTAMP)
	bash tests/ensure-postgres.sh
	bash tests/ensure-chromium.sh
	bash tests/run-at-dates.sh

## make bench: every bench module at the demo, 10k and 100k store sizes (table + JSON);
## SIZES=demo,10k BACKENDS=sqlite,postgresql ARGS="feel replies" narrow it down
SIZES ?= demo,10k,100k
BACKENDS ?= sqlite
bench: $(DEVSTAMP)
	$(BIN)/python -m bench $(ARGS) --sizes $(SIZES) --backends $(BACKENDS)

## make bench-quick: fewer repetitions at the demo size (while developing on a shared machine)
bench-quick: $(DEVSTAMP)
	$(BIN)/python -m bench $(ARGS) --quick

lint: $(DEVSTAMP)
	$(BIN)/ruff check cs_console tests bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
