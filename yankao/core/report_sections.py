"""The opening section of the council report, from core's own data: the city's organisation
and the working calendar of the period. It also proves the whole path, registry to renderers.
"""

from datetime import date

from yankao.core.models import Agency
from yankao.core.report_registry import (
    Chart,
    ChartKind,
    ChartSeries,
    Figure,
    Paragraph,
    ReportPeriod,
    SectionContent,
    Table,
    report_section_register,
    statistic_register,
)
from yankao.core.roc_dates import ROC_YEAR_OFFSET, roc_date_format
from yankao.core.selectors.organisation import agency_count_by_kind, agency_names_by_kind
from yankao.core.working_days import count_working_days

# The kinds the report counts, in the order the organisation chart reads; the city government
# itself is the root, not one of its agencies.
REPORTED_KINDS = (
    Agency.Kind.FIRST_LEVEL,
    Agency.Kind.SUBORDINATE,
    Agency.Kind.DISTRICT_OFFICE,
    Agency.Kind.MUNICIPAL_ENTERPRISE,
    Agency.Kind.SCHOOL,
)
# How many names the table shows per kind before 「等」.
EXAMPLE_NAMES = 4


def _roc_month(day: date) -> str:
    """「112年1月」, as the report's month axes read."""
    return f"{day.year - ROC_YEAR_OFFSET}年{day.month}月"


@statistic_register(key="core.agencies_by_kind", title="機關數（依類別）", module="core")
def agencies_by_kind(period: ReportPeriod) -> Table:
    """Active agencies by kind. The tree carries no founding dates, so it is today's organisation."""
    counts = agency_count_by_kind()
    rows: list[tuple[str, int, str]] = []
    for kind in REPORTED_KINDS:
        if not counts[kind]:
            continue
        names = agency_names_by_kind(kind=kind)
        examples = "、".join(names[:EXAMPLE_NAMES]) + ("等" if len(names) > EXAMPLE_NAMES else "")
        rows.append((str(kind.label), counts[kind], examples))
    return Table(title="本府組織", columns=("類別", "機關數", "機關"), rows=tuple(rows))


@statistic_register(key="core.working_days_by_month", title="各月工作日數", module="core")
def working_days_by_month(period: ReportPeriod) -> Table:
    """For each month of the period (its part inside the period): calendar days, working days, days off."""
    rows: list[tuple[str, int, int, int]] = []
    for first, last in period.month_spans():
        days = (last - first).days + 1
        working = count_working_days(first, last)
        rows.append((_roc_month(first), days, working, days - working))
    return Table(title="各月工作日數", columns=("月份", "日曆日數", "工作日數", "放假日數"), rows=tuple(rows))


@report_section_register(key="core.organisation", chapter="overview", order=10, title="市府組織")
def organisation_section(period: ReportPeriod) -> SectionContent:
    table = agencies_by_kind(period)
    counts = {str(row[0]): int(row[1] or 0) for row in table.rows}
    figures = tuple(Figure(label=label, value=count, unit="個") for label, count in counts.items())
    chart = Chart(
        title="機關類別",
        kind=ChartKind.PIE,
        categories=tuple(counts),
        series=(ChartSeries(name="機關數", values=tuple(counts.values())),),
        unit="個",
    )
    return SectionContent(
        figures=figures,
        charts=(chart,),
        tables=(table,),
        paragraphs=(Paragraph(f"本府現有機關共{sum(counts.values())}個，不含市政府本身。"),),
        note="依報告產製時之機關資料",
    )


@report_section_register(key="core.calendar", chapter="overview", order=20, title="期間工作日曆")
def calendar_section(period: ReportPeriod) -> SectionContent:
    table = working_days_by_month(period)
    months = tuple(str(row[0]) for row in table.rows)
    working = tuple(int(row[2] or 0) for row in table.rows)
    days_off = tuple(int(row[3] or 0) for row in table.rows)
    chart = Chart(
        title="各月工作日數",
        kind=ChartKind.COLUMN,
        categories=months,
        series=(ChartSeries(name="工作日", values=working), ChartSeries(name="放假日", values=days_off)),
        unit="日",
    )
    return SectionContent(
        figures=(
            Figure(label="期間日數", value=period.days, unit="日"),
            Figure(label="工作日", value=sum(working), unit="日"),
            Figure(label="放假日", value=sum(days_off), unit="日"),
        ),
        charts=(chart,),
        tables=(table,),
        paragraphs=(
            Paragraph(
                "工作日依行政院人事行政總處公布之政府行政機關辦公日曆表計算，"
                "並納入本府停止上班（如颱風）等調整；流量統計均以此期間為準。"
            ),
        ),
        note=f"統計期間：{roc_date_format(period.date_from)}至{roc_date_format(period.date_to)}",
    )
