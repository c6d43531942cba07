"""The petitions' sections of the council report: each figure and chart series is the selectors'.

The deck itself is checked in yankao/reports/tests/test_petitions_deck.py (servicedesk may not import reports)."""

from datetime import date

import pytest

from yankao.core.report_registry import ReportPeriod, report_section_list, statistic_list
from yankao.servicedesk.report_sections import petition_handling_section, petitions_section
from yankao.servicedesk.selectors import petition_statistics
from yankao.servicedesk.tests.test_selectors import YEAR, year  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

PERIOD = ReportPeriod(date_from=date(2023, 1, 1), date_to=date(2023, 12, 31), as_of=date(2024, 3, 31))


def test_the_sections_sit_in_chapter_5_leaving_order_10_for_the_1999_calls():
    sections = {section.key: section for section in report_section_list()}
    assert sections["servicedesk.petitions"].chapter.key == "service"
    assert (sections["servicedesk.petitions"].order, sections["servicedesk.petition_handling"].order) == (
        20,
        30,
    )
    keys = {statistic.key for statistic in statistic_list(module="servicedesk")}
    assert {"servicedesk.petitions_by_month", "servicedesk.petitions_by_agency"} <= keys


@pytest.mark.usefixtures("year")
def test_the_builders_figures_and_series_are_the_selectors():
    stats = petition_statistics(**YEAR, as_of=PERIOD.stock_date)
    volume = petitions_section(PERIOD)
    figures = {figure.label: figure.value for figure in volume.figures}
    assert figures["民眾陳情"] == stats.total == 6
    charts = {chart.title: chart for chart in volume.charts}
    assert charts["每月陳情件數"].series[0].values == tuple(month.count for month in stats.by_month)
    assert charts["陳情管道"].categories == tuple(row.label for row in stats.by_channel)
    assert sum(charts["陳情管道"].series[0].values) == 6
    handling = {figure.label: figure for figure in petition_handling_section(PERIOD).figures}
    assert handling["如期辦結率"].value == stats.timeliness.on_time_rate
    assert handling["逾期未結"].value == stats.timeliness.late_open
    assert handling["平均處理日數"].value == stats.handling.average
    assert handling["錯分改分"].value == stats.reroutes.reroutes == 2
    assert "50%" in handling["錯分改分"].note


def test_an_empty_period_says_so_without_charts(db):
    content = petitions_section(ReportPeriod(date_from=date(2019, 1, 1), date_to=date(2019, 1, 31)))
    assert content.figures[0].value == 0
    assert not content.charts
    assert "無陳情案件" in content.paragraphs[0].text
    handling = petition_handling_section(ReportPeriod(date_from=date(2019, 1, 1), date_to=date(2019, 1, 31)))
    assert "尚無可判定" in handling.paragraphs[0].text
