"""The timeliness part of chapter 3 (管制考核 確保進度): 查核7大類公文時效, and its statistics.

Every number comes from `selectors.figures_for_scope` over the whole city. The 人民陳情案 row
is this audit's result over the agencies' document registers; the service desk's own on-time
rate of petitions (chapter 5) counts its cases by different rules and is labelled apart.
"""

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
from yankao.timeliness.models import Category
from yankao.timeliness.selectors import FigureRow, figures_for_scope, figures_ranking, figures_total

UNIT = "件"
PETITION_LABEL = "人民陳情案（公文時效查核）"
METHOD = (
    "依限辦結率＝依限辦結件數÷（依限辦結＋逾限辦結）件數；逾期件數含逾限辦結及統計基準日仍未結且已逾期限者。"
    "平均發文使用日數僅計已發文之一般公文，自收文次日起算、扣除例假日，當日收當日辦結以0.5日計，限期公文依限辦結者最多以6日計。"
    "展期者仍以原期限判定逾期（另列依展期後期限之依限辦結率）。期間以收文月份計。"
)
PETITION_NOTE = (
    "「人民陳情案（公文時效查核）」係研考會查核各機關公文登記之結果，"
    "與第五章聯合服務中心陳情系統之如期辦結率（以案件處理系統之處理期限計）統計基準不同，兩者不宜直接比較。"
)


def _rate(value: object) -> str:
    return "—" if value is None else f"{value}"


def category_label(row: FigureRow) -> str:
    return PETITION_LABEL if row.key == Category.PETITION else row.label


def category_table(rows: list[FigureRow]) -> Table:
    return Table(
        title="7大類公文時效（依類別）",
        columns=(
            "類別",
            "件數",
            "依限辦結",
            "逾限辦結",
            "逾期未結",
            "未結（未逾期）",
            "依限辦結率（%）",
            "展期件數",
        ),
        rows=tuple(
            (
                category_label(row),
                row.total,
                row.on_time,
                row.late,
                row.open_overdue,
                row.open,
                _rate(row.on_time_rate),
                row.extended,
            )
            for row in rows
        ),
        note=PETITION_NOTE,
    )


def agency_table(rows: list[FigureRow]) -> Table:
    return Table(
        title="各機關公文時效（依依限辦結率排序）",
        columns=("名次", "機關", "件數", "平均發文使用日數", "逾期件數", "依限辦結率（%）", "展期件數"),
        rows=tuple(
            (
                rank,
                row.label,
                row.total,
                _rate(row.average_days_used),
                row.overdue,
                _rate(row.on_time_rate),
                row.extended,
            )
            for rank, row in enumerate(figures_ranking(rows), start=1)
        ),
        note=METHOD,
    )


def timeliness_content(period: ReportPeriod) -> SectionContent:
    first, last = period.date_from, period.date_to
    by_category = figures_for_scope(scope="", group="category", date_from=first, date_to=last)
    by_agency = figures_for_scope(scope="", group="agency", date_from=first, date_to=last)
    by_month = figures_for_scope(scope="", group="month", date_from=first, date_to=last)
    total = figures_total(by_category)
    figures = (
        Figure("查核公文", total.total, UNIT, note="7大類"),
        Figure("依限辦結率", total.on_time_rate or 0, "%"),
        Figure("平均發文使用日數", total.average_days_used or 0, "日", note="一般公文"),
        Figure("逾期件數", total.overdue, UNIT, note="含逾期未結"),
        Figure("展期件數", total.extended, UNIT),
    )
    chart = Chart(
        title="每月依限辦結率",
        kind=ChartKind.LINE,
        categories=tuple(row.label for row in by_month),
        series=(ChartSeries("依限辦結率", tuple(float(row.on_time_rate or 0) for row in by_month)),),
        unit="%",
    )
    return SectionContent(
        figures=figures,
        charts=(chart,),
        tables=(category_table(by_category), agency_table(by_agency)),
        note=f"統計期間：{roc_date_format(first)}至{roc_date_format(last)}（依收文月份）。{METHOD}",
    )


@statistic_register(key="timeliness.by_category", title="公文時效（依類別）", module="timeliness")
def by_category(period: ReportPeriod) -> Table:
    return category_table(
        figures_for_scope(scope="", group="category", date_from=period.date_from, date_to=period.date_to)
    )


@statistic_register(key="timeliness.by_agency", title="公文時效（依機關排名）", module="timeliness")
def by_agency(period: ReportPeriod) -> Table:
    return agency_table(
        figures_for_scope(scope="", group="agency", date_from=period.date_from, date_to=period.date_to)
    )


@statistic_register(key="timeliness.headline", title="公文時效重點數字", module="timeliness")
def headline(period: ReportPeriod) -> tuple[Figure, ...]:
    return timeliness_content(period).figures


@report_section_register(key="timeliness.documents", chapter="control", order=20, title="查核7大類公文時效")
def timeliness_section(period: ReportPeriod) -> SectionContent:
    return timeliness_content(period)
