"""How a section's charts and tables are arranged, the same in every renderer.

A small table (such as the monthly counts behind a chart) stands beside a chart, so the reader
sees the figures and their shape together; bigger tables get their own page or slide.
"""

from dataclasses import dataclass

from yankao.core.report_registry import Chart, SectionContent, Table

SIDE_TABLE_MAX_ROWS = 14
SIDE_TABLE_MAX_COLUMNS = 4


@dataclass(frozen=True)
class ChartBlock:
    chart: Chart
    side_table: Table | None


@dataclass(frozen=True)
class SectionLayout:
    charts: tuple[ChartBlock, ...]
    tables: tuple[Table, ...]  # the tables that stand alone


def table_fits_beside_chart(table: Table) -> bool:
    return len(table.rows) <= SIDE_TABLE_MAX_ROWS and len(table.columns) <= SIDE_TABLE_MAX_COLUMNS


def section_layout(content: SectionContent) -> SectionLayout:
    """Pair each chart with the first unused small table, in order; the rest stand alone."""
    tables = list(content.tables)
    blocks = []
    for chart in content.charts:
        if not chart.categories:  # nothing happened in the period: the figures say so, a chart cannot
            continue
        side = next((table for table in tables if table_fits_beside_chart(table)), None)
        if side is not None:
            tables.remove(side)
        blocks.append(ChartBlock(chart=chart, side_table=side))
    return SectionLayout(charts=tuple(blocks), tables=tuple(tables))
