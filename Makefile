# yankao: `make` alone lists the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash
VENV := .venv/bin
ONLY ?=

.PHONY: help setup run test check lint format typecheck bench demo demo-reset messages worker

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

setup: ## Set up the virtual environment, packages and development keys
	@scripts/bootstrap.sh

run: ## Set up, build the missing parts of the demo city, serve http://127.0.0.1:8000
	@scripts/run.sh

test: ## Set up, then run the static checks and every test on SQLite and PostgreSQL
	@scripts/test.sh

check: setup ## Static checks only: ruff, mypy, import contracts, migrations
	@scripts/check.sh

lint: setup ## ruff
	@$(VENV)/ruff check . && $(VENV)/ruff format --check .

format: setup ## Format and fix with ruff
	@$(VENV)/ruff format . && $(VENV)/ruff check --fix .

typecheck: setup ## mypy
	@$(VENV)/mypy

bench: setup ## Run the benchmarks (ONLY=<module> for one module); writes var/bench/results.json
	@$(VENV)/yankao bench $(if $(ONLY),--only $(ONLY),)

demo-reset: setup ## Rebuild the whole demo city from scratch
	@$(VENV)/yankao migrate --no-input -v0 && $(VENV)/yankao demo --reset

worker: setup ## Run a background task worker
	@$(VENV)/yankao db_worker

messages: setup ## Update and compile the translations
	@$(VENV)/yankao makemessages -l en --ignore=.venv --ignore=var && $(VENV)/yankao compilemessages --ignore=.venv
