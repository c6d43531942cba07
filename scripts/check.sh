#!/usr/bin/env bash
# The static checks: style, types, the layering contracts and migrations.
set -uo pipefail
cd "$(dirname "$0")/.."
export YANKAO_ENVIRONMENT=test DJANGO_SETTINGS_MODULE=config.settings.test
status=0
run() { printf '\033[1m[check]\033[0m %s\n' "$*"; "$@" || status=1; }
run .venv/bin/ruff check .
run .venv/bin/ruff format --check .
run .venv/bin/mypy
run .venv/bin/lint-imports --no-cache
run .venv/bin/python manage.py makemigrations --check --dry-run
exit $status
