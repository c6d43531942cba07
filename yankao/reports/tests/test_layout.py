from yankao.core.report_registry import Chart, ChartKind, ChartSeries, SectionContent, Table
from yankao.reports.renderers.layout import section_layout


def test_a_chart_of_a_period_with_no_data_is_left_out_and_its_table_stands_alone() -> None:
    # A module that had nothing in the period (a new city, a quiet year) must not break the report.
    empty = Chart(
        title="每月件數", kind=ChartKind.BAR, categories=(), series=(ChartSeries(name="件數", values=()),)
    )
    table = Table(title="每月件數", columns=("月份", "件數"), rows=(("合計", "0"),))
    layout = section_layout(SectionContent(charts=(empty,), tables=(table,)))
    assert layout.charts == ()
    assert layout.tables == (table,)
