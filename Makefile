# Two commands on a fresh machine with only python3: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# litellm reads its bundled price list instead of downloading one, even in tools that import it
# directly (mockloop itself sets this before its lazy import).
export LITELLM_LOCAL_MODEL_COST_MAP := True

.PHONY: run test lint bench coverage-table json-schema clean sandbox

$(BIN)/python:
	@echo "Creating $(VENV)..."
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	@echo "Installing mockloop and its dependencies into $(VENV) (once; a few minutes)..."
	$(BIN)/python -m pip install --progress-bar off -e '.[dev]'
	touch $@
	@echo "Installed. The command is $(BIN)/mockloop (or 'source $(BIN)/activate', then mockloop)."

## run: an interview on the offline engine (set MOCKLOOP_MODEL for an LLM interviewer)
run: $(VENV)/.installed
	$(BIN)/mockloop interview $(ARGS)

## lint: ruff (lint + format check), mypy, and the import contracts of DESIGN.md (pyproject.toml)
lint: $(VENV)/.installed
	$(BIN)/ruff check src tests $(wildcard benchmarks/*.py) scripts
	$(BIN)/ruff format --check src tests $(wildcard benchmarks/*.py) scripts
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

## sandbox: install bubblewrap (the OS sandbox for candidate code) when missing and installable
## here (root with apt-get, as in CI); never fatal: without it the sandbox tests say why they skip
sandbox:
	@command -v bwrap >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
	  && export DEBIAN_FRONTEND=noninteractive \
	  && { apt-get install -y -qq bubblewrap </dev/null >/dev/null 2>&1 \
	       || { apt-get update -qq </dev/null >/dev/null 2>&1 \
	            && apt-get install -y -qq bubblewrap </dev/null >/dev/null 2>&1; }; }; } \
	  || echo "bubblewrap is not installed and cannot be installed here; sandbox tests will skip"

## test: lint, then the whole suite (slow end-to-end tests included)
test: lint sandbox
	$(BIN)/python -m pytest -n 2 -q

## bench: start-up, per-turn and scorer-validity figures, written to benchmarks/RESULTS.md
bench: $(VENV)/.installed
	$(BIN)/python benchmarks/run.py

## coverage-table: rewrite the README's question coverage table from the banks
coverage-table: $(VENV)/.installed
	$(BIN)/python scripts/coverage_table.py

## json-schema: regenerate docs/json-output.schema.json after changing the --json document
json-schema: $(VENV)/.installed
	$(BIN)/python scripts/json_schema.py

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache
