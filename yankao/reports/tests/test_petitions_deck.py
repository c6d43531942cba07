"""The petitions' slides of the council report: each chart series equals the servicedesk selectors, and
one more petition through the case engine's intake moves the headline, the month and the channel."""

from datetime import date
from pathlib import Path

import pytest
from pptx import Presentation

from yankao.core.report_registry import ReportPeriod
from yankao.reports.services import council_report_render
from yankao.servicedesk.report_sections import roc_month
from yankao.servicedesk.selectors import petition_statistics, petition_survey
from yankao.servicedesk.tests.test_selectors import (  # noqa: F401 - the fixtures
    YEAR,
    file,
    surveyed,
    taipei,
    year,
)

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


@pytest.mark.usefixtures("surveyed")
def test_the_decks_survey_charts_equal_the_selectors_process_and_outcome_apart(tmp_path):
    survey = petition_survey(**YEAR, as_of=PERIOD.stock_date)
    deck = council_report_render(period=PERIOD, formats=["pptx"], out_dir=tmp_path)["pptx"]
    charts = _charts(deck)
    scores = [f"{score}分" for score in range(1, 6)]
    assert charts["處理過程滿意度分布（單位：件）"]["件數"] == dict(
        zip(scores, survey.process.counts, strict=True)
    )
    assert charts["處理結果滿意度分布（單位：件）"]["件數"] == dict(
        zip(scores, survey.outcome.counts, strict=True)
    )
    texts = _texts(deck)
    assert "陳情滿意度調查" in texts
    assert "回覆率80%（已寄5件，回覆4件）" in texts
