"""The bullying module's figures, each against a baseline measured in the same run.

- `bullying.demo_year_build`: the demo year (148 reports, every step through the services, with
  their audit entries) built into a fresh SQLite file, against the core build it depends on
  (accounts, agencies, rules) in another fresh file. Goal: under 60 seconds.
- `bullying.statistics`: the three tables (`bullying_statistics`) on that database, 200 calls,
  p50/p95, against a bare `SELECT count(*)` of the same reports. Goal: p95 under 20 ms.
"""

import json
from pathlib import Path
from typing import Any

from yankao.core.bench_framework import Figure, benchmark
from yankao.core.bench_runner import python_in_child

SEED = "2023"
BUILD_GOAL_S = 60.0
STATISTICS_P95_GOAL_MS = 20.0
CALLS = 200

STATISTICS_SCRIPT = """
import json, statistics, time
from datetime import date
import django
django.setup()
from django.db import connection
from yankao.bullying.selectors import bullying_statistics
def timed(call):
    samples = []
    for _ in range({calls}):
        started = time.perf_counter(); call(); samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {{"p50": samples[len(samples) // 2], "p95": samples[int(len(samples) * 0.95) - 1]}}
def subject():
    bullying_statistics(user=None, first=date(2023, 1, 1), last=date(2023, 12, 31), as_of=date(2024, 3, 31))
def baseline():
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM bullying_bullyingreport"); cursor.fetchone()
subject(); baseline()
print(json.dumps({{"subject": timed(subject), "baseline": timed(baseline)}}))
"""


def _build(path: Path, module: str) -> dict[str, Any]:
    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    state = path.with_suffix(".json")
    state.unlink(missing_ok=True)
    python_in_child(url, "-m", "django", "migrate", "--no-input", "-v0")
    python_in_child(
        url, "-m", "django", "demo", "--only", module, "--seed", SEED, "--state", str(state), "-v0"
    )
    generators: dict[str, Any] = json.loads(state.read_text(encoding="utf-8"))["generators"]
    return generators


@benchmark(module="bullying", name="demo_year_and_statistics")
def demo_year_and_statistics(ctx: Any) -> list[Figure]:
    workdir = Path(ctx.workdir) / "bullying"
    workdir.mkdir(parents=True, exist_ok=True)
    ctx.status("bullying: building core alone (baseline)")
    core_only = float(_build(workdir / "core.sqlite3", "core")["core"]["seconds"])
    ctx.status("bullying: building the demo year of reports")
    path = workdir / "demo.sqlite3"
    built = _build(path, "bullying")
    seconds = float(built["bullying"]["seconds"])
    ctx.status("bullying: timing the statistics")
    timings = json.loads(
        python_in_child(f"sqlite:///{path}", "-c", STATISTICS_SCRIPT.format(calls=CALLS))
        .strip()
        .splitlines()[-1]
    )
    subject, baseline = timings["subject"], timings["baseline"]
    return [
        Figure(
            name="bullying.demo_year_build",
            value=seconds,
            unit="s",
            baseline_name="core demo build (accounts, agencies, rules), fresh SQLite",
            baseline_value=core_only,
            goal=f"under {BUILD_GOAL_S:.0f} s",
            goal_met=seconds < BUILD_GOAL_S,
        ),
        Figure(
            name="bullying.statistics_p95",
            value=subject["p95"],
            unit="ms",
            baseline_name="SELECT count(*) of the reports, p95",
            baseline_value=baseline["p95"],
            goal=f"p95 under {STATISTICS_P95_GOAL_MS:.0f} ms",
            goal_met=subject["p95"] < STATISTICS_P95_GOAL_MS,
            extra={"p50_ms": subject["p50"], "baseline_p50_ms": baseline["p50"], "calls": CALLS},
        ),
    ]
