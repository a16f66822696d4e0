# Newcomer commands: `make demo` (set up and show the sample) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DB := demo.db
STAMP := $(VENV)/.installed

.PHONY: demo test lint docs bench bench-full clean

$(STAMP): pyproject.toml
	@echo "setting up $(VENV) (log: $(VENV)/install.log)"
	@$(PYTHON) -m venv $(VENV)
	@( $(BIN)/pip install --upgrade pip && $(BIN)/pip install -e '.[dev]' ) > $(VENV)/install.log 2>&1 \
	  || { tail -n 30 $(VENV)/install.log; exit 1; }
	@touch $(STAMP)

demo: $(STAMP)
	@rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	@$(BIN)/ledger --db $(DEMO_DB) init
	@$(BIN)/ledger --db $(DEMO_DB) append --file examples/us-japan-2025.jsonl
	@$(BIN)/ledger --db $(DEMO_DB) state --as-of 2025-06-01 --partner JP
	@$(BIN)/ledger --db $(DEMO_DB) rate JP 87032301 --as-of 2025-06-01 --imposer US

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check events projections ledger tests benchmarks docs
	$(BIN)/mypy events projections ledger
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q -p no:cacheprovider --doctest-modules events projections
	$(BIN)/cog --check -c docs/events.md docs/cli.md docs/architecture.md

docs: $(STAMP)
	$(BIN)/cog -r -c docs/events.md docs/cli.md docs/architecture.md
	$(BIN)/python docs/console_blocks.py docs/tutorial.md docs/time.md docs/integrity.md docs/backup.md

bench: $(STAMP)
	$(BIN)/python -m benchmarks --quick

bench-full: $(STAMP)
	$(BIN)/python -m benchmarks --full

clean:
	rm -rf $(VENV) $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm .pytest_cache .mypy_cache .ruff_cache
