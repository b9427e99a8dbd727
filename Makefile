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

.PHONY: help install run test lint format clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv==$(UV_VERSION)

install: $(UV) ## Install uv and the workspace (.venv) exactly as locked
	$(UV) sync --frozen

run: install ## Run the whole system here (embedded PostgreSQL and Redis unless configured)
	$(UV) run --frozen --no-sync tracker-local run

test: lint ## Lint, type-check and run every test (unit, integration, end to end)
	$(UV) run --frozen --no-sync pytest

lint: install ## ruff (lint + format check) and mypy over the workspace
	$(UV) run --frozen --no-sync ruff check .
	$(UV) run --frozen --no-sync ruff format --check .
	$(UV) run --frozen --no-sync mypy

format: install ## Format and auto-fix the code
	$(UV) run --frozen --no-sync ruff format .
	$(UV) run --frozen --no-sync ruff check --fix .

clean: ## Remove the virtualenv, tools and local data (.data)
	rm -rf .venv $(TOOLS) .data .pytest_cache .mypy_cache .ruff_cache
