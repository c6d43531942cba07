"""The petitions' sections of the council report: each figure and chart series is the selectors'.

The deck itself is checked in yankao/reports/tests/test_petitions_deck.py (servicedesk may not import reports)."""

from datetime import date

import pytest

from yankao.core.report_registry import ReportPeriod, report_section_list, statistic_list
from yankao.servicedesk.report_sections import (
    petition_handling_section,
    petition_survey_section,
    petitions_section,
)
from yankao.servicedesk.selectors import petition_statistics, petition_survey
from yankao.servicedesk.tests.test_selectors import (  # noqa: F401 - the fixtures
    YEAR,
    replied,
    survey_switch,
    surveyed,
    taipei,
    year,
)

pytestmark = pytest.mark.django_db

PERIOD = ReportPeriod(date_from=date(2023, 1, 1), date_to=date(2023, 12, 31), as_of=date(2024, 3, 31))


def test_the_sections_sit_in_chapter_5_leaving_order_10_for_the_1999_calls():
    sections = {section.key: section for section in report_section_list()}
    assert sections["servicedesk.petitions"].chapter.key == "service"
    assert (sections["servicedesk.petitions"].order, sections["servicedesk.petition_handling"].order) == (
        20,
        30,
    )
    assert sections["servicedesk.petition_survey"].order == 40
    assert [section.order for section in sections.values() if section.chapter.key == "service"].count(40) == 1
    keys = {statistic.key for statistic in statistic_list(module="servicedesk")}
    assert {
        "servicedesk.petitions_by_month",
        "servicedesk.petitions_by_agency",
        "servicedesk.petition_survey",
    } <= keys


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


@pytest.mark.usefixtures("surveyed")
def test_the_survey_sections_figures_and_series_are_the_selectors():
    survey = petition_survey(**YEAR, as_of=PERIOD.stock_date)
    content = petition_survey_section(PERIOD)
    figures = {figure.label: figure for figure in content.figures}
    assert figures["回覆率"].value == survey.response_rate == 80.0
    assert figures["回覆率"].note == "已寄5件，回覆4件"
    assert figures["處理過程滿意度"].value == survey.process.average
    assert figures["處理結果滿意度"].value == survey.outcome.average
    charts = {chart.title: chart for chart in content.charts}
    assert charts["處理過程滿意度分布"].series[0].values == survey.process.counts
    assert charts["處理結果滿意度分布"].series[0].values == survey.outcome.counts
    assert charts["處理過程滿意度分布"].categories == ("1分", "2分", "3分", "4分", "5分")
    texts = " ".join(paragraph.text for paragraph in content.paragraphs)
    assert "回覆率80%（已寄5件，回覆4件）" in texts
    assert "分別詢問處理過程與處理結果" in texts
    assert (
        content.note == "統計期間內答復之陳情：民國112年1月1日至民國112年12月31日；回覆統計至民國113年3月31日"
    )


def test_the_survey_section_says_when_the_survey_was_off(officer):
    survey_switch(on=False, effective_from=date(2023, 1, 1))
    replied(received=taipei(2023, 3, 6, 9), replied=taipei(2023, 3, 8, 15), user=officer)
    content = petition_survey_section(PERIOD)
    assert not content.charts
    assert "未辦理滿意度調查" in content.paragraphs[0].text
    assert content.figures[0].value == 0


def test_an_empty_period_has_no_survey(db):
    content = petition_survey_section(ReportPeriod(date_from=date(2019, 1, 1), date_to=date(2019, 1, 31)))
    assert not content.charts
    assert "無答復之陳情案件" in content.paragraphs[0].text
