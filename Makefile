# Newcomer commands: `make demo` (set up and show the sample) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DB := demo.db
STAMP := $(VENV)/.installed

.PHONY: demo test lint docs bench bench-full clean chromium

$(STAMP): pyproject.toml
	@echo "setting up $(VENV) (log: $(VENV)/install.log)"
	@$(PYTHON) -m venv $(VENV)
	@( $(BIN)/pip install --upgrade pip && $(BIN)/pip install -e '.[dev,serve]' ) > $(VENV)/install.log 2>&1 \
	  || { tail -n 30 $(VENV)/install.log; exit 1; }
	@touch $(STAMP)

demo: $(STAMP)
	@rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	@$(BIN)/ledger --db $(DEMO_DB) init
	@$(BIN)/ledger --db $(DEMO_DB) append --file examples/us-japan-2025.jsonl
	@$(BIN)/ledger --db $(DEMO_DB) state --as-of 2025-06-01 --partner JP
	@$(BIN)/ledger --db $(DEMO_DB) rate JP 87032301 --as-of 2025-06-01 --imposer US
	@echo "next: $(BIN)/ledger --db $(DEMO_DB) serve   then open http://127.0.0.1:8000/?as_of=2025-06-01&partner=JP"

# One pytest worker per CPU (pytest-xdist): every test has its own file or PostgreSQL schema.
test: $(STAMP) chromium
	$(BIN)/python -m pytest -n auto

# The browser test drives the distribution's headless Chromium; install it when missing and we may (root, apt).
chromium:
	@command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing chromium for the browser test (apt-get)"; \
	    ( apt-get update -qq && apt-get install -y -qq chromium ) > $(VENV)/chromium.log 2>&1 \
	      || echo "could not install chromium (log: $(VENV)/chromium.log): the browser test skips, or fails with CI=true"; \
	  else echo "chromium is missing: the browser test skips, or fails with CI=true (apt-get install chromium)"; fi; }

lint: $(STAMP)
	$(BIN)/ruff check events projections ledger tests benchmarks docs
	$(BIN)/mypy events projections ledger
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q -p no:cacheprovider --doctest-modules events projections ledger
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
