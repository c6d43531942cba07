#!/usr/bin/env bash
# `make test`: set up, run the static checks, the whole suite on SQLite (browser tests included)
# and everything but the browser tests on PostgreSQL. A part that cannot run is reported loudly;
# under CI=true it is a failure.
set -uo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
scripts/bootstrap.sh --browser || exit 1
export YANKAO_ENVIRONMENT=test DJANGO_SETTINGS_MODULE=config.settings.test
unset DATABASE_URL_SQLITE
ci=${CI:-false}
status=0
skipped=()
banner() { printf '\n\033[1;44m %s \033[0m\n' "$*"; }
loud() { printf '\n\033[1;41m SKIPPED: %s \033[0m\n' "$*"; skipped+=("$*"); }

banner "1/3 static checks"
scripts/check.sh || status=1

banner "2/3 the whole suite on SQLite"
pytest_args=(-p no:cacheprovider -q)
if [ -x /usr/bin/chromium ]; then
    DATABASE_URL="sqlite:///$PWD/var/test.sqlite3" .venv/bin/pytest "${pytest_args[@]}" || status=1
else
    loud "browser tests: /usr/bin/chromium is missing (install it as root: apt-get install chromium)"
    DATABASE_URL="sqlite:///$PWD/var/test.sqlite3" YANKAO_BROWSER_SKIPPED=1 .venv/bin/pytest "${pytest_args[@]}" -m "not browser" || status=1
fi

banner "3/3 everything but the browser tests on PostgreSQL"
pg_url=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/yankao}
if ! scripts/postgres.sh "$pg_url"; then
    loud "PostgreSQL tests: no PostgreSQL answers at $pg_url"
else
    DATABASE_URL="$pg_url" .venv/bin/pytest "${pytest_args[@]}" -m "not browser" || status=1
fi

elapsed=$(( $(date +%s) - started ))
banner "make test took ${elapsed}s"
if [ ${#skipped[@]} -gt 0 ]; then
    printf '\033[1;41m %s part(s) did not run: \033[0m\n' "${#skipped[@]}"
    printf '  - %s\n' "${skipped[@]}"
    if [ "$ci" = "true" ]; then
        echo "CI=true: a part that did not run is a failure."
        status=1
    fi
fi
exit $status
