# The venv is built from requirements*.txt on first use (and rebuilt when they change).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run reset test test-unit check bench demo synth clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "pip<26.3"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP)          ## the whole system on the local stack (API on :8000, PORT overrides); keeps its state in .local/
	$(BIN)/python -m local.run

reset: $(STAMP)        ## the local stack started empty (the state kept in .local/aws-state.pickle is deleted first)
	$(BIN)/python -m local.run --reset

test: $(STAMP)         ## every test suite: unit, integration, entrypoints, e2e
	$(BIN)/python -m pytest -n 2 --dist loadfile tests

test-unit: $(STAMP)    ## the pure domain tests only (seconds)
	$(BIN)/python -m pytest tests/unit

check: $(STAMP)        ## ruff (lint and the formatter, which decides the house style) + mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(STAMP)        ## benchmarks, not tests: deadline sweep, cold start, AWS requests and cost per application, throughput
	@if [ -f bench/sweep.py ]; then $(BIN)/python bench/sweep.py; fi
	$(BIN)/python -m bench

demo: $(STAMP)         ## the four services end to end on the local stack: timelines, SMS, signed results and their verification
	$(BIN)/python -m local.demo

clean:
	rm -rf $(VENV) .local .pytest_cache .mypy_cache .ruff_cache

# --- infra/: the AWS CDK app (Python) and its CLI (npm, pinned in infra/package-lock.json) ---------------
INFRA_STAMP := $(VENV)/.infra-installed
CDK_CLI     := infra/node_modules/.bin/cdk
# No AWS account is needed to synthesise: no metadata-service probing, no telemetry, no notices.
CDK_ENV     := AWS_EC2_METADATA_DISABLED=true CDK_DISABLE_CLI_TELEMETRY=true

.PHONY: test-infra

$(INFRA_STAMP): $(STAMP) infra/requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r infra/requirements.txt
	touch $(INFRA_STAMP)

$(CDK_CLI): infra/package.json infra/package-lock.json
	cd infra && npm ci --no-audit --no-fund --loglevel=error
	touch $(CDK_CLI)

synth: $(INFRA_STAMP) $(CDK_CLI)   ## CloudFormation of every stage into infra/cdk.out/ (no AWS credentials needed)
	rm -rf infra/cdk.out infra/chalice.out
	cd infra && $(CDK_ENV) node_modules/.bin/cdk synth --quiet --no-notices --output cdk.out \
		--app "$(abspath $(BIN))/python app.py"
	@ls infra/cdk.out/*.template.json

test-infra: $(INFRA_STAMP)         ## the CDK stack's tests (synthesises it; the first run builds the Lambda layer)
	$(CDK_ENV) $(BIN)/python -m pytest tests/infra
