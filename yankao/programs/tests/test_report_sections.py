"""The programs' statistics and council report section follow the data, as of the report's as-of date."""

from datetime import date
from decimal import Decimal

from yankao.core.report_registry import ReportPeriod, report_section_list, statistic_list
from yankao.programs.services import ReportFigures, report_save
from yankao.programs.tests.factories import ENVIRONMENT, program_make

YEAR = ReportPeriod(date_from=date(2023, 1, 1), date_to=date(2023, 12, 31), as_of=date(2024, 3, 31))


def figures(actual: str) -> ReportFigures:
    return ReportFigures(
        planned_progress=Decimal("50"), actual_progress=Decimal(actual), budget_allocated=100, budget_executed=95,
        delay_reason="用地延宕", remedy="協調",
    )  # fmt: skip


def test_the_section_counts_programs_under_control_on_the_as_of_date(officer) -> None:
    program_make(type_code="policy")
    program_make(type_code="forward_looking")
    program_make(type_code="forward_looking", agency_code=ENVIRONMENT)
    program_make(type_code="forward_looking", controlled_from=date(2024, 4, 1))  # after the as-of date
    program_make(type_code="infrastructure_subsidy", controlled_until=date(2024, 2, 1))  # released before it
    section = next(s for s in report_section_list() if s.key == "programs.control")
    content = section.build(YEAR)
    values = {figure.label: figure.value for figure in content.figures}
    assert values == {"管考追蹤案": 3, "施政計畫": 1, "前瞻基礎建設計畫": 2}
    assert content.note == "統計至民國113年3月31日"


def test_lights_and_behind_statistics_read_the_months_reports(officer) -> None:
    late, fine = program_make(), program_make()
    report_save(
        program=late,
        period=date(2024, 3, 1),
        figures=figures("30"),
        user=officer,
        submit=True,
        today=date(2024, 4, 2),
    )
    report_save(
        program=fine,
        period=date(2024, 3, 1),
        figures=figures("50"),
        user=officer,
        submit=True,
        today=date(2024, 4, 2),
    )
    stats = {s.key: s for s in statistic_list(module="programs")}
    lights = dict(stats["programs.lights"].compute(YEAR).rows)  # type: ignore[union-attr]
    assert (lights["紅燈"], lights["綠燈"], lights["未填報"]) == (1, 1, 0)
    behind = stats["programs.behind"].compute(YEAR).rows  # type: ignore[union-attr]
    assert [row[0] for row in behind] == [late.code]
    by_agency = dict(stats["programs.by_agency"].compute(YEAR).rows)  # type: ignore[union-attr]
    assert by_agency == {"工務局": 2}
