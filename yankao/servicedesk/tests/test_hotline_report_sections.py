"""The calls part of chapter 5 and the call statistics, computed from the calls logged."""

from datetime import date, timedelta

from django.utils import timezone

from yankao.core.report_registry import ChartKind, ReportPeriod, report_section_list, statistic_list
from yankao.servicedesk.hotline_selectors import call_statistics
from yankao.servicedesk.hotline_services import call_log
from yankao.servicedesk.models import CallOutcome


def _calls(operator) -> None:
    now = timezone.now()
    for minutes, outcome, code in (
        (5, CallOutcome.ANSWERED, "tax"),
        (10, CallOutcome.ANSWERED, "tax"),
        (15, CallOutcome.DISPATCHED, "road_pothole"),
        (20, CallOutcome.OTHER, "other"),
    ):
        call_log(
            operator=operator,
            started_at=now - timedelta(minutes=minutes),
            outcome=outcome,
            category_code=code,
            summary="民族路坑洞" if outcome == CallOutcome.DISPATCHED else "",
            answer="已說明" if outcome == CallOutcome.ANSWERED else "",
        )


def _year() -> ReportPeriod:
    today = timezone.localdate()
    return ReportPeriod(date_from=date(today.year, 1, 1), date_to=date(today.year, 12, 31))


def test_the_calls_section_comes_first_in_chapter_five_and_follows_the_data(operator):
    sections = [section for section in report_section_list() if section.chapter.key == "service"]
    assert sections[0].key == "servicedesk.calls"
    period = _year()
    empty = sections[0].build(period)
    assert empty.figures[0].value == 0
    assert "無1999來電" in empty.paragraphs[0].text

    _calls(operator)
    content = sections[0].build(period)
    figures = {figure.label: figure.value for figure in content.figures}
    assert figures["1999話務量"] == 4
    assert figures["每月平均"] == round(4 / 12)
    assert figures["派工"] == 1
    stats = call_statistics(first=period.date_from, last=period.date_to)
    months = next(chart for chart in content.charts if chart.title == "每月1999來電通數")
    assert months.kind is ChartKind.COLUMN
    assert list(months.series[0].values) == [month.outcomes.total for month in stats.months]
    outcomes = next(chart for chart in content.charts if chart.title == "1999來電處理結果")
    assert dict(zip(outcomes.categories, outcomes.series[0].values, strict=True))["當場答復"] == 2
    hours = next(chart for chart in content.charts if chart.title == "1999來電時段分布")
    assert sum(hours.series[0].values) == 4
    assert "來電最多的時段" in content.paragraphs[0].text

    # One more call through the services moves the figure.
    call_log(
        operator=operator,
        started_at=timezone.now(),
        outcome=CallOutcome.ANSWERED,
        category_code="tax",
        answer="已說明",
    )
    assert sections[0].build(period).figures[0].value == 5


def test_the_call_statistics_are_registered(operator):
    _calls(operator)
    keys = {statistic.key: statistic for statistic in statistic_list(module="servicedesk")}
    by_category = keys["servicedesk.calls_by_category"].compute(_year())
    rows = {row[0]: row for row in by_category.rows}
    assert rows["稅務"][1] == 2
    by_month = keys["servicedesk.calls_by_month"].compute(_year())
    assert sum(row[1] for row in by_month.rows) == 4
    assert len(keys["servicedesk.calls_by_hour"].compute(_year()).rows) == 24
