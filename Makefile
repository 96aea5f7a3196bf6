# The venv is built from requirements*.txt on first use (and rebuilt when they change).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test test-unit check bench demo synth clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "pip<26.3"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP)          ## the whole system on the local stack (API on :8000, PORT overrides)
	$(BIN)/python -m local.run

test: $(STAMP)         ## every test suite: unit, integration, entrypoints, e2e
	$(BIN)/python -m pytest -n 2 --dist loadfile tests

test-unit: $(STAMP)    ## the pure domain tests only (seconds)
	$(BIN)/python -m pytest tests/unit

check: $(STAMP)        ## ruff + mypy
	$(BIN)/ruff check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .local .pytest_cache .mypy_cache .ruff_cache
