# 온통 (Ontong): two commands on a fresh machine — `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test smoke install lint format demo worker clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# The demo city, the Meta emulator and `ontong run` are development tools (ontong/devtools/).
demo: $(STAMP)
	$(BIN)/ontong migrate --verbosity 0
	$(BIN)/ontong load_demo

run: demo
	$(BIN)/ontong run 127.0.0.1:8000

worker: $(STAMP)
	$(BIN)/ontong worker

test: $(STAMP)
	bash scripts/test.sh

# Production mode as docs/deployment.md tells an operator, walked as every role (SQLite + PostgreSQL).
smoke: $(STAMP)
	bash scripts/smoke.sh

lint: $(STAMP)
	$(BIN)/ruff check ontong bench scripts
	$(BIN)/ruff format --check ontong

format: $(STAMP)
	$(BIN)/ruff format ontong
	$(BIN)/ruff check --fix ontong

clean:
	rm -rf $(VENV) var
