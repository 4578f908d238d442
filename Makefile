# Everything sets itself up: `make demo` and `make test` work on a fresh machine.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: venv demo test test-py lint bench docs clean sandbox-deps docker-deps test-runtime test-docker bench-runtime

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

## docs: regenerate docs/rules.md from the catalogue
docs: venv
	$(BIN)/codie rules --markdown > docs/rules.md

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

## sandbox-deps: bubblewrap + python3-seccomp, the process sandbox's isolation (idempotent)
sandbox-deps:
	@command -v bwrap >/dev/null && test -e /usr/lib/python3/dist-packages/seccomp.cpython-311-x86_64-linux-gnu.so \
	  || (apt-get update -qq && apt-get install -y -qq bubblewrap python3-seccomp)

## docker-deps: podman + runc for the docker backend's tests against a real engine (~30 s)
docker-deps:
	@command -v podman >/dev/null && command -v runc >/dev/null \
	  || (apt-get update -qq && apt-get install -y -qq podman runc uidmap)

## test-runtime: the worker and sandbox suites (docker tests skip without an engine)
test-runtime: venv sandbox-deps
	$(BIN)/pytest -q tests/worker tests/runtime

## test-docker: the docker backend against podman's Docker API (installs podman first)
test-docker: venv sandbox-deps docker-deps
	$(BIN)/pytest -q tests/runtime/test_docker_backend.py

## bench-runtime: sandbox start-up overhead per isolation mode (prints figures)
bench-runtime: venv sandbox-deps
	$(BIN)/python bench/runtime_sandbox.py
