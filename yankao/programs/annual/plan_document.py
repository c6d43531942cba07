"""The compiled annual administrative plan (施政計畫) as a document: PDF (WeasyPrint) and DOCX (python-docx).

Both read the same content (selectors.plan.plan_content): the accepted items, one chapter per
agency in the agencies' order. Until the round is approved the documents say 草案 on the cover
and in the page header, so a draft is never mistaken for the approved plan (核定本).
Text is set in Noto Sans CJK TC: WeasyPrint embeds the glyphs used; Word and LibreOffice find the
face by name (East Asian font slot), as the city's PCs have it installed.
"""

import io
import logging
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string

from yankao.core.models import Agency
from yankao.core.roc_dates import roc_date_format
from yankao.programs.annual.selectors.plan import PlanContent

FONT = "Noto Sans CJK TC"
STYLESHEET = Path(__file__).resolve().parent / "templates" / "programs_annual" / "plan.css"
TEMPLATE = "programs_annual/plan.html"
DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

_DIGITS = "零一二三四五六七八九"
_CAPITAL_DIGITS = "零壹貳參肆伍陸柒捌玖"


def chinese_number(number: int, *, capital: bool = False) -> str:
    """1 → 一 (壹), 12 → 十二 (拾貳), 105 → 一百零五: the numbering of chapters and items in official documents."""
    if not 0 < number < 1000:
        return str(number)
    digits = _CAPITAL_DIGITS if capital else _DIGITS
    ten, hundred = ("拾", "佰") if capital else ("十", "百")
    hundreds, rest = divmod(number, 100)
    tens, ones = divmod(rest, 10)
    text = ""
    if hundreds:
        text += digits[hundreds] + hundred
        if rest and tens == 0:
            text += digits[0]
    if tens:
        text += ("" if tens == 1 and not hundreds else digits[tens]) + ten
    if ones:
        text += digits[ones]
    return text


@dataclass(frozen=True)
class PlanHeading:
    city: str
    title: str  # e.g. 高雄市政府114年度施政計畫
    edition: str  # 核定本 or 草案
    date_text: str


def plan_heading(*, content: PlanContent) -> PlanHeading:
    plan_round = content.plan_round
    root = Agency.objects.filter(parent__isnull=True).order_by("path").first()
    city = root.name if root else ""
    if content.is_approved and plan_round.approved_on:
        edition, date_text = "核定本", f"{roc_date_format(plan_round.approved_on)}核定"
    else:
        edition, date_text = "草案", "彙編中，尚未核定"
    return PlanHeading(
        city=city, title=f"{city}{plan_round.year - 1911}年度施政計畫", edition=edition, date_text=date_text
    )


def _thousands(value: Decimal) -> str:
    return f"{value:,.0f}"


def plan_html(*, content: PlanContent) -> str:
    heading = plan_heading(content=content)
    sections = [
        {
            "number": chinese_number(index, capital=True),
            "agency_name": section.agency_name,
            "budget": _thousands(section.budget_thousands),
            "items": [
                {
                    "number": chinese_number(position),
                    "title": item.title,
                    "goal": item.goal,
                    "content": item.content,
                    "indicators": item.indicators,
                    "budget": _thousands(item.budget_thousands),
                }
                for position, item in enumerate(section.items, start=1)
            ],
        }
        for index, section in enumerate(content.sections, start=1)
    ]
    return render_to_string(
        TEMPLATE,
        {
            "heading": heading,
            "sections": sections,
            "item_count": content.item_count,
            "budget": _thousands(content.budget_thousands),
            "stylesheet": STYLESHEET.read_text(encoding="utf-8"),
        },
    )


def plan_pdf(*, content: PlanContent) -> bytes:
    """The plan as PDF bytes (A4 portrait, table of agencies first, one chapter per agency)."""
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    # Imported here: WeasyPrint loads pango and fonts, which only rendering needs.
    from weasyprint import HTML

    data = HTML(string=plan_html(content=content), base_url=str(STYLESHEET.parent)).write_pdf()
    assert isinstance(data, bytes)
    return data


def plan_docx(*, content: PlanContent) -> bytes:
    """The plan as a Word document with the same structure as the PDF, headings in Word's outline levels."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    heading = plan_heading(content=content)
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(22)
    section.top_margin = section.bottom_margin = Mm(20)
    header = section.header.paragraphs[0]
    header.text = f"{heading.title}（{heading.edition}）"
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT

    for style_name in ("Normal", "Title", "Heading 1", "Heading 2", "Header"):
        style = document.styles[style_name]
        style.font.name = FONT
        style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    document.styles["Normal"].font.size = Pt(11)

    title = document.add_paragraph(heading.title, style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    edition = document.add_paragraph(f"{heading.edition}　{heading.date_text}")
    edition.alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.add_paragraph(
        f"共 {len(content.sections)} 個機關、{content.item_count} 項計畫，預算合計 {_thousands(content.budget_thousands)} 千元。"
    ).alignment = WD_ALIGN_PARAGRAPH.CENTER

    document.add_heading("各機關施政計畫項目一覽", level=1)
    table = document.add_table(rows=1, cols=4)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, ("序", "機關", "項數", "預算（千元）"), strict=True):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
    for index, agency_section in enumerate(content.sections, start=1):
        cells = table.add_row().cells
        cells[0].text = chinese_number(index, capital=True)
        cells[1].text = agency_section.agency_name
        cells[2].text = str(len(agency_section.items))
        cells[3].text = _thousands(agency_section.budget_thousands)
        cells[2].paragraphs[0].alignment = cells[3].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT

    for index, agency_section in enumerate(content.sections, start=1):
        document.add_page_break()  # type: ignore[no-untyped-call]
        document.add_heading(f"{chinese_number(index, capital=True)}、{agency_section.agency_name}", level=1)
        for position, item in enumerate(agency_section.items, start=1):
            document.add_heading(f"{chinese_number(position)}、{item.title}", level=2)
            for label, text in (
                ("施政目標", item.goal),
                ("實施內容", item.content),
                ("關鍵績效指標", item.indicators),
            ):
                if not text:
                    continue
                paragraph = document.add_paragraph()
                paragraph.add_run(f"{label}：").bold = True
                paragraph.add_run(text)
            paragraph = document.add_paragraph()
            paragraph.add_run("預算：").bold = True
            paragraph.add_run(f"{_thousands(item.budget_thousands)} 千元")

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# Compiled and approved plans no longer change (the services refuse edits once compiled), so their
# documents are kept in the shared cache by round and version: the second download is instant, and
# approval (a new version) prints afresh. An open round's drafts change by the minute: never cached.
CACHE_SECONDS = 7 * 24 * 3600


def plan_document_bytes(*, plan_round: Any, kind: str) -> bytes:
    """The plan as "pdf" or "docx" bytes, from the cache when the round is compiled or approved."""
    from django.core.cache import cache

    from yankao.programs.annual.models import PlanRound
    from yankao.programs.annual.selectors.plan import plan_content

    render = {"pdf": plan_pdf, "docx": plan_docx}[kind]
    if plan_round.status == PlanRound.Status.OPEN:
        return render(content=plan_content(plan_round=plan_round))
    key = f"yankao:annual-plan:{plan_round.pk}:{plan_round.version}:{kind}"
    cached = cache.get(key)
    if isinstance(cached, bytes):
        return cached
    data = render(content=plan_content(plan_round=plan_round))
    cache.set(key, data, CACHE_SECONDS)
    return data
