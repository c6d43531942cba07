"""The bullying module's statistics and its section of the council report (聯合服務 chapter).

The seed report's three tables, computed from the register: reports accepted / not accepted,
reports by source, and the accepted reports by handling status. Counts only: no number, school
or name ever reaches a report, a dashboard or an export.
"""

from yankao.bullying.selectors import BullyingStatistics, bullying_statistics
from yankao.core.report_registry import (
    Chart,
    ChartKind,
    ChartSeries,
    Figure,
    ReportPeriod,
    SectionContent,
    Table,
    report_section_register,
    statistic_register,
)
from yankao.core.roc_dates import roc_date_format

UNIT = "件"


def period_note(stats: BullyingStatistics) -> str:
    note = f"統計期間：{roc_date_format(stats.first)}至{roc_date_format(stats.last)}（依收件日）"
    if stats.as_of != stats.last:
        note += f"；處理情形統計至{roc_date_format(stats.as_of)}"
    return note


def acceptance_table(stats: BullyingStatistics) -> Table:
    rows: list[tuple[str, int]] = [("受理", stats.accepted), ("不予受理", stats.not_accepted)]
    if stats.pending:
        rows.append(("審查中", stats.pending))
    return Table(
        title="疑似校園霸凌案件通報數（件）",
        columns=("項目", "件數"),
        rows=(*rows, ("合計", stats.total)),
    )


def source_table(stats: BullyingStatistics) -> Table:
    return Table(
        title="疑似校園霸凌案件通報來源（件）",
        columns=("來源", "件數"),
        rows=(*stats.by_source, ("合計", stats.total)),
    )


def status_table(stats: BullyingStatistics) -> Table:
    return Table(
        title=f"疑似校園霸凌案件處理情形（共{stats.accepted}件）",
        columns=("處理情形", "件數"),
        rows=(*stats.accepted_by_status, ("合計", stats.accepted)),
    )


def _chart(table: Table, kind: ChartKind) -> Chart:
    body = [row for row in table.rows if row[0] != "合計"]
    return Chart(
        title=table.title.replace("（件）", ""),
        kind=kind,
        categories=tuple(str(row[0]) for row in body),
        series=(ChartSeries(name="件數", values=tuple(int(row[1] or 0) for row in body)),),
        unit=UNIT,
    )


def bullying_content(stats: BullyingStatistics) -> SectionContent:
    tables = (acceptance_table(stats), source_table(stats), status_table(stats))
    return SectionContent(
        figures=(
            Figure("疑似校園霸凌案件通報", stats.total, UNIT),
            Figure("受理", stats.accepted, UNIT),
            Figure("不予受理", stats.not_accepted, UNIT),
        ),
        charts=(
            _chart(tables[0], ChartKind.PIE),
            _chart(tables[1], ChartKind.BAR),
            _chart(tables[2], ChartKind.COLUMN),
        ),
        tables=tables,
        note=period_note(stats),
    )


def _stats(period: ReportPeriod) -> BullyingStatistics:
    return bullying_statistics(
        user=None, first=period.date_from, last=period.date_to, as_of=period.stock_date
    )


@statistic_register(
    key="bullying.reports_by_acceptance", title="疑似校園霸凌案件通報數（受理與否）", module="bullying"
)
def reports_by_acceptance(period: ReportPeriod) -> Table:
    return acceptance_table(_stats(period))


@statistic_register(key="bullying.reports_by_source", title="疑似校園霸凌案件通報來源", module="bullying")
def reports_by_source(period: ReportPeriod) -> Table:
    return source_table(_stats(period))


@statistic_register(key="bullying.accepted_by_status", title="疑似校園霸凌案件處理情形", module="bullying")
def accepted_by_status(period: ReportPeriod) -> Table:
    return status_table(_stats(period))


@report_section_register(key="bullying.reports", chapter="service", order=60, title="府級校園霸凌調查機制")
def bullying_section(period: ReportPeriod) -> SectionContent:
    return bullying_content(_stats(period))
