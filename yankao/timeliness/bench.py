"""The timeliness figures (issue 7, "Performance"), each against a baseline measured in the same run.

- `timeliness.import_postgres`: `yankao timeliness_import` of a 1,000,000-row UTF-8 register CSV
  into a fresh PostgreSQL database `yankao_bench_timeliness` (goal: under 20 s and under 2 GB peak
  RSS), against PostgreSQL's own `COPY ... (FORMAT csv)` of the same file into an unindexed
  table of text columns (the floor: no checks, no rules, no indexes).
- `timeliness.import_sqlite`: the same file into a fresh SQLite file (reported), against raw
  `sqlite3.executemany` of its rows into a table of text columns.
- `timeliness.import_formats`: 100,000 rows as UTF-8 CSV, Big5 CSV and Excel into PostgreSQL,
  seconds per 100,000 rows, against the UTF-8 CSV.
- `timeliness.deadlines`: `deadlines_compute` on 1,000,000 documents against the rank-table
  offset + count of perf-anchors.md on the same rows (goal: within 2x), and the naive per-row
  reference on a sample (ratio per row, and zero mismatches between the two).
- `timeliness.dashboard`: the dashboard page, the ranking, the drill-down and the Excel export
  over the imported year, through Django's test client in one process, against `/healthz`
  (goal: p95 under 300 ms for each).

The register files are written once under var/bench/ by the demo's writer (same seed, same bytes).
Import runs are subprocesses, so each peak RSS is its own.
"""

import json
import os
import sqlite3
import time
import tomllib
from pathlib import Path
from typing import Any

from django.conf import settings

from yankao.core.bench_framework import Figure, benchmark
from yankao.core.bench_runner import manage_in_child, python_in_child

POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
POSTGRES_BENCH_URL = "postgresql://postgres@127.0.0.1:5432/yankao_bench_timeliness"
DATABASE_NAME = "yankao_bench_timeliness"
SEED = 2023
FULL_ROWS = 1_000_000
FORMAT_ROWS = 100_000
IMPORT_GOAL_S = 20.0
IMPORT_GOAL_MB = 2048.0
DEADLINE_GOAL_RATIO = 2.0
DASHBOARD_GOAL_MS = 300.0
AGENCIES = Path(settings.BASE_DIR) / "yankao" / "core" / "data" / "cities" / "kaohsiung" / "agencies.toml"


def _load() -> tuple[float, float]:
    one, five, _ = os.getloadavg()
    return round(one, 2), round(five, 2)


def _agency_codes() -> tuple[list[str], list[float]]:
    """The city's agencies from the data file (no database needed), weighted as the demo weights them."""
    data = tomllib.loads(AGENCIES.read_text(encoding="utf-8"))
    targets = tomllib.loads(
        (Path(settings.BASE_DIR) / "yankao" / "demo" / "targets" / "kaohsiung-2023.toml").read_text(
            encoding="utf-8"
        )
    )
    weights: dict[str, float] = targets["timeliness"]["agency_kind_weights"]
    rows = [row for row in data.get("agency", []) if float(weights.get(row.get("kind", ""), 0)) > 0]
    return [row["code"] for row in rows], [float(weights[row["kind"]]) for row in rows]


def register_file(workdir: Path, *, rows: int, encoding: str = "utf-8") -> Path:
    """A register CSV of `rows` rows (written once, same seed, same bytes)."""
    import numpy as np

    from yankao.timeliness.demo import CATEGORY_LABELS, SPEED_LABELS, RegisterSpec, register_csv_write

    suffix = "big5" if encoding != "utf-8" else "utf8"
    path = workdir / f"timeliness-register-{rows}-{suffix}.csv"
    if path.exists():
        return path
    targets = tomllib.loads(
        (Path(settings.BASE_DIR) / "yankao" / "demo" / "targets" / "kaohsiung-2023.toml").read_text(
            encoding="utf-8"
        )
    )["timeliness"]
    codes, weights = _agency_codes()
    spec = RegisterSpec(
        year=2023,
        documents=rows,
        agency_codes=codes,
        agency_weights=weights,
        category_shares=[float(targets["category_shares"][label]) for label in CATEGORY_LABELS],
        speed_shares=[float(targets["speed_shares"][label]) for label in SPEED_LABELS],
        extension_share=float(targets["extension_share"]),
        combined_share=float(targets["combined_share"]),
        open_share=float(targets["open_share"]),
    )
    workdir.mkdir(parents=True, exist_ok=True)
    building = path.with_suffix(".building")
    with building.open("w", encoding="cp950" if suffix == "big5" else "utf-8", newline="") as out:
        register_csv_write(out=out, spec=spec, rng=np.random.default_rng(SEED))
    building.replace(path)
    return path


def excel_file(workdir: Path, *, rows: int) -> Path:
    """The same register as an .xlsx (written once)."""
    import csv

    from yankao.core.spreadsheets import Column, workbook_build

    path = workdir / f"timeliness-register-{rows}.xlsx"
    if path.exists():
        return path
    source = register_file(workdir, rows=rows)
    with source.open(encoding="utf-8", newline="") as file:
        reader = csv.reader(file)
        header = next(reader)
        data = workbook_build(sheets=[("公文登記", [Column(name) for name in header], reader)])
    path.write_bytes(data)
    return path


def _postgres_database_fresh() -> None:
    import psycopg

    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DATABASE_NAME} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {DATABASE_NAME}")
    _database_prepare(POSTGRES_BENCH_URL)


USER_SCRIPT = r"""
import django
django.setup()
from yankao.core.models import Agency, Role, User
User.objects.get_or_create(username="bench_rdec", defaults={"role": Role.RDEC_STAFF, "agency": Agency.objects.get(code="397027000A")})
"""


def _database_prepare(database_url: str) -> None:
    """Migrate, seed the city and add the RDEC account that imports."""
    manage_in_child(database_url, "migrate", "--no-input", "-v0")
    manage_in_child(database_url, "seed", "-v0")
    python_in_child(database_url, "-c", USER_SCRIPT)


def _postgres_truncate() -> None:
    import psycopg

    with psycopg.connect(POSTGRES_BENCH_URL, autocommit=True) as connection:
        connection.execute("TRUNCATE timeliness_sampleitem, timeliness_document, timeliness_figure CASCADE")


def _import(database_url: str, path: Path) -> dict[str, Any]:
    output = manage_in_child(
        database_url,
        "timeliness_import",
        str(path),
        "--json",
        "--as-of",
        "2024-01-15",
        "--user",
        "bench_rdec",
    )
    report: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    if report["outcome"] != "succeeded":
        raise RuntimeError(f"the bench register was rejected: {report['first_errors']}")
    return report


def _postgres_copy_floor(path: Path) -> float:
    """Seconds for PostgreSQL to COPY the CSV into an unindexed table of text columns."""
    import psycopg

    with path.open(encoding="utf-8") as file:
        width = len(file.readline().split(","))
    with psycopg.connect(POSTGRES_BENCH_URL) as connection:
        connection.execute("DROP TABLE IF EXISTS bench_copy_floor")
        connection.execute(
            "CREATE TABLE bench_copy_floor (" + ", ".join(f"c{i} text" for i in range(width)) + ")"
        )
        connection.commit()
        started = time.perf_counter()
        with (
            connection.cursor() as cursor,
            path.open("rb") as file,
            cursor.copy("COPY bench_copy_floor FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
        ):
            while block := file.read(1 << 20):
                copy.write(block)
        connection.commit()
        elapsed = time.perf_counter() - started
        connection.execute("DROP TABLE bench_copy_floor")
        connection.commit()
    return elapsed


@benchmark(module="timeliness", name="import_postgres")
def import_postgres(ctx: Any) -> list[Figure]:
    rows = FORMAT_ROWS if ctx.quick else FULL_ROWS
    workdir = Path(ctx.workdir)
    ctx.status(f"timeliness: writing the {rows:,}-row register (once)")
    path = register_file(workdir, rows=rows)
    ctx.status("timeliness: a fresh PostgreSQL database")
    _postgres_database_fresh()
    load_before = _load()
    floor = _postgres_copy_floor(path)
    ctx.status(f"timeliness: importing {rows:,} rows into PostgreSQL")
    report = _import(POSTGRES_BENCH_URL, path)
    load_after = _load()
    seconds, peak = float(report["seconds"]), float(report["peak_rss_mb"])
    scaled = seconds * FULL_ROWS / rows
    return [
        Figure(
            name="timeliness.import_postgres",
            value=seconds,
            unit="s",
            baseline_name="PostgreSQL COPY of the same CSV into unindexed text columns",
            baseline_value=floor,
            goal=f"{FULL_ROWS:,} rows under {IMPORT_GOAL_S:.0f} s and {IMPORT_GOAL_MB:.0f} MB peak RSS",
            goal_met=(scaled < IMPORT_GOAL_S and peak < IMPORT_GOAL_MB) if rows == FULL_ROWS else None,
            extra={
                "rows": rows,
                "phases_s": {key: round(value, 2) for key, value in report["phases"].items()},
                "cpu_s": round(float(report["cpu_seconds"]), 2),
                "peak_rss_mb": round(peak, 1),
                "load_average_before": load_before,
                "load_average_after": load_after,
                "summary": (
                    f"{rows:,} rows in {seconds:.1f} s (COPY floor {floor:.1f} s, {seconds / floor:.1f}x), "
                    f"peak {peak:,.0f} MB, load {load_before[0]}→{load_after[0]}"
                ),
            },
        )
    ]


def _postgres_has_schema() -> bool:
    import psycopg

    try:
        with psycopg.connect(POSTGRES_BENCH_URL) as connection:
            return connection.execute("SELECT to_regclass('timeliness_document') IS NOT NULL").fetchone() == (
                True,
            )
    except psycopg.OperationalError:
        return False


DEADLINES_SCRIPT = r"""
import json, sys, time
import django
django.setup()
import numpy as np
from datetime import date
from yankao.core.bench_runner import time_interleaved
from yankao.core.working_days import calendar_current
from yankao.timeliness.deadlines import (
    Facts, columns_from_facts, deadline_compute_one, deadlines_compute, result_row,
    CATEGORY_CODES, SPEED_CODES, QUESTION_CODES,
)
rows, sample, repeat = (int(value) for value in sys.argv[1:4])
rng = np.random.default_rng(20261127)
cal = calendar_current()
category = rng.choice(7, size=rows, p=[0.885, 0.05, 0.012, 0.004, 0.035, 0.002, 0.012])
speed = np.where(category == 0, rng.choice([1, 2, 3, 4], size=rows, p=[0.05, 0.22, 0.63, 0.10]), 0)
question = np.where(category == 2, rng.choice([1, 2], size=rows), 0)
received = np.datetime64("2023-01-01") + rng.integers(0, 365, size=rows).astype("timedelta64[D]")
closed = received + np.floor(rng.gamma(2.0, 4.0, size=rows)).astype("timedelta64[D]")
closed[rng.random(rows) < 0.01] = np.datetime64("NaT")
own = ((category == 0) & (speed == 4)) | (category == 3) | ((category == 5) & (rng.random(rows) < 0.5))
set_deadline = np.where(own, received + rng.integers(-3, 60, size=rows).astype("timedelta64[D]"), np.datetime64("NaT"))
extended = rng.random(rows) < 0.03
extended_to = np.where(extended, received + rng.integers(5, 150, size=rows).astype("timedelta64[D]"), np.datetime64("NaT"))
facts = [
    Facts(
        category=CATEGORY_CODES[c], speed=SPEED_CODES[s], question_source=QUESTION_CODES[q], received=r.item(),
        count_from=r.item(), set_deadline=None if np.isnat(d) else d.item(), closed=None if np.isnat(x) else x.item(),
        extension_count=1 if not np.isnat(e) else 0, extended_to=None if np.isnat(e) else e.item(),
        extension_approved=bool(e == e),
    )
    for c, s, q, r, d, x, e in zip(category[:sample], speed[:sample], question[:sample], received[:sample],
                                     set_deadline[:sample], closed[:sample], extended_to[:sample])
]
from yankao.timeliness.deadlines import Columns
columns = Columns(
    category=category.astype(np.int8), speed=speed.astype(np.int8), question_source=question.astype(np.int8),
    received=received, count_from=received.copy(), set_deadline=set_deadline, closed=closed,
    extension_count=extended.astype(np.int64), extension_requested=np.full(rows, np.datetime64("NaT"), dtype="datetime64[D]"),
    extended_to=extended_to, extension_approved=extended.copy(), period_value=np.full(rows, -1, dtype=np.int64),
    period_unit=np.zeros(rows, dtype=np.int64),
)
as_of = date(2024, 1, 15)
limits = rng.integers(0, 7, size=rows)
ends = np.where(np.isnat(closed), received, closed)
def ours():
    deadlines_compute(columns=columns, as_of=as_of, calendar_=cal)
def anchor():
    cal.add_working_days_array(received, limits)
    cal.count_working_days_array(received, ends)
timing = time_interleaved(ours, anchor, repeat=repeat)
result = deadlines_compute(columns=columns_from_facts(facts), as_of=as_of, calendar_=cal)
started = time.perf_counter()
reference = [deadline_compute_one(facts=row, as_of=as_of, calendar_=cal) for row in facts]
naive_per_row = (time.perf_counter() - started) / sample
mismatches = sum(1 for i, row in enumerate(reference) if result_row(result, i) != row)
print(json.dumps({
    "ours_s": timing.a.median_s, "ours_range": [timing.a.min_s, timing.a.max_s],
    "anchor_s": timing.b.median_s, "anchor_range": [timing.b.min_s, timing.b.max_s],
    "naive_per_row_s": naive_per_row, "mismatches": mismatches,
}))
"""


@benchmark(module="timeliness", name="deadlines")
def deadlines(ctx: Any) -> list[Figure]:
    rows = 100_000 if ctx.quick else FULL_ROWS
    sample = 2_000 if ctx.quick else 20_000
    if not _postgres_has_schema():
        _postgres_database_fresh()
    output = python_in_child(
        POSTGRES_BENCH_URL, "-c", DEADLINES_SCRIPT, str(rows), str(sample), "3" if ctx.quick else "7"
    )
    report = json.loads(output.strip().splitlines()[-1])
    ours, anchor = float(report["ours_s"]), float(report["anchor_s"])
    naive_total = float(report["naive_per_row_s"]) * rows
    return [
        Figure(
            name="timeliness.deadlines",
            value=ours * 1000,
            unit="ms",
            baseline_name=f"rank-table offset + count of perf-anchors.md on the same {rows:,} rows",
            baseline_value=anchor * 1000,
            goal=f"within {DEADLINE_GOAL_RATIO:.0f}x of the rank table; zero mismatches with the naive loop",
            goal_met=ours <= DEADLINE_GOAL_RATIO * anchor and report["mismatches"] == 0,
            extra={
                "rows": rows,
                "ours_range_ms": [round(value * 1000, 1) for value in report["ours_range"]],
                "anchor_range_ms": [round(value * 1000, 1) for value in report["anchor_range"]],
                "naive_per_row_us": round(float(report["naive_per_row_s"]) * 1e6, 1),
                "naive_ratio": round(naive_total / ours, 1),
                "sample": sample,
                "mismatches": report["mismatches"],
                "summary": (
                    f"{ours * 1000:.0f} ms vs rank table {anchor * 1000:.0f} ms ({ours / anchor:.1f}x); "
                    f"naive loop {naive_total:.0f} s projected ({naive_total / ours:,.0f}x slower); "
                    f"{report['mismatches']} mismatches on {sample:,}"
                ),
            },
        )
    ]


DASHBOARD_SCRIPT = r"""
import json, sys, time
import django
django.setup()
from django.test import Client
from yankao.core.models import Agency, Role, User
repeat = int(sys.argv[1])
user = User.objects.filter(username="bench_rdec").first() or User.objects.create(
    username="bench_rdec", role=Role.RDEC_STAFF, agency=Agency.objects.get(code="397027000A"))
liaison = User.objects.filter(username="bench_liaison").first() or User.objects.create(
    username="bench_liaison", role=Role.LIAISON, agency=Agency.objects.get(code="397010000A"))
year = {"date_from": "2023-01-01", "date_to": "2023-12-31"}
pages = {
    "dashboard_city": (user, "/console/timeliness/", year),
    "dashboard_agency": (liaison, "/console/timeliness/", year),
    "drill_down_overdue": (user, "/console/timeliness/documents/", {**year, "status": "overdue", "category": "general"}),
    "drill_down_agency_month": (liaison, "/console/timeliness/documents/", {**year, "month": "2023-06"}),
    "export_xlsx": (user, "/console/timeliness/export.xlsx", year),
    "baseline_healthz": (user, "/healthz", {}),
}
clients = {}
for name, (who, path, query) in pages.items():
    client = clients.get(who.pk) or Client(HTTP_HOST="127.0.0.1")
    client.force_login(who)
    clients[who.pk] = client
result = {}
for name, (who, path, query) in pages.items():
    client = clients[who.pk]
    started = time.perf_counter()
    response = client.get(path, query)
    first_ms = (time.perf_counter() - started) * 1000  # cold: the figures' cache is empty
    assert response.status_code == 200, (name, response.status_code)
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(path, query)
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    result[name] = {"first_ms": first_ms, "p50_ms": samples[len(samples) // 2], "p95_ms": samples[min(len(samples) - 1, int(len(samples) * 0.95))]}
print(json.dumps(result))
"""


@benchmark(module="timeliness", name="dashboard")
def dashboard(ctx: Any) -> list[Figure]:
    import psycopg

    with psycopg.connect(POSTGRES_BENCH_URL) as connection:
        documents = connection.execute("SELECT count(*) FROM timeliness_document").fetchone()
    if not documents or documents[0] < (FORMAT_ROWS if ctx.quick else FULL_ROWS):
        ctx.status("timeliness: importing the year for the dashboard")
        _postgres_database_fresh()
        _import(
            POSTGRES_BENCH_URL, register_file(Path(ctx.workdir), rows=FORMAT_ROWS if ctx.quick else FULL_ROWS)
        )
    output = python_in_child(POSTGRES_BENCH_URL, "-c", DASHBOARD_SCRIPT, "10" if ctx.quick else "40")
    report = json.loads(output.strip().splitlines()[-1])
    baseline = report.pop("baseline_healthz")
    return [
        Figure(
            name=f"timeliness.{name}",
            value=values["p95_ms"],
            unit="ms",
            baseline_name="/healthz p95, same client and process",
            baseline_value=baseline["p95_ms"],
            goal=f"p95 under {DASHBOARD_GOAL_MS:.0f} ms over a year of documents",
            goal_met=values["p95_ms"] < DASHBOARD_GOAL_MS,
            extra={
                "p50_ms": round(values["p50_ms"], 1),
                "first_request_ms": round(values["first_ms"], 1),
                "documents": documents[0] if documents else 0,
            },
        )
        for name, values in report.items()
    ]


# Last: they replace the imported year, which the dashboard figure reads.


def _sqlite_floor(path: Path, scratch: Path) -> float:
    import csv

    scratch.unlink(missing_ok=True)
    with path.open(encoding="utf-8", newline="") as file:
        reader = csv.reader(file)
        width = len(next(reader))
        started = time.perf_counter()
        with sqlite3.connect(scratch) as target:
            target.execute("CREATE TABLE t (" + ", ".join(f"c{i} TEXT" for i in range(width)) + ")")
            target.executemany("INSERT INTO t VALUES (" + ", ".join(["?"] * width) + ")", reader)
        elapsed = time.perf_counter() - started
    scratch.unlink(missing_ok=True)
    return elapsed


@benchmark(module="timeliness", name="import_sqlite")
def import_sqlite(ctx: Any) -> list[Figure]:
    rows = FORMAT_ROWS if ctx.quick else FULL_ROWS
    workdir = Path(ctx.workdir)
    path = register_file(workdir, rows=rows)
    database = workdir / "timeliness-bench.sqlite3"
    for stale in (
        database,
        database.with_name(database.name + "-wal"),
        database.with_name(database.name + "-shm"),
    ):
        stale.unlink(missing_ok=True)
    url = f"sqlite:///{database}"
    _database_prepare(url)
    floor = _sqlite_floor(path, workdir / "timeliness-floor.sqlite3")
    ctx.status(f"timeliness: importing {rows:,} rows into SQLite")
    report = _import(url, path)
    seconds = float(report["seconds"])
    return [
        Figure(
            name="timeliness.import_sqlite",
            value=seconds,
            unit="s",
            baseline_name="sqlite3.executemany of the same rows into text columns",
            baseline_value=floor,
            goal="reported (no goal: PostgreSQL is the production database)",
            extra={
                "rows": rows,
                "phases_s": {key: round(value, 2) for key, value in report["phases"].items()},
                "peak_rss_mb": round(float(report["peak_rss_mb"]), 1),
                "summary": f"{rows:,} rows in {seconds:.1f} s (raw floor {floor:.1f} s)",
            },
        )
    ]


@benchmark(module="timeliness", name="import_formats")
def import_formats(ctx: Any) -> list[Figure]:
    workdir = Path(ctx.workdir)
    utf8 = register_file(workdir, rows=FORMAT_ROWS)
    big5 = register_file(workdir, rows=FORMAT_ROWS, encoding="big5")
    ctx.status("timeliness: writing the Excel register (once)")
    xlsx = excel_file(workdir, rows=FORMAT_ROWS)
    if not ctx.quick or not _postgres_has_schema():
        _postgres_database_fresh()
    seconds: dict[str, float] = {}
    for label, path in (("utf8", utf8), ("big5", big5), ("xlsx", xlsx)):
        _postgres_truncate()
        ctx.status(f"timeliness: {FORMAT_ROWS:,} rows from {path.name}")
        seconds[label] = float(_import(POSTGRES_BENCH_URL, path)["seconds"])
    per = FORMAT_ROWS / 100_000
    return [
        Figure(
            name=f"timeliness.import_{label}_per_100k",
            value=seconds[label] / per,
            unit="s",
            baseline_name="UTF-8 CSV of the same rows (same run)",
            baseline_value=seconds["utf8"] / per,
            goal="reported per 100,000 rows",
            extra={"rows": FORMAT_ROWS, "summary": f"{label}: {seconds[label] / per:.2f} s per 100,000 rows"},
        )
        for label in ("big5", "xlsx")
    ]
