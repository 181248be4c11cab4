# The two commands a newcomer needs: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_DEV := $(VENV)/.installed-dev

.PHONY: run test bench lint migrate clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[postgres,discord,slack]'
	touch $@

$(STAMP_DEV): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[postgres,discord,slack,dev]'
	touch $@ $(STAMP_RUN)

run: $(STAMP_RUN)
	$(BIN)/prepbot run

migrate: $(STAMP_RUN)
	$(BIN)/prepbot migrate

test: $(STAMP_DEV)
	$(BIN)/python -m pytest -q

# The ASAG data set is benchmark-only and lives outside the project (../shared in CI).
ASAG_DATA ?= ../shared/benchmarks/asag/mohler.csv

bench: $(STAMP_DEV)
	$(BIN)/prepbot bench all
	@if [ -f "$(ASAG_DATA)" ]; then $(BIN)/prepbot bench asag --data "$(ASAG_DATA)"; \
	else echo "skipping bench asag: no data at $(ASAG_DATA) (set ASAG_DATA=PATH)"; fi

lint: $(STAMP_DEV)
	$(BIN)/ruff check bot adapters tests migrations
	$(BIN)/ruff format --check bot adapters tests migrations
	$(BIN)/mypy bot

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
