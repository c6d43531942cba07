"""The petitions' sections of the council report: each figure and chart series is the selectors', in the
builder and in the PowerPoint deck, and one more petition through the intake moves the headline."""

from datetime import date
from pathlib import Path

import pytest
from pptx import Presentation

from yankao.core.report_registry import ReportPeriod, report_section_list, statistic_list
from yankao.reports.services import council_report_render
from yankao.servicedesk.report_sections import petition_handling_section, petitions_section, roc_month
from yankao.servicedesk.selectors import petition_statistics
from yankao.servicedesk.tests.test_selectors import YEAR, file, taipei, year  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

PERIOD = ReportPeriod(date_from=date(2023, 1, 1), date_to=date(2023, 12, 31), as_of=date(2024, 3, 31))


def _charts(deck: Path) -> dict[str, dict[str, dict[str, float]]]:
    """Every chart of the deck: title → series name → category → value."""
    charts: dict[str, dict[str, dict[str, float]]] = {}
    for slide in Presentation(str(deck)).slides:
        for shape in slide.shapes:
            if shape.has_chart:
                plot = shape.chart.plots[0]
                charts[shape.chart.chart_title.text_frame.text] = {
                    series.name: dict(zip(plot.categories, series.values, strict=True))
                    for series in plot.series
                }
    return charts


def _texts(deck: Path) -> str:
    return "\n".join(
        shape.text_frame.text
        for slide in Presentation(str(deck)).slides
        for shape in slide.shapes
        if shape.has_text_frame
    ).replace(" ", "")


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


@pytest.mark.usefixtures("year")
def test_the_decks_charts_equal_the_selectors_and_one_more_petition_moves_the_headline(tmp_path):
    # given the year's petitions, rendered
    stats = petition_statistics(**YEAR, as_of=PERIOD.stock_date)
    deck = council_report_render(period=PERIOD, formats=["pptx"], out_dir=tmp_path / "before")["pptx"]
    charts = _charts(deck)
    # then each chart series is the selectors'
    months = charts["每月陳情件數（單位：件）"]["件數"]
    assert months == {roc_month(month.first): month.count for month in stats.by_month}
    assert charts["陳情管道（單位：件）"]["件數"] == {row.label: row.count for row in stats.by_channel}
    assert charts["陳情類別（前10名）（單位：件）"]["件數"] == {
        row.name: row.count for row in stats.by_category
    }
    agencies = charts["各機關處理情形（件數前10名）（單位：件）"]
    assert agencies["逾期"] == {row.name: row.timeliness.late for row in stats.by_agency}
    assert "民眾陳情\n6件" in _texts(deck)

    # when one more petition comes in through the intake, in October
    file(at=taipei(2023, 10, 3, 9), channel="letter")
    after = _charts(
        council_report_render(period=PERIOD, formats=["pptx"], out_dir=tmp_path / "after")["pptx"]
    )

    # then the month, the channel and the headline follow
    assert after["每月陳情件數（單位：件）"]["件數"]["112年10月"] == months["112年10月"] + 1
    assert after["陳情管道（單位：件）"]["件數"]["書面函件"] == 1
    assert "民眾陳情\n7件" in _texts(tmp_path / "after" / "council-report.pptx")
