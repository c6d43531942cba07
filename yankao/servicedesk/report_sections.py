"""The petitions' part of chapter 5 (聯合服務 萬事雄通) and the petition statistics.

Three sections: how many petitions came in, through which channel, about what and to whom
(order 20), how fast and how well-routed they were answered (order 30), and the satisfaction
survey of the replied ones (order 40). Order 10 holds the 1999 calls, which the seed report shows
first (their calls that became petitions count in both). Every number comes from the selectors; the
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
from yankao.servicedesk.hotline_selectors import CallStatistics, call_statistics
from yankao.servicedesk.models import CallOutcome
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


# --- the 1999 calls (order 10: the seed report shows them first) ------------------------------------

CALL_UNIT = "通"
OUTCOME_LABELS = tuple((str(outcome), str(outcome.label)) for outcome in CallOutcome)


def call_month_table(statistics: CallStatistics) -> Table:
    """Calls per month, in total and by outcome."""
    return Table(
        title="每月1999來電通數（依處理結果）",
        columns=("月份", "來電", *(label for _, label in OUTCOME_LABELS)),
        rows=tuple(
            (
                roc_month(month.first),
                month.outcomes.total,
                *(month.outcomes.counts.get(code, 0) for code, _ in OUTCOME_LABELS),
            )
            for month in statistics.months
        ),
    )


def call_category_table(statistics: CallStatistics, *, limit: int | None = None) -> Table:
    shown = statistics.categories[:limit] if limit else statistics.categories
    return Table(
        title=f"1999來電類別（前{limit}名）" if limit else "1999來電類別（依處理結果）",
        columns=("類別", "來電", *(label for _, label in OUTCOME_LABELS)),
        rows=tuple(
            (row.name, row.outcomes.total, *(row.outcomes.counts.get(code, 0) for code, _ in OUTCOME_LABELS))
            for row in shown
        ),
    )


def call_outcome_table(statistics: CallStatistics) -> Table:
    return Table(
        title="1999來電處理結果",
        columns=("處理結果", "通數", "占比（%）"),
        rows=tuple(
            (label, statistics.outcomes.counts.get(code, 0), statistics.outcomes.share(code))
            for code, label in OUTCOME_LABELS
        ),
        note="轉陳情案件之來電，同時計入民眾陳情件數（一通來電、一件陳情）。",
    )


def call_hour_table(statistics: CallStatistics) -> Table:
    return Table(
        title="1999來電時段分布",
        columns=("時段", "通數"),
        rows=tuple((f"{hour:02d}時", count) for hour, count in enumerate(statistics.hours)),
        note="依來電開始時間（臺灣時間）。",
    )


def calls_content(*, statistics: CallStatistics, note: str) -> SectionContent:
    """The calls part of chapter 5: how many, a month on average, what came of them, when they come."""
    figures: tuple[Figure, ...] = (
        Figure(label="1999話務量", value=statistics.total, unit=CALL_UNIT),
        Figure(label="每月平均", value=statistics.monthly_average, unit=CALL_UNIT),
    )
    if not statistics.total:
        return SectionContent(
            figures=figures, paragraphs=(Paragraph("統計期間內無1999來電紀錄。"),), note=note
        )
    busiest = "、".join(f"{hour:02d}–{hour + 1:02d}時" for hour in statistics.busiest_hours)
    figures = (
        *figures,
        Figure(label="派工", value=statistics.outcomes.counts["dispatched"], unit=CALL_UNIT),
        Figure(label="轉陳情案件", value=statistics.outcomes.counts["petition"], unit=CALL_UNIT),
        Figure(label="平均通話", value=round(statistics.average_duration_seconds), unit="秒"),
    )
    months, outcomes = call_month_table(statistics), call_outcome_table(statistics)
    categories, hours = call_category_table(statistics, limit=TOP), call_hour_table(statistics)
    charts = (
        Chart(
            title="每月1999來電通數",
            kind=ChartKind.COLUMN,
            categories=tuple(str(row[0]) for row in months.rows),
            series=(ChartSeries(name="來電", values=tuple(int(row[1] or 0) for row in months.rows)),),
            unit=CALL_UNIT,
        ),
        Chart(
            title="1999來電處理結果",
            kind=ChartKind.PIE,
            categories=tuple(str(row[0]) for row in outcomes.rows),
            series=(ChartSeries(name="通數", values=tuple(int(row[1] or 0) for row in outcomes.rows)),),
            unit=CALL_UNIT,
        ),
        Chart(
            title=categories.title,
            kind=ChartKind.BAR,
            categories=tuple(str(row[0]) for row in categories.rows),
            series=(ChartSeries(name="來電", values=tuple(int(row[1] or 0) for row in categories.rows)),),
            unit=CALL_UNIT,
        ),
        Chart(
            title="1999來電時段分布",
            kind=ChartKind.COLUMN,
            categories=tuple(str(row[0]) for row in hours.rows),
            series=(ChartSeries(name="通數", values=tuple(int(row[1] or 0) for row in hours.rows)),),
            unit=CALL_UNIT,
        ),
    )
    paragraph = Paragraph(
        f"1999市民服務專線全年無休受理來電，來電最多的時段為{busiest}；"
        f"當場答復{statistics.outcomes.share('answered')}%、派工{statistics.outcomes.share('dispatched')}%、"
        f"轉陳情案件{statistics.outcomes.share('petition')}%。"
    )
    return SectionContent(
        figures=figures,
        charts=charts,
        tables=(months, outcomes, categories, hours),
        paragraphs=(paragraph,),
        note=note,
    )


@statistic_register(
    key="servicedesk.calls_by_month", title="1999來電通數（每月，依處理結果）", module="servicedesk"
)
def calls_by_month(period: ReportPeriod) -> Table:
    return call_month_table(call_statistics(first=period.date_from, last=period.date_to))


@statistic_register(
    key="servicedesk.calls_by_category", title="1999來電通數（依類別與處理結果）", module="servicedesk"
)
def calls_by_category(period: ReportPeriod) -> Table:
    return call_category_table(call_statistics(first=period.date_from, last=period.date_to))


@statistic_register(key="servicedesk.calls_by_hour", title="1999來電尖峰時段", module="servicedesk")
def calls_by_hour(period: ReportPeriod) -> Table:
    return call_hour_table(call_statistics(first=period.date_from, last=period.date_to))


@statistic_register(key="servicedesk.calls_summary", title="1999話務量及每月平均", module="servicedesk")
def calls_summary(period: ReportPeriod) -> tuple[Figure, ...]:
    return calls_section(period).figures


@report_section_register(key="servicedesk.calls", chapter="service", order=10, title="1999市民服務專線")
def calls_section(period: ReportPeriod) -> SectionContent:
    statistics = call_statistics(first=period.date_from, last=period.date_to)
    return calls_content(
        statistics=statistics,
        note=period_note(first=period.date_from, last=period.date_to, as_of=period.date_to),
    )
