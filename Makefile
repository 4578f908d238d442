# Everything sets itself up: `make demo` and `make test` work on a fresh machine.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: venv demo test test-py lint bench docs clean advisories bench-advisories
.PHONY: venv demo test test-py lint bench bench-calibration docs clean

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

## advisories: rebuild the packaged advisory index from the shared PyPA snapshot
ADVISORY_SEED ?= $(firstword $(wildcard ../shared/data/pypa-advisories.osv.jsonl.gz ../../shared/data/pypa-advisories.osv.jsonl.gz))
advisories: venv
	$(BIN)/codie advisories build $(ADVISORY_SEED) -o server/codie/data/advisories.json.gz

## bench-advisories: index build/size, lookup time, 300-dependency lockfile check
bench-advisories: venv
	$(BIN)/python bench/advisories_bench.py
## bench-calibration: ECE of the confidence on a labeled corpus, and feedback simulation
bench-calibration: venv
	$(BIN)/python bench/calibration.py

## docs: regenerate docs/rules.md from the catalogue
docs: venv
	$(BIN)/codie rules --markdown > docs/rules.md

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
