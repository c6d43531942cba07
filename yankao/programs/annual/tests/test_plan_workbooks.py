import io

import pytest
from openpyxl import Workbook, load_workbook

from yankao.core.exceptions import PermissionDeniedError
from yankao.core.models import AuditEntry
from yankao.programs.annual.models import PlanItem
from yankao.programs.annual.services.plan_workbooks import (
    PlanImportError,
    plan_items_import,
    plan_template_build,
)

pytestmark = pytest.mark.django_db

HEADERS = ["計畫名稱", "施政目標", "實施內容", "關鍵績效指標", "預算（千元）"]


def _xlsx(rows):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


def test_the_template_has_instructions_and_the_headers(open_round, public_works):
    book = load_workbook(io.BytesIO(plan_template_build(plan_round=open_round, agency=public_works)))
    assert book.sheetnames == ["說明", "施政計畫項目"]
    assert [c.value for c in book["施政計畫項目"][1]] == HEADERS


def test_a_good_file_becomes_drafts(officer, open_round, public_works):
    created = plan_items_import(
        plan_round=open_round,
        agency=public_works,
        user=officer,
        filename="工務局.xlsx",
        file=_xlsx(
            [["人行道改善", "安全", "拓寬", "12公里", 1000], ["橋梁補強", "耐震", "補強 5 座", "", "2,500"]]
        ),
    )
    assert [(i.title, i.sequence, i.status, int(i.budget_thousands)) for i in created] == [
        ("人行道改善", 1, "draft", 1000),
        ("橋梁補強", 2, "draft", 2500),
    ]
    assert AuditEntry.objects.filter(action="import", target_type="programs_annual.planitem").count() == 1


def test_one_bad_row_and_nothing_is_written_with_every_problem_listed(officer, open_round, public_works):
    with pytest.raises(PlanImportError) as error:
        plan_items_import(
            plan_round=open_round,
            agency=public_works,
            user=officer,
            filename="工務局.xlsx",
            file=_xlsx(
                [
                    ["人行道改善", "安全", "拓寬", "", 1000],
                    ["", "耐震", "", "", -5],
                    ["人行道改善", "安全", "拓寬", "", 1],
                ]
            ),
        )
    lines = [str(row) for row in error.value.rows]
    assert "第 3 列「計畫名稱」欄：請填寫計畫名稱。" in lines
    assert "第 3 列「實施內容」欄：請填寫實施內容。" in lines
    assert any(line.startswith("第 3 列「預算（千元）」欄") for line in lines)
    assert "第 4 列「計畫名稱」欄：與第 2 列重複。" in lines
    assert not PlanItem.objects.exists()


def test_csv_in_big5_is_read(officer, open_round, public_works):
    text = ",".join(HEADERS) + "\r\n人行道改善,安全,拓寬,,1000\r\n"
    created = plan_items_import(
        plan_round=open_round,
        agency=public_works,
        user=officer,
        filename="a.csv",
        file=io.BytesIO(text.encode("big5")),
    )
    assert created[0].title == "人行道改善"


def test_another_agency_cannot_import_for_us(officer_of_other_agency, open_round, public_works):
    with pytest.raises(PermissionDeniedError):
        plan_items_import(
            plan_round=open_round,
            agency=public_works,
            user=officer_of_other_agency,
            filename="a.xlsx",
            file=_xlsx([["a", "b", "c", "", 1]]),
        )
