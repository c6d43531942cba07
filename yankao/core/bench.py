"""The working-day calendar's figures (reference/perf-anchors.md §1), each against a baseline in the same run.

Inputs follow perf-anchors: `numpy.random.default_rng(20261127)`, start dates uniform over
2017-01-01..2026-12-31, N uniform over 0..60, count spans of 0..90 calendar days. The host is
noisy, so every A/B pair is timed interleaved (A B A B …) and medians are reported.

- vectorised add / count over 1,000,000 pairs against the perf-anchors rank table (numpy, written
  out below as it stands there; goal: within 2x) and against the naive per-date loop with
  `holidays.is_working_day` (timed on 2,000 pairs and scaled to 1,000,000);
- mismatches on 10,000 pairs against `holidays`' own `get_nth_working_day` and
  `get_working_days_count`, with no city overrides (goal: 0);
- one deadline per call, as a web request computes it, against a bare `bisect` on a list.
"""

import statistics
import time
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt

from yankao.core.bench_framework import Figure, benchmark
from yankao.core.working_days import Calendar, add_working_days

SEED = 20261127
PAIRS = 1_000_000
NAIVE_SAMPLE = 2_000
CHECK_SAMPLE = 10_000
SCALAR_CALLS = 100_000
ROUNDS = 7
NAIVE_ROUNDS = 3
FIRST_YEAR, LAST_YEAR = 2017, 2027  # perf-anchors' table: starts to 2026, results spill into 2027


@dataclass(frozen=True)
class _Inputs:
    starts: npt.NDArray[np.datetime64]
    counts: npt.NDArray[np.int64]
    ends: npt.NDArray[np.datetime64]


@cache
def _inputs() -> _Inputs:
    rng = np.random.default_rng(SEED)
    first, last = np.datetime64("2017-01-01"), np.datetime64("2026-12-31")
    span = int((last - first).astype(np.int64)) + 1
    starts = first + rng.integers(0, span, PAIRS).astype("timedelta64[D]")
    counts = rng.integers(0, 61, PAIRS).astype(np.int64)
    ends = starts + rng.integers(0, 91, PAIRS).astype("timedelta64[D]")
    return _Inputs(starts=starts, counts=counts, ends=ends)


@cache
def _national() -> Any:
    import holidays

    return holidays.country_holidays("TW", years=range(FIRST_YEAR, LAST_YEAR + 1))


@cache
def _calendar() -> Calendar:
    """yankao's calendar with no city overrides, so that `holidays` is a fair reference."""
    return Calendar.build(first_year=FIRST_YEAR, last_year=LAST_YEAR, overrides={})


class _RankTable:
    """The baseline: perf-anchors §1 "a1 numpy rank-table gather", as written there."""

    def __init__(self, tw: Any) -> None:
        days = np.arange(np.datetime64("2017-01-01"), np.datetime64("2028-01-01"), dtype="datetime64[D]")
        wd = (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
        is_work = (wd < 5) & ~np.isin(days, np.array(sorted(tw), dtype="datetime64[D]"))
        is_work |= np.isin(days, np.array(sorted(tw.weekend_workdays), dtype="datetime64[D]"))
        self.W = days[is_work]
        self.cum = np.concatenate(([0], np.cumsum(is_work))).astype(np.int32)
        self.isw = is_work.astype(np.int32)
        self.BASE = days[0].astype(np.int64)

    def offset(self, start: Any, n: Any) -> Any:
        k = start.view(np.int64) - self.BASE
        return self.W[self.cum[k + 1] + n - 1 + ((n == 0) & (self.isw[k] == 0))]

    def count(self, a: Any, b: Any) -> Any:
        return self.cum[b.view(np.int64) - self.BASE + 1] - self.cum[a.view(np.int64) - self.BASE]


def _naive_offset(tw: Any, start: date, n: int) -> date:
    day = start
    if n == 0:
        while not tw.is_working_day(day):
            day += timedelta(days=1)
        return day
    while n:
        day += timedelta(days=1)
        if tw.is_working_day(day):
            n -= 1
    return day


def _naive_count(tw: Any, first: date, last: date) -> int:
    return sum(1 for i in range((last - first).days + 1) if tw.is_working_day(first + timedelta(days=i)))


def _seconds(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def _interleaved(
    subject: Callable[[], object], baseline: Callable[[], object], *, rounds: int = ROUNDS
) -> tuple[float, float, list[float], list[float]]:
    """Medians (seconds) of subject and baseline, timed A B A B after one warm-up of each."""
    subject()
    baseline()
    a: list[float] = []
    b: list[float] = []
    for _ in range(rounds):
        a.append(_seconds(subject))
        b.append(_seconds(baseline))
    return statistics.median(a), statistics.median(b), a, b


def _vectorised_figures(
    *,
    operation: str,
    subject: Callable[[], object],
    rank_table: Callable[[], object],
    naive: Callable[[], object],
) -> list[Figure]:
    mine, base, mine_runs, base_runs = _interleaved(subject, rank_table)
    naive_runs = [_seconds(naive) * PAIRS / NAIVE_SAMPLE for _ in range(NAIVE_ROUNDS)]
    naive_1m = statistics.median(naive_runs)
    ms = 1000.0
    return [
        Figure(
            name=f"calendar.{operation}_1m",
            value=mine * ms,
            unit="ms",
            baseline_name="perf-anchors rank table (numpy gather)",
            baseline_value=base * ms,
            goal="within 2x of the rank table",
            goal_met=mine <= 2 * base,
            extra={
                "pairs": PAIRS,
                "runs_ms": [round(run * ms, 3) for run in mine_runs],
                "baseline_runs_ms": [round(run * ms, 3) for run in base_runs],
                "ns_per_pair": mine * 1e9 / PAIRS,
            },
        ),
        Figure(
            name=f"calendar.{operation}_1m_vs_naive",
            value=mine * ms,
            unit="ms",
            baseline_name=f"naive per-date loop with holidays.is_working_day ({NAIVE_SAMPLE:,} pairs, scaled to 1M)",
            baseline_value=naive_1m * ms,
            goal="far below the naive loop (perf-anchors: about 7,000x faster)",
            goal_met=mine < naive_1m,
            extra={
                "speed_up": naive_1m / mine if mine else None,
                "naive_sample_pairs": NAIVE_SAMPLE,
                "naive_runs_s_scaled": [round(run, 2) for run in naive_runs],
            },
        ),
    ]


@benchmark(module="core", name="calendar_add_working_days")
def calendar_add_working_days(ctx: Any) -> list[Figure]:
    inputs, calendar, tw = _inputs(), _calendar(), _national()
    table = _RankTable(tw)
    sample = [(inputs.starts[i].item(), int(inputs.counts[i])) for i in range(NAIVE_SAMPLE)]
    return _vectorised_figures(
        operation="add_working_days",
        subject=lambda: calendar.add_working_days_array(inputs.starts, inputs.counts),
        rank_table=lambda: table.offset(inputs.starts, inputs.counts),
        naive=lambda: [_naive_offset(tw, start, n) for start, n in sample],
    )


@benchmark(module="core", name="calendar_count_working_days")
def calendar_count_working_days(ctx: Any) -> list[Figure]:
    inputs, calendar, tw = _inputs(), _calendar(), _national()
    table = _RankTable(tw)
    sample = [(inputs.starts[i].item(), inputs.ends[i].item()) for i in range(NAIVE_SAMPLE)]
    return _vectorised_figures(
        operation="count_working_days",
        subject=lambda: calendar.count_working_days_array(inputs.starts, inputs.ends),
        rank_table=lambda: table.count(inputs.starts, inputs.ends),
        naive=lambda: [_naive_count(tw, first, last) for first, last in sample],
    )


@benchmark(module="core", name="calendar_correctness")
def calendar_correctness(ctx: Any) -> list[Figure]:
    inputs, calendar, tw = _inputs(), _calendar(), _national()
    starts, counts, ends = (
        inputs.starts[:CHECK_SAMPLE],
        inputs.counts[:CHECK_SAMPLE],
        inputs.ends[:CHECK_SAMPLE],
    )
    added = calendar.add_working_days_array(starts, counts)
    counted = calendar.count_working_days_array(starts, ends)
    add_mismatches = count_mismatches = scalar_mismatches = 0
    started = time.perf_counter()
    for i in range(CHECK_SAMPLE):
        start, n, end = starts[i].item(), int(counts[i]), ends[i].item()
        add_mismatches += added[i].item() != tw.get_nth_working_day(start, n)
        count_mismatches += int(counted[i]) != tw.get_working_days_count(start, end)
        scalar_mismatches += (
            calendar.add_working_days(start, n),
            calendar.count_working_days(start, end),
        ) != (
            added[i].item(),
            int(counted[i]),
        )
    reference_seconds = time.perf_counter() - started
    return [
        Figure(
            name="calendar.mismatches_vs_holidays",
            value=float(add_mismatches + count_mismatches),
            unit="count",
            baseline_name="holidays get_nth_working_day / get_working_days_count (no city overrides)",
            baseline_value=0.0,
            goal="0 mismatches",
            goal_met=add_mismatches + count_mismatches == 0,
            extra={
                "pairs": CHECK_SAMPLE,
                "add_mismatches": add_mismatches,
                "count_mismatches": count_mismatches,
                "scalar_vs_vectorised_mismatches": scalar_mismatches,
                "reference_seconds": round(reference_seconds, 2),
            },
        )
    ]


@benchmark(module="core", name="calendar_deadline_scalar")
def calendar_deadline_scalar(ctx: Any) -> list[Figure]:
    """One `add_working_days` per call through the public function (the per-process cached calendar)."""
    inputs, tw = _inputs(), _national()
    calls = [(inputs.starts[i].item(), int(inputs.counts[i])) for i in range(SCALAR_CALLS)]
    days = [
        date(FIRST_YEAR, 1, 1) + timedelta(days=i)
        for i in range((date(LAST_YEAR + 1, 1, 1) - date(FIRST_YEAR, 1, 1)).days)
    ]
    working = [day for day in days if tw.is_working_day(day)]

    def bisect_offset(start: date, n: int) -> date:
        return working[bisect_left(working, start) if n == 0 else bisect_right(working, start) + n - 1]

    add_working_days(date(2024, 2, 7), 1)  # load the calendar (and its overrides) before timing

    def subject() -> None:
        for start, n in calls:
            add_working_days(start, n)

    def baseline() -> None:
        for start, n in calls:
            bisect_offset(start, n)

    mine, base, mine_runs, base_runs = _interleaved(subject, baseline)
    us = 1e6 / SCALAR_CALLS
    return [
        Figure(
            name="calendar.deadline_scalar",
            value=mine * us,
            unit="µs/call",
            baseline_name="pure Python bisect on a list of working dates",
            baseline_value=base * us,
            goal="a few µs per call (at most 5 µs)",
            goal_met=mine * us <= 5.0,
            extra={
                "calls": SCALAR_CALLS,
                "runs_us": [round(run * us, 3) for run in mine_runs],
                "baseline_runs_us": [round(run * us, 3) for run in base_runs],
            },
        )
    ]
