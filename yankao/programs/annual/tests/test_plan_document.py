import io
import shutil
import subprocess
from datetime import date

import pytest
from docx import Document

from yankao.core.models import Agency
from yankao.programs.annual.models import PlanItem, PlanRound
from yankao.programs.annual.plan_document import chinese_number, plan_docx, plan_pdf
from yankao.programs.annual.selectors.plan import plan_content

pytestmark = pytest.mark.django_db

CODES = ("397017000A", "397001000A", "397010000A")  # 環境保護局, 秘書處, 工務局: out of order on purpose


@pytest.fixture
def approved_round(officer):
    plan_round = PlanRound.objects.create(
        year=2025,
        title="114年度施政計畫先期作業",
        opens_on=date(2024, 2, 15),
        deadline=date(2024, 3, 18),
        status=PlanRound.Status.APPROVED,
        approved_on=date(2024, 12, 20),
    )
    for index, code in enumerate(CODES):
        agency = Agency.objects.get(code=code)
        for sequence in (1, 2):
            PlanItem.objects.create(
                plan_round=plan_round,
                agency=agency,
                sequence=sequence,
                title=f"{agency.short_name}重點計畫{sequence}",
                goal="提升市民生活品質",
                content="第一項工作\n第二項工作",
                indicators="完成率 100%",
                budget_thousands=1000 * (index + 1),
                status=PlanItem.Status.ACCEPTED,
                created_by=officer,
            )
    PlanItem.objects.create(
        plan_round=plan_round,
        agency=Agency.objects.get(code="397004000A"),
        title="退回未採納的項目",
        goal="g",
        content="c",
        status=PlanItem.Status.RETURNED,
        created_by=officer,
    )
    return plan_round


@pytest.mark.parametrize(
    ("number", "text"),
    [(1, "一"), (10, "十"), (12, "十二"), (20, "二十"), (105, "一百零五"), (110, "一百一十")],
)
def test_chinese_numbers(number, text):
    assert chinese_number(number) == text


def test_pdf_lists_agencies_in_their_order_with_cjk_fonts_embedded(approved_round, tmp_path):
    path = tmp_path / "plan.pdf"
    path.write_bytes(plan_pdf(content=plan_content(plan_round=approved_round)))
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "高雄市政府114年度施政計畫" in text
    assert "核定本" in text
    positions = [text.index(f"、高雄市政府{name}") for name in ("秘書處", "工務局", "環境保護局")]
    assert positions == sorted(positions)
    assert "退回未採納的項目" not in text
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert "Noto-Sans-CJK-TC" in fonts


def test_docx_has_the_same_chapters_in_order(approved_round):
    document = Document(io.BytesIO(plan_docx(content=plan_content(plan_round=approved_round))))
    chapters = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert chapters == [
        "各機關施政計畫項目一覽",
        "壹、高雄市政府秘書處",
        "貳、高雄市政府工務局",
        "參、高雄市政府環境保護局",
    ]
    summary = document.tables[0]
    assert [row.cells[1].text for row in summary.rows[1:]] == [
        "高雄市政府秘書處",
        "高雄市政府工務局",
        "高雄市政府環境保護局",
    ]
    assert document.sections[0].header.paragraphs[0].text.endswith("（核定本）")


def test_a_draft_says_so_on_every_page(approved_round, tmp_path):
    PlanRound.objects.filter(pk=approved_round.pk).update(status=PlanRound.Status.COMPILED, approved_on=None)
    approved_round.refresh_from_db()
    content = plan_content(plan_round=approved_round)
    document = Document(io.BytesIO(plan_docx(content=content)))
    assert "草案" in document.paragraphs[1].text
    path = tmp_path / "draft.pdf"
    path.write_bytes(plan_pdf(content=content))
    pages = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout.split("\f")
    # every page after the cover carries the running title with the edition
    assert all("114年度施政計畫（草案）" in page for page in pages[1:] if page.strip())


@pytest.mark.skipif(
    shutil.which("libreoffice") is None,
    reason="LibreOffice not installed (scripts/bootstrap.sh --browser installs it)",
)
def test_docx_opens_in_libreoffice(approved_round, tmp_path):
    source = tmp_path / "plan.docx"
    source.write_bytes(plan_docx(content=plan_content(plan_round=approved_round)))
    subprocess.run(
        ["libreoffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "plan.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert text.index("壹、高雄市政府秘書處") < text.index("參、高雄市政府環境保護局")


def test_an_approved_plan_is_rendered_once_and_an_open_round_every_time(approved_round, monkeypatch):
    from yankao.programs.annual import plan_document

    calls = []
    monkeypatch.setattr(plan_document, "plan_docx", lambda *, content: calls.append(content) or b"docx")
    assert plan_document.plan_document_bytes(plan_round=approved_round, kind="docx") == b"docx"
    assert plan_document.plan_document_bytes(plan_round=approved_round, kind="docx") == b"docx"
    assert len(calls) == 1
    approved_round.status = PlanRound.Status.OPEN
    plan_document.plan_document_bytes(plan_round=approved_round, kind="docx")
    plan_document.plan_document_bytes(plan_round=approved_round, kind="docx")
    assert len(calls) == 3
