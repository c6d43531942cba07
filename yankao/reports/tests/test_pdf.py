"""The PDF: Noto CJK embedded, ROC dates, section titles, charts as inline SVG with no network."""

import re
import subprocess
from pathlib import Path

import pytest

from yankao.core.report_registry import CHAPTERS
from yankao.reports.council_report import council_report_build
from yankao.reports.renderers.pdf import council_report_html
from yankao.reports.tests.conftest import SEED_PERIOD

pytestmark = pytest.mark.usefixtures("db")


def test_pdffonts_lists_noto_cjk_embedded(rendered: dict[str, Path]) -> None:
    output = subprocess.run(
        ["pdffonts", str(rendered["pdf"])], capture_output=True, text=True, check=True
    ).stdout
    rows = [line.split() for line in output.splitlines()[2:]]
    noto = [row for row in rows if re.search(r"Noto-?Sans-?CJK|Noto-?Serif-?CJK", row[0])]
    assert noto, output
    # columns: name type... encoding emb sub uni; emb is the fourth from the end
    assert all(row[-5] == "yes" for row in noto), output
    assert all(row[-5] == "yes" for row in rows), output


def test_pdf_text_has_the_roc_period_and_every_title(rendered: dict[str, Path]) -> None:
    text = subprocess.run(
        ["pdftotext", str(rendered["pdf"]), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = re.sub(r"\s+", "", text)
    assert "研究發展考核委員會業務報告" in flat
    assert "民國112年1月1日至112年12月31日" in flat
    assert "民國113年3月31日" in flat
    for title in ("市府組織", "期間工作日曆", "各月工作日數", "簡報大綱", "簡報結束敬請指教"):
        assert title in flat
    for chapter in CHAPTERS[1:]:
        assert chapter.title in flat


def test_html_draws_charts_as_svg_and_fetches_nothing() -> None:
    report = council_report_build(period=SEED_PERIOD)
    sections = [*report.overview, *(s for chapter in report.chapters for s in chapter.sections)]
    drawable = [chart for section in sections for chart in section.content.charts if chart.categories]
    html = council_report_html(report=report)
    # every chart with data is an inline SVG (the calendar's two at least), none fetched
    assert len(drawable) >= 2
    assert html.count("<svg") == len(drawable)
    assert "<script" not in html
    assert "<img" not in html
    assert not re.search(r"""(?:src|href)=["']?https?:""", html)
    assert "url(http" not in html
