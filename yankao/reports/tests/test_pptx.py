"""The PPTX deck: native charts whose series equal the data, and East Asian fonts on every text."""

import calendar
from datetime import date
from pathlib import Path

import pytest
from lxml import etree
from pptx import Presentation
from pptx.chart.chart import Chart
from pptx.oxml.ns import qn

from yankao.core.models import Agency
from yankao.core.report_registry import CHAPTERS, OVERVIEW
from yankao.core.selectors.organisation import agency_count_by_kind
from yankao.core.working_days import count_working_days
from yankao.reports.renderers.pptx import LANGUAGE, TYPEFACE

pytestmark = pytest.mark.usefixtures("db")


def _charts(path: Path) -> dict[str, Chart]:
    charts = {}
    for slide in Presentation(str(path)).slides:
        for shape in slide.shapes:
            if shape.has_chart:
                charts[shape.chart.chart_title.text_frame.text] = shape.chart
    return charts


def _slide_texts(path: Path) -> list[str]:
    texts = []
    for slide in Presentation(str(path)).slides:
        parts = [shape.text_frame.text for shape in slide.shapes if shape.has_text_frame]
        texts.append("\n".join(parts))
    return texts


def test_working_day_chart_is_native_and_equals_the_calendar(rendered: dict[str, Path]) -> None:
    # when
    chart = _charts(rendered["pptx"])["各月工作日數（單位：日）"]
    # then
    categories = list(chart.plots[0].categories)
    assert categories == [f"112年{month}月" for month in range(1, 13)]
    working = chart.plots[0].series[0]
    assert working.name == "工作日"
    expected = [
        count_working_days(date(2023, m, 1), date(2023, m, calendar.monthrange(2023, m)[1]))
        for m in range(1, 13)
    ]
    assert list(working.values) == expected
    days_off = chart.plots[0].series[1]
    assert [a + b for a, b in zip(working.values, days_off.values, strict=True)] == [
        calendar.monthrange(2023, m)[1] for m in range(1, 13)
    ]


def test_agency_pie_equals_the_database(rendered: dict[str, Path]) -> None:
    chart = _charts(rendered["pptx"])["機關類別（單位：個）"]
    counts = agency_count_by_kind()
    values = dict(zip(chart.plots[0].categories, chart.plots[0].series[0].values, strict=True))
    assert values == {
        "一級機關": counts[Agency.Kind.FIRST_LEVEL],
        "區公所": counts[Agency.Kind.DISTRICT_OFFICE],
        "市營事業": counts[Agency.Kind.MUNICIPAL_ENTERPRISE],
    }
    assert values["區公所"] == 38


def test_every_run_has_the_east_asian_typeface_and_zh_tw(rendered: dict[str, Path]) -> None:
    presentation = Presentation(str(rendered["pptx"]))
    runs = 0
    for slide in presentation.slides:
        for run in slide.shapes._spTree.iter(qn("a:r")):
            properties = run.find(qn("a:rPr"))
            assert properties is not None
            assert properties.get("lang") == LANGUAGE
            assert properties.get("altLang") == "en-US"
            assert properties.find(qn("a:ea")).get("typeface") == TYPEFACE
            assert properties.find(qn("a:latin")).get("typeface") == TYPEFACE
            runs += 1
    assert runs > 50


def test_chart_titles_axes_and_legends_carry_the_east_asian_typeface(rendered: dict[str, Path]) -> None:
    for chart in _charts(rendered["pptx"]).values():
        space = chart._chartSpace
        # the chart-wide text properties, the title's runs, the axes' and the legend's txPr
        assert space.find(qn("c:txPr")) is not None
        places = [
            space.find(qn("c:txPr")),
            space.find(f".//{qn('c:title')}"),
            space.find(f".//{qn('c:legend')}"),
        ]
        places += space.findall(f".//{qn('c:catAx')}") + space.findall(f".//{qn('c:valAx')}")
        for place in [p for p in places if p is not None]:
            properties = [*place.iter(qn("a:defRPr")), *place.iter(qn("a:rPr"))]
            assert properties, etree.tostring(place)[:200]
            for element in properties:
                assert element.find(qn("a:ea")).get("typeface") == TYPEFACE
                assert element.get("lang") == LANGUAGE


def test_the_theme_gives_new_text_the_cjk_face(rendered: dict[str, Path]) -> None:
    from pptx.opc.constants import RELATIONSHIP_TYPE

    presentation = Presentation(str(rendered["pptx"]))
    theme = etree.fromstring(presentation.slide_master.part.part_related_by(RELATIONSHIP_TYPE.THEME).blob)
    minor = theme.find(f".//{qn('a:minorFont')}")
    assert minor.find(qn("a:ea")).get("typeface") == TYPEFACE


def test_deck_follows_the_seed_outline(rendered: dict[str, Path]) -> None:
    texts = _slide_texts(rendered["pptx"])
    # title slide: session, title, ROC period
    assert "高雄市議會第四屆第三次定期大會" in texts[0]
    assert "研究發展考核委員會業務報告" in texts[0]
    assert "民國112年1月1日至112年12月31日" in texts[0]
    assert "民國113年3月31日" in texts[0]
    # outline: the six chapters, numbered
    for chapter in CHAPTERS:
        if chapter is not OVERVIEW:
            assert chapter.title in texts[1]
            assert chapter.motto in texts[1]
    # one divider per chapter, the chapter's heading on it
    for chapter in CHAPTERS[1:]:
        assert any(f"{chapter.number}　{chapter.heading}" in text and chapter.title in text for text in texts)
    assert "市府組織" in "\n".join(texts)
    assert texts[-1].strip() == "簡報結束 敬請指教"
