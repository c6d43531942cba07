"""The programs' statistics and their section of the council report (chapter 管制考核).

Counts of programs are stock figures as of the report's as-of date (「管考追蹤案1,338件，統計至3月底」);
lights and execution rates come from the filed reports of the last whole month on or before it.
Everything is computed from the database through the selectors.
"""

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
from yankao.core.roc_dates import roc_date_format
from yankao.programs.models import Light
from yankao.programs.periods import month_label
from yankao.programs.selectors import (
    execution_by_type_as_of,
    lights_as_of,
    month_reports_as_of,
    program_counts_as_of,
    programs_behind_as_of,
)

LIGHT_LABELS = dict(Light.choices)


def stock_note(period: ReportPeriod) -> str:
    return f"統計至{roc_date_format(period.stock_date)}"


@statistic_register(key="programs.by_type", title="列管計畫件數（依計畫類型）", module="programs")
def programs_by_type(period: ReportPeriod) -> Table:
    counts = program_counts_as_of(on=period.stock_date)
    return Table(
        title="列管計畫件數（依計畫類型）",
        columns=("計畫類型", "件數"),
        rows=(*tuple((name, n) for name, n in counts["by_type"]), ("合計", counts["total"])),
        note=stock_note(period),
    )


@statistic_register(key="programs.by_level", title="列管計畫件數（依列管層級）", module="programs")
def programs_by_level(period: ReportPeriod) -> Table:
    counts = program_counts_as_of(on=period.stock_date)
    return Table(
        title="列管計畫件數（依列管層級）",
        columns=("列管層級", "件數"),
        rows=tuple((name, n) for name, n in counts["by_level"]),
        note=stock_note(period),
    )


@statistic_register(key="programs.by_agency", title="列管計畫件數（依主辦機關）", module="programs")
def programs_by_agency(period: ReportPeriod) -> Table:
    counts = program_counts_as_of(on=period.stock_date)
    return Table(
        title="列管計畫件數（依主辦機關）",
        columns=("主辦機關", "件數"),
        rows=tuple((name, n) for name, n in counts["by_agency"]),
        note=stock_note(period),
    )


@statistic_register(key="programs.lights", title="列管計畫燈號分布", module="programs")
def programs_lights(period: ReportPeriod) -> Table:
    lights = lights_as_of(on=period.stock_date)
    return Table(
        title="列管計畫燈號分布",
        columns=("燈號", "件數"),
        rows=tuple(
            (str(LIGHT_LABELS[key]), lights[key])
            for key in (Light.GREEN, Light.YELLOW, Light.RED, Light.NONE)
        ),
        note=stock_note(period),
    )


@statistic_register(key="programs.behind", title="進度落後計畫", module="programs")
def programs_behind(period: ReportPeriod) -> Table:
    reports = programs_behind_as_of(on=period.stock_date, limit=50)
    return Table(
        title="進度落後計畫",
        columns=("計畫編號", "計畫名稱", "主辦機關", "預定（%）", "實際（%）", "差異（百分點）", "落後原因"),
        rows=tuple(
            (
                report.program.code,
                report.program.name,
                report.program.agency.short_name or report.program.agency.name,
                report.planned_progress,
                report.actual_progress,
                report.actual_progress - report.planned_progress,
                report.delay_reason,
            )
            for report in reports
        ),
        note=stock_note(period),
    )


@statistic_register(key="programs.execution", title="預算執行率（依計畫類型）", module="programs")
def programs_execution(period: ReportPeriod) -> Table:
    return Table(
        title="預算執行率（依計畫類型）",
        columns=("計畫類型", "填報件數", "平均執行率（%）", "未達警示值件數"),
        rows=tuple(execution_by_type_as_of(on=period.stock_date)),
        note=stock_note(period),
    )


@report_section_register(key="programs.control", chapter="control", order=10, title="各類管考")
def programs_section(period: ReportPeriod) -> SectionContent:
    """「113年各類管考：管考追蹤案1,338件（施政計畫119件、基本設施補助計畫208件、前瞻1,011件），統計至3月底」."""
    counts = program_counts_as_of(on=period.stock_date)
    lights = lights_as_of(on=period.stock_date)
    figures = [Figure(label="管考追蹤案", value=counts["total"], unit="件", note=stock_note(period))]
    figures += [Figure(label=name, value=n, unit="件") for name, n in counts["by_type"]]
    categories = tuple(str(LIGHT_LABELS[key]) for key in (Light.GREEN, Light.YELLOW, Light.RED, Light.NONE))
    values = tuple(lights[key] for key in (Light.GREEN, Light.YELLOW, Light.RED, Light.NONE))
    charts = []
    if counts["by_type"]:
        charts.append(
            Chart(
                title="管考追蹤案（依計畫類型）",
                kind=ChartKind.COLUMN,
                categories=tuple(name for name, _ in counts["by_type"]),
                series=(ChartSeries(name="件數", values=tuple(n for _, n in counts["by_type"])),),
                unit="件",
            )
        )
    if sum(values):
        charts.append(
            Chart(
                title="列管計畫燈號分布",
                kind=ChartKind.PIE,
                categories=categories,
                series=(ChartSeries(name="件數", values=values),),
                unit="件",
            )
        )
    filed = month_reports_as_of(on=period.stock_date)
    first = filed.first()
    paragraphs = []
    if first is not None:
        behind = lights[Light.RED] + lights[Light.YELLOW]
        paragraphs.append(
            Paragraph(
                f"依{month_label(first.period)}月報，紅燈 {lights[Light.RED]} 件、黃燈 {lights[Light.YELLOW]} 件，"
                f"共 {behind} 件須說明落後原因並提出因應對策，由研考會列為例外管理追蹤。"
            )
        )
    return SectionContent(
        figures=tuple(figures),
        charts=tuple(charts),
        tables=(programs_execution(period),),
        paragraphs=tuple(paragraphs),
        note=stock_note(period),
    )
