"""The petitions' part of chapter 5 (聯合服務 萬事雄通) and the petition statistics.

Three sections: how many petitions came in, through which channel, about what and to whom
(order 20), how fast and how well-routed they were answered (order 30), and the satisfaction
survey of the replied ones (order 40). Order 10 is left for the 1999 calls, which the seed report
shows first. Every number comes from the selectors; the
console's petition dashboard draws the same content for a user's scope.
"""

from collections.abc import Sequence
from datetime import date

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
from yankao.servicedesk.selectors import (
    AgencyCount,
    CategoryCount,
    ChannelCount,
    HandlingDays,
    MonthCount,
    Reroutes,
    ScoreDistribution,
    Survey,
    Timeliness,
    petition_count_by_agency,
    petition_count_by_category,
    petition_count_by_channel,
    petition_count_by_month,
    petition_handling_days,
    petition_reroutes,
    petition_survey,
)

# How many categories and agencies the charts name; the statistics list them all.
TOP = 10
UNIT = "件"
TIMELINESS_METHOD = (
    "如期辦結率＝如期答復（或結案）件數÷（如期＋逾期）件數。逾期包含逾期答復者，以及統計基準日仍未結且已逾處理期限者；"
    "尚未到期之未結案件不列入計算，併案及移轉其他業務之案件亦不列入。處理日數為收件次日起至答復日之工作日數（含待民眾補正期間）。"
)

SURVEY_METHOD = (
    "滿意度調查於答復時寄發，分別詢問處理過程與處理結果（各1至5分，5分最滿意），兩者分開統計，不合併為單一滿意度。"
    "寄發件數為統計期間內答復、且答復日滿意度調查辦理中（規則 petition.satisfaction_survey）之陳情件數；"
    "回覆率＝回覆件數÷寄發件數。回覆者自行選擇是否填寫，結果僅代表回覆者之意見。"
)
PROCESS_TITLE = "處理過程滿意度"
OUTCOME_TITLE = "處理結果滿意度"


def roc_month(day: date) -> str:
    """「112年1月」, as the report's month axes read."""
    return f"{day.year - ROC_YEAR_OFFSET}年{day.month}月"


def period_note(*, first: date, last: date, as_of: date) -> str:
    note = f"統計期間：{roc_date_format(first)}至{roc_date_format(last)}"
    return note if as_of == last else f"{note}；處理時效統計至{roc_date_format(as_of)}"


def survey_note(*, first: date, last: date, as_of: date) -> str:
    """The survey counts the petitions replied in the period and the answers given by `as_of`."""
    note = f"統計期間內答復之陳情：{roc_date_format(first)}至{roc_date_format(min(last, as_of))}"
    return note if as_of <= last else f"{note}；回覆統計至{roc_date_format(as_of)}"


# --- tables (statistics and the side tables of the charts) -----------------------------------------


def month_table(rows: Sequence[MonthCount]) -> Table:
    return Table(
        title="每月陳情件數",
        columns=("月份", "件數"),
        rows=tuple((roc_month(row.first), row.count) for row in rows),
    )


def channel_table(rows: Sequence[ChannelCount]) -> Table:
    total = sum(row.count for row in rows)
    return Table(
        title="陳情管道",
        columns=("管道", "件數", "占比（%）"),
        rows=tuple((row.label, row.count, round(100 * row.count / total, 1)) for row in rows),
    )


def category_table(rows: Sequence[CategoryCount], *, limit: int | None = None) -> Table:
    shown = rows[:limit] if limit else rows
    return Table(
        title=f"陳情類別（前{limit}名）" if limit else "陳情類別",
        columns=("類別", "件數"),
        rows=tuple((row.name, row.count) for row in shown),
    )


def agency_table(rows: Sequence[AgencyCount], *, limit: int | None = None) -> Table:
    shown = rows[:limit] if limit else rows
    return Table(
        title=f"受理機關（前{limit}名）" if limit else "受理機關",
        columns=("機關", "件數"),
        rows=tuple((row.name, row.count) for row in shown),
    )


def agency_timeliness_table(rows: Sequence[AgencyCount], *, limit: int | None = None) -> Table:
    shown = rows[:limit] if limit else rows
    return Table(
        title=f"各機關處理時效（件數前{limit}名）" if limit else "各機關處理時效",
        columns=("機關", "如期", "逾期", "如期辦結率（%）"),
        rows=tuple(
            (row.name, row.timeliness.on_time, row.timeliness.late, row.timeliness.on_time_rate)
            for row in shown
        ),
    )


# --- section contents (also drawn by the console's dashboard) ---------------------------------------


def volume_content(
    *,
    by_month: Sequence[MonthCount],
    by_channel: Sequence[ChannelCount],
    by_category: Sequence[CategoryCount],
    by_agency: Sequence[AgencyCount],
    note: str,
) -> SectionContent:
    """How many petitions, by month, channel, category and agency."""
    total = sum(row.count for row in by_month)
    average = total / max(len(by_month), 1)
    figures = (
        Figure(label="民眾陳情", value=total, unit=UNIT),
        # A city's average is read in whole petitions; an agency's few a month keep one decimal.
        Figure(label="每月平均", value=round(average) if average >= 10 else round(average, 1), unit=UNIT),
    )
    if not total:
        return SectionContent(figures=figures, paragraphs=(Paragraph("統計期間內無陳情案件。"),), note=note)
    months, channels = month_table(by_month), channel_table(by_channel)
    categories, agencies = category_table(by_category, limit=TOP), agency_table(by_agency, limit=TOP)
    charts = (
        _chart("每月陳情件數", ChartKind.COLUMN, months),
        _chart("陳情管道", ChartKind.PIE, channels),
        _chart(categories.title, ChartKind.BAR, categories),
        _chart(agencies.title, ChartKind.BAR, agencies),
    )
    return SectionContent(
        figures=figures, charts=charts, tables=(months, channels, categories, agencies), note=note
    )


def handling_content(
    *,
    timeliness: Timeliness,
    handling: HandlingDays,
    reroutes: Reroutes,
    by_agency: Sequence[AgencyCount],
    note: str,
) -> SectionContent:
    """On time or late, handling days and re-routing."""
    figures: list[Figure] = []
    if timeliness.on_time_rate is not None:
        figures.append(
            Figure(
                label="如期辦結率",
                value=timeliness.on_time_rate,
                unit="%",
                note=f"如期{timeliness.on_time:,}件／逾期{timeliness.late:,}件",
            )
        )
    figures.append(
        Figure(
            label="逾期未結", value=timeliness.late_open, unit=UNIT, note=f"未到期{timeliness.pending:,}件"
        )
    )
    if handling.average is not None:
        figures.append(
            Figure(
                label="平均處理日數",
                value=handling.average,
                unit="工作日",
                note=f"已答復{handling.replied:,}件",
            )
        )
    figures.append(
        Figure(
            label="錯分改分",
            value=reroutes.reroutes,
            unit="次",
            note=(
                f"次一工作日內改分{reroutes.on_time_share:g}%"
                if reroutes.on_time_share is not None
                else "無改分"
            ),
        )
    )
    paragraphs = [Paragraph(TIMELINESS_METHOD)]
    if not timeliness.judged:
        paragraphs.insert(0, Paragraph("統計期間內尚無可判定處理時效之陳情案件。"))
    if not by_agency:
        return SectionContent(figures=tuple(figures), paragraphs=tuple(paragraphs), note=note)
    table = agency_timeliness_table(by_agency, limit=TOP)
    shown = by_agency[:TOP]
    chart = Chart(
        title=f"各機關處理情形（件數前{TOP}名）",
        kind=ChartKind.BAR,
        categories=tuple(row.name for row in shown),
        series=(
            ChartSeries(name="如期", values=tuple(row.timeliness.on_time for row in shown)),
            ChartSeries(name="逾期", values=tuple(row.timeliness.late for row in shown)),
            ChartSeries(name="未到期", values=tuple(row.timeliness.pending for row in shown)),
        ),
        unit=UNIT,
    )
    return SectionContent(
        figures=tuple(figures), charts=(chart,), tables=(table,), paragraphs=tuple(paragraphs), note=note
    )


def score_table(title: str, distribution: ScoreDistribution) -> Table:
    answered = distribution.answered
    return Table(
        title=f"{title}分布",
        columns=("分數", "件數", "占比（%）"),
        rows=tuple(
            (f"{score}分", count, round(100 * count / answered, 1) if answered else None)
            for score, count in enumerate(distribution.counts, start=1)
        ),
    )


def survey_content(*, survey: Survey, note: str) -> SectionContent:
    """Surveys sent and answered, and the process and the outcome, each on its own."""
    if not survey.replied:
        return SectionContent(
            paragraphs=(Paragraph("統計期間內無答復之陳情案件，尚無滿意度調查。"),), note=note
        )
    if survey.is_off:
        return SectionContent(
            figures=(Figure(label="滿意度調查寄發", value=0, unit=UNIT, note=f"已答復{survey.replied:,}件"),),
            paragraphs=(
                Paragraph(
                    f"統計期間內未辦理滿意度調查：答復之{survey.replied:,}件陳情均未寄發調查"
                    "（規則 petition.satisfaction_survey 為關閉），故無回覆率及滿意度。"
                ),
            ),
            note=note,
        )
    counts = f"已寄{survey.sent:,}件，回覆{survey.answered:,}件"
    figures = [Figure(label="回覆率", value=survey.response_rate or 0.0, unit="%", note=counts)]
    for title, distribution in ((PROCESS_TITLE, survey.process), (OUTCOME_TITLE, survey.outcome)):
        if distribution.average is not None:
            figures.append(Figure(label=title, value=distribution.average, unit="分", note="平均，滿分5分"))
    paragraphs = [Paragraph(f"回覆率{survey.response_rate:g}%（{counts}）。"), Paragraph(SURVEY_METHOD)]
    if survey.sent < survey.replied:
        paragraphs.insert(
            1,
            Paragraph(
                f"統計期間內答復{survey.replied:,}件，其中{survey.replied - survey.sent:,}件答復時未辦理滿意度調查，不列入寄發件數。"
            ),
        )
    if not survey.answered:
        paragraphs.insert(1, Paragraph("尚無民眾回覆滿意度調查。"))
        return SectionContent(figures=tuple(figures), paragraphs=tuple(paragraphs), note=note)
    tables = (score_table(PROCESS_TITLE, survey.process), score_table(OUTCOME_TITLE, survey.outcome))
    charts = tuple(_chart(table.title, ChartKind.COLUMN, table) for table in tables)
    return SectionContent(
        figures=tuple(figures), charts=charts, tables=tables, paragraphs=tuple(paragraphs), note=note
    )


def _chart(title: str, kind: ChartKind, table: Table) -> Chart:
    """A one-series chart of a table's first two columns (label, count)."""
    return Chart(
        title=title,
        kind=kind,
        categories=tuple(str(row[0]) for row in table.rows),
        series=(ChartSeries(name="件數", values=tuple(int(row[1] or 0) for row in table.rows)),),
        unit=UNIT,
    )


# --- registered statistics -------------------------------------------------------------------------


@statistic_register(key="servicedesk.petitions_by_month", title="民眾陳情件數（每月）", module="servicedesk")
def petitions_by_month(period: ReportPeriod) -> Table:
    return month_table(petition_count_by_month(first=period.date_from, last=period.date_to))


@statistic_register(
    key="servicedesk.petitions_by_channel", title="民眾陳情件數（依管道）", module="servicedesk"
)
def petitions_by_channel(period: ReportPeriod) -> Table:
    return channel_table(petition_count_by_channel(first=period.date_from, last=period.date_to))


@statistic_register(
    key="servicedesk.petitions_by_category", title="民眾陳情件數（依類別）", module="servicedesk"
)
def petitions_by_category(period: ReportPeriod) -> Table:
    return category_table(petition_count_by_category(first=period.date_from, last=period.date_to))


@statistic_register(
    key="servicedesk.petitions_by_agency", title="民眾陳情件數及處理時效（依機關）", module="servicedesk"
)
def petitions_by_agency(period: ReportPeriod) -> Table:
    rows = petition_count_by_agency(first=period.date_from, last=period.date_to, as_of=period.stock_date)
    return Table(
        title="各機關陳情件數及處理時效",
        columns=("機關", "件數", "如期", "逾期答復", "逾期未結", "未到期", "如期辦結率（%）"),
        rows=tuple(
            (
                row.name,
                row.count,
                row.timeliness.on_time,
                row.timeliness.late_answered,
                row.timeliness.late_open,
                row.timeliness.pending,
                row.timeliness.on_time_rate,
            )
            for row in rows
        ),
        note=TIMELINESS_METHOD,
    )


@statistic_register(
    key="servicedesk.petition_handling", title="陳情處理時效、處理日數及改分", module="servicedesk"
)
def petition_handling(period: ReportPeriod) -> tuple[Figure, ...]:
    return _handling_section_content(period).figures


@statistic_register(key="servicedesk.petition_survey", title="陳情滿意度調查", module="servicedesk")
def petition_survey_statistic(period: ReportPeriod) -> tuple[Figure, ...]:
    return petition_survey_section(period).figures


# --- the report's sections ---------------------------------------------------------------------------


@report_section_register(key="servicedesk.petitions", chapter="service", order=20, title="民眾陳情")
def petitions_section(period: ReportPeriod) -> SectionContent:
    first, last = period.date_from, period.date_to
    return volume_content(
        by_month=petition_count_by_month(first=first, last=last),
        by_channel=petition_count_by_channel(first=first, last=last),
        by_category=petition_count_by_category(first=first, last=last),
        by_agency=petition_count_by_agency(first=first, last=last, as_of=period.stock_date),
        note=period_note(first=period.date_from, last=period.date_to, as_of=period.date_to),
    )


@report_section_register(
    key="servicedesk.petition_handling", chapter="service", order=30, title="陳情案件處理時效"
)
def petition_handling_section(period: ReportPeriod) -> SectionContent:
    return _handling_section_content(period)


def _handling_section_content(period: ReportPeriod) -> SectionContent:
    first, last, as_of = period.date_from, period.date_to, period.stock_date
    by_agency = petition_count_by_agency(first=first, last=last, as_of=as_of)
    timeliness = Timeliness(as_of=as_of)
    for row in by_agency:
        timeliness += row.timeliness
    return handling_content(
        timeliness=timeliness,
        handling=petition_handling_days(first=first, last=last, as_of=as_of),
        reroutes=petition_reroutes(first=first, last=last),
        by_agency=by_agency,
        note=period_note(first=period.date_from, last=period.date_to, as_of=as_of),
    )


@report_section_register(
    key="servicedesk.petition_survey", chapter="service", order=40, title="陳情滿意度調查"
)
def petition_survey_section(period: ReportPeriod) -> SectionContent:
    survey = petition_survey(first=period.date_from, last=period.date_to, as_of=period.stock_date)
    note = survey_note(first=period.date_from, last=period.date_to, as_of=period.stock_date)
    return survey_content(survey=survey, note=note)
