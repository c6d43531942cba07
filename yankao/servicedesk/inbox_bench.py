"""The agency inbox on PostgreSQL (issue 3 asks for its figures on both databases).

`servicedesk.inbox_postgres` and `servicedesk.inbox_api_postgres`: the same pages as
`servicedesk.inbox` / `servicedesk.inbox_api` (yankao/servicedesk/bench.py), on a server whose
PostgreSQL database (127.0.0.1:5432, `yankao_bench_inbox`) holds the petitions' demo year, against
the bare view of that same server. The database is built once per generator version and reused.
"""

from pathlib import Path
from typing import Any

from django.conf import settings

from yankao.core.bench_framework import Figure, benchmark
from yankao.core.bench_runner import bench_login, manage_in_child
from yankao.servicedesk.bench import (
    DEMO_PASSWORD,
    INBOX_P95_GOAL_MS,
    INBOX_PAGE_GOAL,
    INBOX_THROUGHPUT_GOAL,
    POSTGRES_ADMIN_URL,
    SEED,
    TARGETS,
    inbox_page_goal_met,
)
from yankao.servicedesk.demo import VERSION as DEMO_VERSION

DATABASE = "yankao_bench_inbox"
DATABASE_URL = f"postgresql://postgres@127.0.0.1:5432/{DATABASE}"


def _database_ready(ctx: Any) -> str:
    """The inbox database with the demo year of this generator version, built when missing."""
    import psycopg

    marker = Path(settings.VAR_DIR) / "bench" / f"servicedesk-postgres-inbox-v{DEMO_VERSION}.json"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone()
        if exists and not marker.exists():  # an older generator's year, or a build cut short
            admin.execute(f'DROP DATABASE "{DATABASE}" WITH (FORCE)')
            exists = None
        if not exists:
            admin.execute(f'CREATE DATABASE "{DATABASE}"')
    manage_in_child(DATABASE_URL, "migrate", "--no-input", "-v0")
    if not marker.exists():
        ctx.status("servicedesk: building the demo year into PostgreSQL (once per generator version)")
        marker.parent.mkdir(parents=True, exist_ok=True)
        building = marker.with_suffix(".building.json")
        manage_in_child(
            DATABASE_URL,
            "demo",
            "--only",
            "servicedesk",
            "--targets",
            str(TARGETS),
            "--seed",
            SEED,
            "--state",
            str(building),
            "-v0",
            timeout_s=1800,
        )
        building.replace(marker)
    return DATABASE_URL


def _figure(name: str, comparison: Any, *, page: bool) -> Figure:
    if page:  # the HTML page: judged as servicedesk.inbox is (see INBOX_PAGE_PEER_RPS)
        met, goal = inbox_page_goal_met(comparison), INBOX_PAGE_GOAL
    else:
        met = (
            comparison.errors == 0
            and comparison.subject.p95_ms < INBOX_P95_GOAL_MS
            and comparison.throughput_ratio >= INBOX_THROUGHPUT_GOAL
        )
        goal = "p95 < 150 ms and >= 0.3x the bare view's req/s"
    return Figure(
        name=name,
        value=comparison.subject.p95_ms,
        unit="ms p95",
        baseline_name="bare view p95",
        baseline_value=comparison.baseline.p95_ms,
        goal=goal,
        goal_met=met,
        extra=comparison.as_extra(),
    )


@benchmark(module="servicedesk", name="inbox_postgres")
def inbox_postgres(ctx: Any) -> list[Figure]:
    url = _database_ready(ctx)
    server = ctx.server(database_url=url)
    cookie = bench_login(server, username="officer", password=DEMO_PASSWORD)
    comparison = ctx.http_compare("/console/cases/", headers={"Cookie": cookie}, database_url=url)
    return [_figure("servicedesk.inbox_postgres", comparison, page=True)]


@benchmark(module="servicedesk", name="inbox_api_postgres")
def inbox_api_postgres(ctx: Any) -> list[Figure]:
    url = _database_ready(ctx)
    token = manage_in_child(url, "token", "issue", "officer").strip().splitlines()[-1]
    comparison = ctx.http_compare(
        "/api/v1/cases", headers={"Authorization": f"Token {token}"}, database_url=url
    )
    return [_figure("servicedesk.inbox_api_postgres", comparison, page=False)]
