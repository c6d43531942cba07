#!/usr/bin/env bash
# Makes sure the PostgreSQL server of DATABASE_URL answers; starts a local cluster that is installed but down.
set -uo pipefail
url=${1:-postgres://postgres@127.0.0.1:5432/yankao}
hostport=${url#*@}; hostport=${hostport%%/*}
host=${hostport%%:*}; port=${hostport##*:}; [ "$port" = "$host" ] && port=5432
ready() { command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h "$host" -p "$port"; }
ready && exit 0
if [ "$host" = "127.0.0.1" ] || [ "$host" = "localhost" ]; then
    if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
        for version in $(ls /etc/postgresql); do
            echo "starting PostgreSQL $version"
            pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>&1 || true
        done
        for _ in $(seq 1 30); do ready && exit 0; sleep 1; done
    fi
fi
exit 1
