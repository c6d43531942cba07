#!/usr/bin/env bash
# `make run`: set up, migrate, build whatever part of the demo city is missing, then serve
# http://127.0.0.1:8000 in the foreground with a task worker beside it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
export YANKAO_ENVIRONMENT=${YANKAO_ENVIRONMENT:-development}
yankao=.venv/bin/yankao
printf '\033[1m[run]\033[0m migrating the database\n'
$yankao migrate --no-input -v0
$yankao createcachetable
printf '\033[1m[run]\033[0m building what is missing of the demo city\n'
$yankao demo --update
$yankao db_worker >var/worker.log 2>&1 &
worker=$!
trap 'kill $worker 2>/dev/null || true' EXIT
# Today's due-soon reminders and overdue escalations; production runs these from a daily timer.
$yankao cases scan --enqueue >/dev/null
$yankao programs remind --enqueue >/dev/null
$yankao programs_annual remind --enqueue >/dev/null
$yankao bullying remind >/dev/null
$yankao demo_logins
printf '\n\033[1m[run]\033[0m serving http://127.0.0.1:8000  (Ctrl-C to stop; task worker log: var/worker.log)\n'
exec_status=0
$yankao runserver 127.0.0.1:8000 --noreload || exec_status=$?
exit $exec_status
