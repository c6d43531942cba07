"""The council report as a PDF: an HTML template laid out by WeasyPrint, charts as inline SVG.

A4 landscape pages in the order of the deck (cover, outline, chapter dividers, sections), so the
PDF can be handed out as the printed version of the slides. WeasyPrint embeds the subset of the
Noto CJK faces the text uses; nothing is fetched from the network (no url() but the app's files).
"""

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from yankao.core.report_registry import Chapter, Chart, Figure, Paragraph, Table
from yankao.reports.council_report import CLOSING_TEXT, BuiltSection, CouncilReport
from yankao.reports.renderers.layout import section_layout
from yankao.reports.renderers.numbers import cell_format, cell_is_number, number_format
from yankao.reports.renderers.svg import chart_svg

STYLESHEET = Path(__file__).resolve().parent.parent / "static" / "reports" / "council.css"
TEMPLATE = "reports/council.html"


@dataclass(frozen=True)
class _Cell:
    text: str
    number: bool


@dataclass(frozen=True)
class _TableView:
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[_Cell, ...], ...]
    note: str


@dataclass(frozen=True)
class _FigureView:
    label: str
    value: str
    unit: str
    note: str


@dataclass(frozen=True)
class _ChartView:
    title: str
    svg: SafeString
    side_table: _TableView | None


@dataclass(frozen=True)
class _SectionView:
    key: str
    title: str
    chapter_heading: str
    note: str
    figures: tuple[_FigureView, ...]
    paragraphs: tuple[Paragraph, ...]
    charts: tuple[_ChartView, ...]
    tables: tuple[_TableView, ...]


@dataclass(frozen=True)
class _ChapterView:
    chapter: Chapter
    sections: tuple[_SectionView, ...]


def council_report_html(*, report: CouncilReport) -> str:
    """The report as the HTML document WeasyPrint lays out (also handy to inspect in a browser)."""
    context: dict[str, Any] = {
        "report": report,
        "overview": [
            _section_view(section, chapter_heading=section.chapter.title) for section in report.overview
        ],
        "chapters": [
            _ChapterView(
                chapter=block.chapter,
                sections=tuple(
                    _section_view(s, chapter_heading=block.chapter.heading) for s in block.sections
                ),
            )
            for block in report.chapters
        ],
        "outline": report.outline,
        "closing_text": CLOSING_TEXT,
        "stylesheet": STYLESHEET.read_text(encoding="utf-8"),
    }
    return render_to_string(TEMPLATE, context)


def council_report_pdf_write(*, report: CouncilReport, path: Path) -> Path:
    """Write the report as a PDF to `path` and return the path."""
    # WeasyPrint logs every layout step at INFO, some on import; the command shows its own progress.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    # Imported here: WeasyPrint loads pango and fonts, which only rendering needs.
    from weasyprint import HTML

    document = HTML(string=council_report_html(report=report), base_url=str(STYLESHEET.parent))
    document.write_pdf(str(path))
    return path


def _section_view(section: BuiltSection, *, chapter_heading: str) -> _SectionView:
    content = section.content
    layout = section_layout(content)
    return _SectionView(
        key=section.key,
        title=section.title,
        chapter_heading=chapter_heading,
        note=content.note,
        figures=tuple(_figure_view(figure) for figure in content.figures),
        paragraphs=content.paragraphs,
        charts=tuple(
            _ChartView(
                title=block.chart.title + (f"（單位：{block.chart.unit}）" if block.chart.unit else ""),
                svg=_svg(block.chart, wide=block.side_table is None),
                side_table=_table_view(block.side_table) if block.side_table else None,
            )
            for block in layout.charts
        ),
        tables=tuple(_table_view(table) for table in layout.tables),
    )


def _svg(chart: Chart, *, wide: bool) -> SafeString:
    # chart_svg builds its markup from escaped text and numbers only.
    return mark_safe(chart_svg(chart=chart, width=960 if wide else 600, height=330))  # noqa: S308


def _figure_view(figure: Figure) -> _FigureView:
    return _FigureView(
        label=figure.label, value=number_format(figure.value), unit=figure.unit, note=figure.note
    )


def _table_view(table: Table) -> _TableView:
    return _TableView(
        title=table.title,
        columns=table.columns,
        rows=tuple(
            tuple(_Cell(cell_format(cell), cell_is_number(cell)) for cell in row) for row in table.rows
        ),
        note=table.note,
    )
