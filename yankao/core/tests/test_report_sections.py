"""The core overview section and the report registry: figures come from the data, never typed in."""

import calendar
from datetime import date

import pytest

from yankao.core.exceptions import InvalidDateError
from yankao.core.models import Agency
from yankao.core.report_registry import (
    OVERVIEW,
    Chart,
    ChartKind,
    ChartSeries,
    ReportPeriod,
    Table,
    report_section_list,
    report_sections,
    statistic_list,
)
from yankao.core.report_sections import calendar_section, organisation_section
from yankao.core.working_days import count_working_days

pytestmark = pytest.mark.usefixtures("db")

YEAR_2024 = ReportPeriod(date_from=date(2024, 1, 1), date_to=date(2024, 12, 31))


def test_core_sections_are_discovered_in_the_overview_chapter() -> None:
    # when
    sections = report_section_list()
    # then
    keys = [section.key for section in sections]
    assert keys[:2] == ["core.organisation", "core.calendar"]
    assert report_sections.get("core.organisation").chapter is OVERVIEW
    assert {"core.agencies_by_kind", "core.working_days_by_month"} <= {
        s.key for s in statistic_list(module="core")
    }


def test_organisation_figures_equal_the_database_counts() -> None:
    # when
    content = organisation_section(YEAR_2024)
    # then
    figures = {figure.label: figure.value for figure in content.figures}
    assert figures["一級機關"] == Agency.objects.filter(kind=Agency.Kind.FIRST_LEVEL, is_active=True).count()
    assert (
        figures["區公所"]
        == Agency.objects.filter(kind=Agency.Kind.DISTRICT_OFFICE, is_active=True).count()
        == 38
    )
    assert (
        figures["市營事業"]
        == Agency.objects.filter(kind=Agency.Kind.MUNICIPAL_ENTERPRISE, is_active=True).count()
    )
    pie = content.charts[0]
    assert pie.kind is ChartKind.PIE
    assert dict(zip(pie.categories, pie.series[0].values, strict=True)) == figures


def test_a_new_agency_changes_the_organisation_figure() -> None:
    # given
    before = {f.label: f.value for f in organisation_section(YEAR_2024).figures}["市營事業"]
    city = Agency.objects.get(kind=Agency.Kind.CITY_GOVERNMENT)
    Agency.objects.create(
        code="397999999X", name="測試市營事業", kind=Agency.Kind.MUNICIPAL_ENTERPRISE, parent=city, path="x"
    )
    # when
    after = {f.label: f.value for f in organisation_section(YEAR_2024).figures}["市營事業"]
    # then
    assert after == before + 1


def test_inactive_agencies_are_not_counted() -> None:
    # given
    before = {f.label: f.value for f in organisation_section(YEAR_2024).figures}["區公所"]
    Agency.objects.filter(pk=Agency.objects.filter(kind=Agency.Kind.DISTRICT_OFFICE).first().pk).update(
        is_active=False
    )
    # when
    after = {f.label: f.value for f in organisation_section(YEAR_2024).figures}["區公所"]
    # then
    assert after == before - 1


def test_working_days_chart_equals_the_calendar_per_month() -> None:
    # when
    content = calendar_section(YEAR_2024)
    # then
    chart = content.charts[0]
    assert chart.kind is ChartKind.COLUMN
    assert chart.categories[0] == "113年1月"
    assert chart.categories[-1] == "113年12月"
    working = dict(zip(chart.categories, chart.series[0].values, strict=True))
    for month in range(1, 13):
        first = date(2024, month, 1)
        last = date(2024, month, calendar.monthrange(2024, month)[1])
        assert working[f"113年{month}月"] == count_working_days(first, last)
    figures = {figure.label: figure.value for figure in content.figures}
    assert figures["工作日"] == count_working_days(date(2024, 1, 1), date(2024, 12, 31))
    assert figures["期間日數"] == 366
    assert figures["工作日"] + figures["放假日"] == 366


def test_february_2024_counts_the_make_up_saturday_and_the_new_year_break() -> None:
    # 2024-02-08..14 were days off; Saturday 2024-02-17 was a make-up working day.
    content = calendar_section(ReportPeriod(date_from=date(2024, 2, 1), date_to=date(2024, 2, 29)))
    assert content.charts[0].series[0].values == (count_working_days(date(2024, 2, 1), date(2024, 2, 29)),)
    assert content.charts[0].series[0].values[0] == 16


def test_a_partial_month_counts_only_its_days_inside_the_period() -> None:
    period = ReportPeriod(date_from=date(2024, 1, 15), date_to=date(2024, 2, 5))
    assert period.month_spans() == [
        (date(2024, 1, 15), date(2024, 1, 31)),
        (date(2024, 2, 1), date(2024, 2, 5)),
    ]
    table = calendar_section(period).tables[0]
    assert [row[1] for row in table.rows] == [17, 5]


def test_period_as_of_defaults_to_the_end_and_from_after_to_is_refused() -> None:
    assert YEAR_2024.as_of == date(2024, 12, 31)
    with pytest.raises(InvalidDateError, match="晚於"):
        ReportPeriod(date_from=date(2024, 2, 1), date_to=date(2024, 1, 1))


def test_content_shapes_are_checked() -> None:
    with pytest.raises(ValueError, match="values"):
        Chart(title="t", kind=ChartKind.COLUMN, categories=("a", "b"), series=(ChartSeries("s", (1,)),))
    with pytest.raises(ValueError, match="pie"):
        Chart(
            title="t",
            kind=ChartKind.PIE,
            categories=("a",),
            series=(ChartSeries("s", (1,)), ChartSeries("u", (2,))),
        )
    with pytest.raises(ValueError, match="cells"):
        Table(title="t", columns=("a", "b"), rows=((1,),))
