"""The demo programs: a small city built from core's tiny targets plus a [programs] table."""

from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command

from yankao.core.demo_framework import DemoContext, demo_targets_load
from yankao.programs.demo import _Builder
from yankao.programs.lights import light_judge, light_thresholds
from yankao.programs.models import Light, MonthlyReport, Program, ReportState
from yankao.programs.periods import month_last
from yankao.programs.selectors import program_counts_as_of

TINY = Path(__file__).resolve().parents[2] / "core" / "tests" / "data" / "tiny.toml"
BUILD_DATE = date(2024, 9, 20)
PROGRAMS = """
[programs]
as_of = 2024-03-31
policy_programs = 5
infrastructure_subsidy_programs = 7
forward_looking_programs = 14
started_after_as_of_per_year = 100
"""

pytestmark = pytest.mark.django_db


def build(tmp_path: Path, *args: str) -> None:
    targets = tmp_path / "targets.toml"
    targets.write_text(TINY.read_text(encoding="utf-8") + PROGRAMS, encoding="utf-8")
    call_command(
        "demo", "--targets", str(targets), "--state", str(tmp_path / "demo.json"),
        "--build-date", BUILD_DATE.isoformat(), "--only", "programs", "--no-progress", *args, verbosity=0,
    )  # fmt: skip


def test_the_demo_has_the_targets_stock_and_lights_by_the_rules(tmp_path, seeded) -> None:
    build(tmp_path)
    counts = program_counts_as_of(on=date(2024, 3, 31))
    assert dict(counts["by_type"]) == {"施政計畫": 5, "基本設施補助計畫": 7, "前瞻基礎建設計畫": 14}
    assert Program.objects.count() > 26  # and programs put under control after the as-of date
    for report in MonthlyReport.objects.all()[:300]:
        expected = light_judge(
            planned=report.planned_progress, actual=report.actual_progress, execution_rate=report.execution_rate,
            thresholds=light_thresholds(on=month_last(report.period)),
        )  # fmt: skip
        assert report.light == expected
        if report.light != Light.GREEN:
            assert report.delay_reason
            assert report.remedy
    assert MonthlyReport.objects.filter(period__lt=date(2023, 1, 1)).count() == 0
    assert not MonthlyReport.objects.filter(period__gte=date(2024, 9, 1)).exists()
    old = MonthlyReport.objects.filter(period__lt=date(2024, 6, 1))
    assert set(old.values_list("state", flat=True)) == {ReportState.ACCEPTED}
    for program in Program.objects.exclude(parent=None).select_related("parent"):
        assert program.parent.agency_id == program.agency_id


def plan(tmp_path: Path, seed: int) -> list[tuple[object, ...]]:
    targets = tmp_path / "targets.toml"
    targets.write_text(TINY.read_text(encoding="utf-8") + PROGRAMS, encoding="utf-8")
    loaded = demo_targets_load(path=targets)
    ctx = DemoContext(
        name="programs", targets=loaded.tables["programs"], all_targets=loaded, seed=seed,
        build_date=BUILD_DATE, show_progress=False,
    )  # fmt: skip
    return [
        (one.program.code, one.program.name, one.program.agency.code, one.program.total_budget,
         [(r.period, r.planned, r.actual, r.light, r.state) for r in one.reports])
        for one in _Builder(ctx).plan()
    ]  # fmt: skip


def test_the_same_seed_plans_the_same_programs_and_another_seed_does_not(tmp_path, seeded) -> None:
    first = plan(tmp_path, 2023)
    assert plan(tmp_path, 2023) == first
    assert plan(tmp_path, 7) != first
