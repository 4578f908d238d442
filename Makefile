# Everything sets itself up: `make demo` and `make test` work on a fresh machine.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: venv demo test test-py lint bench bench-security docs clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

## demo: analyse the bundled example project (exit 1 = findings at error level, as designed)
demo: venv
	$(BIN)/codie check examples/ ; rc=$$?; test $$rc -le 1

## test: lint, type-check and run every test suite
test: lint test-py

lint: venv
	$(BIN)/ruff check server tests bench
	$(BIN)/mypy

test-py: venv
	$(BIN)/pytest -q

## bench: print the benchmarks' figures
bench: venv
	$(BIN)/python bench/edit_latency.py

## bench-security: corpus score, throughput next to Bandit, edit latency (security analyzers)
bench-security: venv
	$(BIN)/python bench/security_score.py
	$(BIN)/python bench/security_throughput.py
	$(BIN)/python bench/security_edit_latency.py

## docs: regenerate docs/rules.md from the catalogue
docs: venv
	$(BIN)/codie rules --markdown > docs/rules.md

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
