"""The server-side SVG charts: scale, escaping, every kind drawn."""

import pytest
from lxml import etree

from yankao.core.report_registry import Chart, ChartKind, ChartSeries
from yankao.reports.renderers.svg import chart_svg, nice_ceiling


@pytest.mark.parametrize(
    ("value", "ceiling"), [(0, 5), (24, 25), (26, 30), (860_696, 1_000_000), (3, 5), (12, 15), (120, 125)]
)
def test_axis_ceiling_is_a_round_number_above_the_data(value: float, ceiling: float) -> None:
    assert nice_ceiling(value) == ceiling


@pytest.mark.parametrize("kind", list(ChartKind))
def test_every_kind_is_well_formed_svg_with_escaped_text(kind: ChartKind) -> None:
    series = (ChartSeries("件數<script>", (3, 5)),)
    if kind is not ChartKind.PIE:
        series += (ChartSeries("其他", (1, 0)),)
    chart = Chart(
        title="標題 & <測試>", kind=kind, categories=("市長信箱", "1999專線"), series=series, unit="件"
    )
    svg = chart_svg(chart=chart)
    root = etree.fromstring(svg.encode())
    assert root.get("aria-label") == "標題 & <測試>（單位：件）"
    assert "<script" not in svg
    assert "1999專線" in svg
