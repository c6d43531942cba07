"""The council report as a PowerPoint deck with native, editable charts (python-pptx).

Layout follows the seed report: a title slide, the outline (簡報大綱) of the six chapters, a
divider per chapter with the current chapter highlighted, then the slides of each section,
and the closing slide.

Fonts: every run, table cell and chart text carries `<a:ea typeface>` (and `a:latin`, `a:cs`)
and `lang="zh-TW"`. The typeface is Noto Sans CJK TC, not 微軟正黑體: it is the face the PDF
embeds, so both outputs look alike; it is installed on the servers that render and preview
reports (fonts-noto-cjk), so LibreOffice conversions match the deck; and it is free (SIL OFL),
so any office may install it, while 微軟正黑體 is licensed with Windows alone. On a Windows PC
without Noto, PowerPoint substitutes its East Asian default for the run's language, and the
zh-TW tag makes that a Traditional Chinese face (微軟正黑體), never a Japanese or Simplified one.
"""

from collections.abc import Iterable, Sequence
from pathlib import Path

from lxml import etree
from pptx import Presentation
from pptx.chart.chart import Chart as PptxChart
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION, XL_LEGEND_POSITION
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.opc.constants import RELATIONSHIP_TYPE
from pptx.oxml.ns import qn
from pptx.presentation import Presentation as PresentationType
from pptx.slide import Slide
from pptx.util import Emu, Inches, Pt

from yankao.core.report_registry import Chart, ChartKind, Figure, Table
from yankao.reports.council_report import CLOSING_TEXT, BuiltSection, CouncilReport
from yankao.reports.renderers.layout import ChartBlock, section_layout
from yankao.reports.renderers.numbers import cell_format, cell_is_number, number_format
from yankao.reports.renderers.svg import PALETTE as SVG_PALETTE

TYPEFACE = "Noto Sans CJK TC"
LANGUAGE = "zh-TW"
ALT_LANGUAGE = "en-US"


def _rgb(hex_color: str) -> RGBColor:
    return RGBColor.from_string(hex_color)  # type: ignore[no-untyped-call]


NAVY = _rgb("1B3A5C")
ORANGE = _rgb("E07A1F")
INK = _rgb("222222")
GREY = _rgb("666666")
PALE = _rgb("EEF2F7")
WHITE = _rgb("FFFFFF")
# The SVG charts' colours, so the deck and the PDF match.
PALETTE = tuple(_rgb(color.removeprefix("#")) for color in SVG_PALETTE)

SLIDE_WIDTH = Inches(13.333)
SLIDE_HEIGHT = Inches(7.5)
MARGIN = Inches(0.5)
BODY_TOP = Inches(1.45)
BODY_BOTTOM = Inches(6.85)
BODY_WIDTH = Emu(SLIDE_WIDTH - 2 * MARGIN)
# Rows of a table per slide before it continues on the next (標題列 not counted).
TABLE_ROWS_PER_SLIDE = 13
FIGURES_PER_ROW = 4
# A section's figures share a slide with its first chart when its side table is at most this long.
COMBINED_TABLE_MAX_ROWS = 8
COMBINED_PARAGRAPHS_MAX = 2

# Table text: 14 pt in a table of its own, 12 pt beside a chart; the padding a cell needs (its
# margins and LibreOffice's space between CJK and digits), and what counts as a short column.
TABLE_TEXT_SIZE = 14
SIDE_TABLE_TEXT_SIZE = 12
CELL_PADDING_EM = 2.0
SHORT_COLUMN_EM = 10.0

CHART_TYPES = {
    ChartKind.BAR: XL_CHART_TYPE.BAR_CLUSTERED,
    ChartKind.COLUMN: XL_CHART_TYPE.COLUMN_CLUSTERED,
    ChartKind.PIE: XL_CHART_TYPE.PIE,
    ChartKind.LINE: XL_CHART_TYPE.LINE_MARKERS,
}
# Children of a:rPr that must follow a:latin/a:ea/a:cs (schema order of CT_TextCharacterProperties).
_AFTER_TYPEFACES = ("a:sym", "a:hlinkClick", "a:hlinkMouseOver", "a:rtl", "a:extLst")
_TEXT_PROPERTIES = ("a:rPr", "a:endParaRPr", "a:defRPr")


def council_report_pptx_write(*, report: CouncilReport, path: Path) -> Path:
    """Write the report as a PPTX deck to `path` and return the path."""
    deck = _Deck(report)
    deck.build()
    deck.presentation.save(str(path))
    return path


def east_asian_fonts_apply(element: etree._Element) -> None:
    """Give every text property under `element` the CJK typeface and the zh-TW language.

    Runs without properties get them first, so no run falls back to the theme's Latin font.
    """
    for run in element.iter(qn("a:r")):
        if run.find(qn("a:rPr")) is None:
            run.insert(0, etree.Element(qn("a:rPr")))
    for tag in _TEXT_PROPERTIES:
        for properties in element.iter(qn(tag)):
            properties.set("lang", LANGUAGE)
            properties.set("altLang", ALT_LANGUAGE)
            for name in ("a:latin", "a:ea", "a:cs"):
                for old in properties.findall(qn(name)):
                    properties.remove(old)
            anchor = next(
                (child for child in properties if child.tag in {qn(t) for t in _AFTER_TYPEFACES}), None
            )
            for name in ("a:latin", "a:ea", "a:cs"):
                typeface = etree.Element(qn(name))
                typeface.set("typeface", TYPEFACE)
                if anchor is None:
                    properties.append(typeface)
                else:
                    anchor.addprevious(typeface)


class _Deck:
    def __init__(self, report: CouncilReport) -> None:
        self.report = report
        self.presentation: PresentationType = Presentation()
        self.presentation.slide_width = SLIDE_WIDTH
        self.presentation.slide_height = SLIDE_HEIGHT
        self.blank = self.presentation.slide_layouts[6]
        self.charts: list[PptxChart] = []

    def build(self) -> None:
        self._theme_fonts()
        self._properties()
        self._title_slide()
        self._outline_slide()
        for section in self.report.overview:
            self._section_slides(section, chapter_heading=section.chapter.title)
        for block in self.report.chapters:
            self._divider_slide(block.chapter.number, empty=not block.sections)
            for section in block.sections:
                self._section_slides(section, chapter_heading=block.chapter.heading)
        self._closing_slide()
        for slide in self.presentation.slides:
            east_asian_fonts_apply(slide.shapes._spTree)
        for chart in self.charts:
            east_asian_fonts_apply(chart._chartSpace)

    # Document-wide settings -------------------------------------------------------------

    def _theme_fonts(self) -> None:
        """Set the theme's East Asian fonts, so text the staff add later gets the CJK face too."""
        master_part = self.presentation.slide_master.part
        theme_part = master_part.part_related_by(RELATIONSHIP_TYPE.THEME)
        theme = etree.fromstring(theme_part.blob)
        for font_group in ("a:majorFont", "a:minorFont"):
            for group in theme.iter(qn(font_group)):
                ea = group.find(qn("a:ea"))
                if ea is not None:
                    ea.set("typeface", TYPEFACE)
                font = etree.SubElement(group, qn("a:font"))
                font.set("script", "Hant")
                font.set("typeface", TYPEFACE)
        # A theme is a plain part in python-pptx: its bytes are all there is to replace.
        theme_part._blob = etree.tostring(theme, xml_declaration=True, encoding="UTF-8", standalone=True)

    def _properties(self) -> None:
        properties = self.presentation.core_properties
        properties.title = self.report.full_title
        properties.subject = f"{self.report.session_text} {self.report.period_text}"
        properties.author = f"{self.report.city_name}政府研究發展考核委員會"
        properties.language = LANGUAGE

    # Slides -----------------------------------------------------------------------------

    def _new_slide(self) -> Slide:
        return self.presentation.slides.add_slide(self.blank)

    def _title_slide(self) -> None:
        slide = self._new_slide()
        self._rectangle(slide, 0, 0, SLIDE_WIDTH, SLIDE_HEIGHT, fill=NAVY)
        self._rectangle(slide, 0, Inches(4.55), SLIDE_WIDTH, Inches(0.08), fill=ORANGE)
        report = self.report
        self._text(
            slide, MARGIN, Inches(1.3), BODY_WIDTH, Inches(0.8), report.session_text, size=28, color=WHITE
        )
        self._text(
            slide, MARGIN, Inches(2.2), BODY_WIDTH, Inches(1.4), report.title, size=48, bold=True, color=WHITE
        )
        self._text(
            slide,
            MARGIN,
            Inches(4.9),
            BODY_WIDTH,
            Inches(1.2),
            [f"報告期間：{report.period_text}", f"存量統計至：{report.as_of_text}"],
            size=20,
            color=WHITE,
        )
        self._text(
            slide,
            MARGIN,
            Inches(6.4),
            BODY_WIDTH,
            Inches(0.6),
            f"{report.city_name}政府研究發展考核委員會　{report.generated_text}產製",
            size=14,
            color=PALE,
        )

    def _outline_slide(self) -> None:
        slide = self._new_slide()
        self._header(slide, "簡 報 大 綱", "")
        width, height = Inches(3.8), Inches(2.2)
        gap_x = (BODY_WIDTH - 3 * width) // 2
        for index, chapter in enumerate(self.report.outline):
            column, row = index % 3, index // 3
            left = MARGIN + column * (width + gap_x)
            top = Inches(1.8) + row * (height + Inches(0.45))
            self._rectangle(slide, left, top, width, height, fill=PALE, rounded=True)
            self._text(
                slide,
                left,
                top + Inches(0.2),
                Inches(1.1),
                height - Inches(0.4),
                str(chapter.number),
                size=54,
                bold=True,
                color=ORANGE,
                align=PP_ALIGN.CENTER,
                anchor=MSO_ANCHOR.MIDDLE,
            )
            self._text(
                slide,
                left + Inches(1.1),
                top + Inches(0.3),
                width - Inches(1.2),
                height - Inches(0.6),
                [chapter.title, chapter.motto],
                size=26,
                bold=True,
                color=NAVY,
                anchor=MSO_ANCHOR.MIDDLE,
            )

    def _divider_slide(self, number: int, *, empty: bool) -> None:
        """The chapter list with the current chapter large and highlighted, as the seed's dividers."""
        slide = self._new_slide()
        self._rectangle(slide, 0, 0, Inches(4.2), SLIDE_HEIGHT, fill=NAVY)
        top = Emu(Inches(0.9))
        for chapter in self.report.outline:
            current = chapter.number == number
            if current:
                self._rectangle(slide, Inches(4.2), top - Inches(0.1), Inches(8.6), Inches(1.1), fill=ORANGE)
            self._text(
                slide,
                Inches(4.6),
                top,
                Inches(8.2),
                Inches(0.9),
                f"{chapter.number}　{chapter.heading}",
                size=36 if current else 22,
                bold=current,
                color=WHITE if current else GREY,
                anchor=MSO_ANCHOR.MIDDLE,
            )
            top = Emu(top + (Inches(1.05) if current else Inches(0.85)))
        current_chapter = next(chapter for chapter in self.report.outline if chapter.number == number)
        self._text(
            slide,
            Inches(0.4),
            Inches(2.5),
            Inches(3.4),
            Inches(2.5),
            [str(current_chapter.number), current_chapter.title],
            size=54,
            bold=True,
            color=WHITE,
            align=PP_ALIGN.CENTER,
            anchor=MSO_ANCHOR.MIDDLE,
        )
        if empty:
            self._text(
                slide,
                Inches(4.6),
                Inches(6.7),
                Inches(8.2),
                Inches(0.5),
                "（本章尚無已登錄之統計章節）",
                size=14,
                color=GREY,
            )

    def _closing_slide(self) -> None:
        slide = self._new_slide()
        self._rectangle(slide, 0, 0, SLIDE_WIDTH, SLIDE_HEIGHT, fill=NAVY)
        self._text(
            slide,
            MARGIN,
            Inches(2.8),
            BODY_WIDTH,
            Inches(1.5),
            CLOSING_TEXT,
            size=48,
            bold=True,
            color=WHITE,
            align=PP_ALIGN.CENTER,
            anchor=MSO_ANCHOR.MIDDLE,
        )

    def _section_slides(self, section: BuiltSection, *, chapter_heading: str) -> None:
        content = section.content
        layout = section_layout(content)
        figures = list(content.figures)
        paragraphs = [f"■ {paragraph.text}" for paragraph in content.paragraphs]
        charts = list(layout.charts)
        if charts and _fits_with_figures(charts[0], figures, paragraphs):
            # A short section reads best on one slide: its numbers above their chart.
            slide = self._content_slide(section, chapter_heading)
            top = self._figure_cards(slide, figures, BODY_TOP + Inches(0.1), height=Inches(1.3)) + Inches(
                0.15
            )
            if paragraphs:
                height = Inches(0.4) * len(paragraphs)
                self._text(slide, MARGIN, top, BODY_WIDTH, height, paragraphs, size=16, color=INK)
                top += height + Inches(0.1)
            self._chart_block(slide, charts.pop(0), top)
            figures, paragraphs = [], []
        while figures or paragraphs:
            slide = self._content_slide(section, chapter_heading)
            page, figures = figures[: 2 * FIGURES_PER_ROW], figures[2 * FIGURES_PER_ROW :]
            top = self._figure_cards(slide, page, BODY_TOP + Inches(0.1))
            if paragraphs and not figures:
                self._text(
                    slide,
                    MARGIN,
                    top + Inches(0.3),
                    BODY_WIDTH,
                    BODY_BOTTOM - top - Inches(0.3),
                    paragraphs,
                    size=18,
                    color=INK,
                )
                paragraphs = []
        for block in charts:
            self._chart_block(self._content_slide(section, chapter_heading), block, BODY_TOP)
        for table in layout.tables:
            rows = list(table.rows)
            pages = [
                rows[i : i + TABLE_ROWS_PER_SLIDE] for i in range(0, len(rows), TABLE_ROWS_PER_SLIDE)
            ] or [[]]
            for number, chunk in enumerate(pages):
                slide = self._content_slide(section, chapter_heading, continued=number > 0)
                self._table(slide, table, chunk, MARGIN, BODY_TOP, BODY_WIDTH)

    def _chart_block(self, slide: Slide, block: ChartBlock, top: int) -> None:
        """The chart from `top` to the body's bottom, with its small table beside it if any."""
        height = Emu(BODY_BOTTOM - top)
        side = block.side_table
        if side is None:
            self._chart(slide, block.chart, MARGIN, top, BODY_WIDTH, height)
            return
        chart_width = Emu(int(BODY_WIDTH * 0.6))
        self._chart(slide, block.chart, MARGIN, top, chart_width, height)
        table_left = Emu(MARGIN + chart_width + Inches(0.3))
        self._table(
            slide,
            side,
            side.rows,
            table_left,
            top,
            Emu(SLIDE_WIDTH - MARGIN - table_left),
            size=SIDE_TABLE_TEXT_SIZE,
        )

    def _content_slide(
        self, section: BuiltSection, chapter_heading: str, *, continued: bool = False
    ) -> Slide:
        slide = self._new_slide()
        self._header(slide, section.title + ("（續）" if continued else ""), chapter_heading)
        self._footer(slide, section.content.note)
        return slide

    def _header(self, slide: Slide, title: str, chapter_heading: str) -> None:
        self._rectangle(slide, 0, 0, SLIDE_WIDTH, Inches(1.15), fill=NAVY)
        self._rectangle(slide, 0, Inches(1.15), SLIDE_WIDTH, Inches(0.06), fill=ORANGE)
        self._text(
            slide,
            MARGIN,
            Inches(0.15),
            Inches(8.8),
            Inches(0.85),
            title,
            size=30,
            bold=True,
            color=WHITE,
            anchor=MSO_ANCHOR.MIDDLE,
        )
        if chapter_heading:
            self._text(
                slide,
                Inches(9.3),
                Inches(0.15),
                Inches(3.55),
                Inches(0.85),
                chapter_heading,
                size=18,
                color=PALE,
                align=PP_ALIGN.RIGHT,
                anchor=MSO_ANCHOR.MIDDLE,
            )

    def _footer(self, slide: Slide, note: str) -> None:
        number = len(self.presentation.slides)
        self._text(slide, MARGIN, Inches(6.95), Inches(10.5), Inches(0.4), note, size=12, color=GREY)
        self._text(
            slide,
            Inches(11.3),
            Inches(6.95),
            Inches(1.55),
            Inches(0.4),
            str(number),
            size=12,
            color=GREY,
            align=PP_ALIGN.RIGHT,
        )

    # Content blocks ---------------------------------------------------------------------

    def _figure_cards(
        self, slide: Slide, figures: Sequence[Figure], top: int, *, height: int = Inches(1.75)
    ) -> int:
        """Draw up to two rows of figure cards from `top`; return the bottom of the last row."""
        if not figures:
            return top
        width = Emu((BODY_WIDTH - (FIGURES_PER_ROW - 1) * Inches(0.3)) // FIGURES_PER_ROW)
        value_size = 40 if height >= Inches(1.6) else 32
        for index, figure in enumerate(figures):
            column, row = index % FIGURES_PER_ROW, index // FIGURES_PER_ROW
            left = MARGIN + column * (width + Inches(0.3))
            card_top = top + row * (height + Inches(0.25))
            self._rectangle(slide, left, card_top, width, height, fill=PALE, rounded=True)
            box = slide.shapes.add_textbox(
                Emu(left), Emu(card_top + Inches(0.1)), width, Emu(height - Inches(0.2))
            )
            frame = box.text_frame
            frame.word_wrap = True
            frame.vertical_anchor = MSO_ANCHOR.MIDDLE
            label = frame.paragraphs[0]
            label.alignment = PP_ALIGN.CENTER
            self._run(label, figure.label, size=18, color=GREY)
            value = frame.add_paragraph()
            value.alignment = PP_ALIGN.CENTER
            self._run(value, number_format(figure.value), size=value_size, bold=True, color=NAVY)
            if figure.unit:
                self._run(value, f" {figure.unit}", size=18, color=NAVY)
            if figure.note:
                note = frame.add_paragraph()
                note.alignment = PP_ALIGN.CENTER
                self._run(note, figure.note, size=12, color=GREY)
        rows = (len(figures) + FIGURES_PER_ROW - 1) // FIGURES_PER_ROW
        return int(top + rows * height + (rows - 1) * Inches(0.25))

    def _chart(self, slide: Slide, chart: Chart, left: int, top: int, width: int, height: int) -> None:
        data = CategoryChartData(number_format="#,##0")  # type: ignore[no-untyped-call]
        data.categories = list(chart.categories)
        for series in chart.series:
            data.add_series(series.name, [float(value) for value in series.values])  # type: ignore[no-untyped-call]
        frame = slide.shapes.add_chart(
            CHART_TYPES[chart.kind],
            Emu(left),
            Emu(top),
            Emu(width),
            Emu(height),
            data,  # type: ignore[arg-type]  # annotated with the legacy ChartData subclass
        )
        native: PptxChart = frame.chart  # type: ignore[attr-defined]
        self.charts.append(native)
        native.font.size = Pt(14)
        native.has_title = True
        title = native.chart_title.text_frame
        title.text = chart.title + (f"（單位：{chart.unit}）" if chart.unit else "")
        for paragraph in title.paragraphs:
            for run in paragraph.runs:
                run.font.size = Pt(18)
                run.font.bold = True
        plot = native.plots[0]
        plot.has_data_labels = True
        labels = plot.data_labels
        labels.font.size = Pt(12)
        labels.number_format = "#,##0"
        labels.number_format_is_linked = False
        if chart.kind is ChartKind.PIE:
            # Value only: one number format serves all parts of a label, so value and share
            # cannot both read right; the legend names the slices.
            labels.show_value = True
            labels.position = XL_LABEL_POSITION.OUTSIDE_END
            native.has_legend = True
            native.legend.position = XL_LEGEND_POSITION.RIGHT
            native.legend.include_in_layout = False
            native.legend.font.size = Pt(14)
            for index, point in enumerate(plot.series[0].points):
                point.format.fill.solid()
                point.format.fill.fore_color.rgb = PALETTE[index % len(PALETTE)]
            return
        labels.show_value = True
        if chart.kind is not ChartKind.LINE:
            labels.position = XL_LABEL_POSITION.OUTSIDE_END
            plot.gap_width = 60
        native.has_legend = len(chart.series) > 1
        if native.has_legend:
            native.legend.position = XL_LEGEND_POSITION.BOTTOM
            native.legend.include_in_layout = False
            native.legend.font.size = Pt(14)
        for index, series in enumerate(plot.series):
            color = PALETTE[index % len(PALETTE)]
            if chart.kind is ChartKind.LINE:
                series.format.line.color.rgb = color
            else:
                series.format.fill.solid()
                series.format.fill.fore_color.rgb = color
        native.category_axis.tick_labels.font.size = Pt(12)
        value_axis = native.value_axis
        value_axis.tick_labels.font.size = Pt(12)
        value_axis.tick_labels.number_format = "#,##0"
        value_axis.tick_labels.number_format_is_linked = False
        value_axis.has_major_gridlines = True

    def _table(
        self,
        slide: Slide,
        table: Table,
        rows: Sequence[Sequence[object]],
        left: int,
        top: int,
        width: int,
        *,
        size: int = TABLE_TEXT_SIZE,
    ) -> None:
        row_height = Pt(size * 2.1)
        shape = slide.shapes.add_table(
            len(rows) + 1,
            len(table.columns),
            Emu(left),
            Emu(top),
            Emu(width),
            Emu(row_height * (len(rows) + 1)),
        )
        grid = shape.table
        widths = _column_widths(table, width, em=Pt(size))
        for index, column_width in enumerate(widths):
            grid.columns[index].width = column_width
        for column, heading in enumerate(table.columns):
            self._cell(grid.cell(0, column), heading, header=True, number=False, size=size)
        for row_index, row in enumerate(rows, start=1):
            for column, value in enumerate(row):
                self._cell(
                    grid.cell(row_index, column),
                    cell_format(value),  # type: ignore[arg-type]
                    header=False,
                    number=cell_is_number(value),  # type: ignore[arg-type]
                    size=size,
                )
        if table.note:
            self._text(
                slide,
                left,
                top + row_height * (len(rows) + 1) + Inches(0.1),
                width,
                Inches(0.4),
                table.note,
                size=12,
                color=GREY,
            )

    def _cell(self, cell: object, text: str, *, header: bool, number: bool, size: int) -> None:
        frame = cell.text_frame  # type: ignore[attr-defined]
        frame.word_wrap = True
        paragraph = frame.paragraphs[0]
        paragraph.alignment = PP_ALIGN.RIGHT if number else (PP_ALIGN.CENTER if header else PP_ALIGN.LEFT)
        self._run(paragraph, text, size=size, bold=header, color=WHITE if header else INK)
        cell.margin_top = cell.margin_bottom = Inches(0.04)  # type: ignore[attr-defined]
        if header:
            cell.fill.solid()  # type: ignore[attr-defined]
            cell.fill.fore_color.rgb = NAVY  # type: ignore[attr-defined]

    # Primitives -------------------------------------------------------------------------

    def _rectangle(
        self,
        slide: Slide,
        left: int,
        top: int,
        width: int,
        height: int,
        *,
        fill: RGBColor,
        rounded: bool = False,
    ) -> None:
        shape = slide.shapes.add_shape(
            MSO_SHAPE.ROUNDED_RECTANGLE if rounded else MSO_SHAPE.RECTANGLE,
            Emu(left),
            Emu(top),
            Emu(width),
            Emu(height),
        )
        shape.fill.solid()
        shape.fill.fore_color.rgb = fill
        shape.line.fill.background()
        shape.shadow.inherit = False

    def _text(
        self,
        slide: Slide,
        left: int,
        top: int,
        width: int,
        height: int,
        text: str | Iterable[str],
        *,
        size: int,
        bold: bool = False,
        color: RGBColor = INK,
        align: PP_ALIGN = PP_ALIGN.LEFT,
        anchor: MSO_ANCHOR = MSO_ANCHOR.TOP,
    ) -> None:
        box = slide.shapes.add_textbox(Emu(left), Emu(top), Emu(width), Emu(height))
        frame = box.text_frame
        frame.word_wrap = True
        frame.vertical_anchor = anchor
        lines = [text] if isinstance(text, str) else list(text)
        for index, line in enumerate(lines):
            paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
            paragraph.alignment = align
            if index:
                paragraph.space_before = Pt(size * 0.4)
            self._run(paragraph, line, size=size, bold=bold, color=color)

    def _run(
        self, paragraph: object, text: str, *, size: int, bold: bool = False, color: RGBColor = INK
    ) -> None:
        run = paragraph.add_run()  # type: ignore[attr-defined]
        run.text = text
        run.font.size = Pt(size)
        run.font.bold = bold
        run.font.color.rgb = color


def _column_widths(table: Table, width: int, *, em: int) -> list[int]:
    """Short columns (kinds, counts) get what their text needs; long ones share the rest."""
    needed = []
    for index, heading in enumerate(table.columns):
        texts = [heading] + [cell_format(row[index]) for row in table.rows]
        needed.append(max(_text_width(text) for text in texts) + CELL_PADDING_EM)
    total = sum(needed)
    if total <= width / em:
        return _distribute([n * em for n in needed], width)
    short = [n if n <= SHORT_COLUMN_EM else 0.0 for n in needed]
    rest = width / em - sum(short)
    long_total = sum(n for n in needed if n > SHORT_COLUMN_EM) or 1.0
    shares = [n * em if n <= SHORT_COLUMN_EM else rest * em * n / long_total for n in needed]
    return _distribute(shares, width)


def _distribute(shares: Sequence[float], width: int) -> list[int]:
    total = sum(shares) or 1.0
    widths = [int(width * share / total) for share in shares]
    widths[-1] += width - sum(widths)
    return widths


def _text_width(text: str) -> float:
    """Width in ems at the table's size: CJK characters are one em, Latin and digits about half."""
    return sum(1.0 if ord(char) > 0x2E80 else 0.62 for char in text)


def _fits_with_figures(block: ChartBlock, figures: Sequence[Figure], paragraphs: Sequence[str]) -> bool:
    table_rows = len(block.side_table.rows) if block.side_table else 0
    return (
        len(figures) <= FIGURES_PER_ROW
        and len(paragraphs) <= COMBINED_PARAGRAPHS_MAX
        and table_rows <= COMBINED_TABLE_MAX_ROWS
    )
