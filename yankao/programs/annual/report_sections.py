"""The yearly cycle's sections of the council report (業務報告): 綜合計畫 and 市營事業績效考核.

Stock figures as of the report's `--as-of` date, read through the selectors: the demo city gives
the seed's 「112年10月至113年3月共召開及參與14場地方創生研商會議及現勘」 and its 12 teams as of
2024-03-31, and the 113年度施政計畫核定本.
"""

from datetime import date

from yankao.core.report_registry import (
    Figure,
    Paragraph,
    ReportPeriod,
    SectionContent,
    Table,
    report_section_register,
)
from yankao.core.roc_dates import roc_date_format
from yankao.programs.annual.selectors.statistics import (
    enterprise_rows_as_of,
    plan_figures_as_of,
    tracked_figures_as_of,
)


def _roc_month(value: date) -> str:
    return f"{value.year - 1911}年{value.month}月"


@report_section_register(
    key="programs_annual.planning", chapter="planning", order=20, title="施政計畫與地方創生"
)
def planning_section(period: ReportPeriod) -> SectionContent:
    on = period.stock_date
    plan = plan_figures_as_of(on=on)
    tracked = tracked_figures_as_of(on=on)
    note = f"統計至{roc_date_format(on)}"
    figures = []
    paragraphs = []
    if plan.approved is not None and plan.approved.approved_on is not None:
        year = plan.approved.year - 1911
        figures.append(Figure(label=f"{year}年度施政計畫", value=plan.approved_items, unit="項"))
        paragraphs.append(
            Paragraph(
                f"{year}年度施政計畫核定本於{roc_date_format(plan.approved.approved_on)}核定，"
                f"計 {plan.approved_agencies} 個機關、{plan.approved_items} 項計畫。"
            )
        )
    if plan.next_round is not None:
        year = plan.next_round.year - 1911
        paragraphs.append(
            Paragraph(
                f"{year}年度施政計畫先期作業自{roc_date_format(plan.next_round.opens_on)}受理，"
                f"各機關已提報 {plan.next_round_items} 項。"
            )
        )
    events = tracked.meetings + tracked.visits
    figures.append(
        Figure(
            label="地方創生研商會議及現勘",
            value=events,
            unit="場",
            note=f"{_roc_month(tracked.events_from)}至{_roc_month(on)}",
        )
    )
    figures.append(Figure(label="輔導地方創生團隊", value=tracked.teams, unit="組"))
    figures.append(Figure(label="追蹤納管公正轉型對策", value=tracked.countermeasures, unit="項"))
    paragraphs.append(
        Paragraph(
            f"{_roc_month(tracked.events_from)}至{_roc_month(on)}共召開及參與 {events} 場地方創生研商會議及現勘"
            f"（現勘 {tracked.visits} 場）；追蹤 {tracked.countermeasure_agencies} 個機關之淨零公正轉型對策 "
            f"{tracked.countermeasures} 項。"
        )
    )
    return SectionContent(figures=tuple(figures), paragraphs=tuple(paragraphs), note=note)


@report_section_register(
    key="programs_annual.enterprises", chapter="control", order=40, title="市營事業績效考核"
)
def enterprise_section(period: ReportPeriod) -> SectionContent:
    on = period.stock_date
    rows = enterprise_rows_as_of(on=on)
    if not rows:
        return SectionContent(
            paragraphs=(Paragraph("統計日前尚無函送之市營事業績效考評報告。"),),
            note=f"統計至{roc_date_format(on)}",
        )
    year = rows[0].year - 1911
    table = Table(
        title=f"{year}年度市營事業績效考核",
        columns=("受評事業", "總分", "等第", "委員建議（項）", "已落實（項）"),
        rows=tuple((r.enterprise, r.total, r.grade, r.recommendations, r.closed) for r in rows),
        note=f"統計至{roc_date_format(on)}；等第級距依規則表（未查證之預設值）。",
    )
    total = sum(r.recommendations for r in rows)
    closed = sum(r.closed for r in rows)
    return SectionContent(
        figures=(
            Figure(label="委員建議事項", value=total, unit="項"),
            Figure(label="已落實", value=closed, unit="項"),
        ),
        tables=(table,),
        paragraphs=(
            Paragraph("考評小組由府內機關及專家學者組成，多元觀點提供客觀評核。"),
            Paragraph(
                f"考評報告函請受評單位落實委員建議事項，{total} 項中已落實 {closed} 項，其餘持續追蹤。"
            ),
        ),
        note=f"統計至{roc_date_format(on)}",
    )
