import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import Workbook

from yankao.core.models import Agency
from yankao.core.spreadsheets import spreadsheet_rows_read
from yankao.programs.models import Light, MonthlyReport, ReportState
from yankao.programs.services import ReportFigures, report_save
from yankao.programs.tests.factories import ENVIRONMENT, PUBLIC_WORKS, program_make
from yankao.programs.workbooks import ImportRejectedError, reports_import, template_build

TODAY = date(2024, 4, 3)
MARCH = date(2024, 3, 1)
HEADERS = ["計畫編號", "計畫名稱", "填報月份", "累計預定進度(%)", "累計實際進度(%)", "累計分配數(元)", "累計實支數(元)",
           "執行情形", "落後原因", "因應對策"]  # fmt: skip


def workbook(rows: list[list[object]]) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


def test_template_lists_the_agencys_programs_with_last_months_figures(officer) -> None:
    mine = program_make()
    program_make(agency_code=ENVIRONMENT)
    report_save(
        program=mine, period=date(2024, 2, 1), user=officer, submit=True, today=TODAY,
        figures=ReportFigures(planned_progress=Decimal("40"), actual_progress=Decimal("38"),
                              budget_allocated=5_000_000, budget_executed=4_500_000),
    )  # fmt: skip
    data = template_build(agency=Agency.objects.get(code=PUBLIC_WORKS), period=MARCH)
    rows = list(spreadsheet_rows_read(file=io.BytesIO(data), filename="t.xlsx"))
    assert [row.values["計畫編號"] for row in rows] == [mine.code]
    assert rows[0].values["填報月份"] == "113/03/31"
    assert rows[0].values["累計實際進度(%)"] == 38


def test_a_filled_template_files_every_row_with_roc_dates(officer) -> None:
    first, second = program_make(), program_make()
    file = workbook([
        [first.code, "", "113/03/31", 50, 49, 1_000_000, 900_000, "依進度施作", "", ""],
        [second.code, "", "113年3月", "60", "40", "2,000,000", 1_000_000, "", "颱風停工", "趕工"],
    ])  # fmt: skip
    result = reports_import(file=file, filename="march.xlsx", user=officer, today=TODAY)
    assert (result.created, result.updated) == (2, 0)
    lights = dict(MonthlyReport.objects.values_list("program__code", "light"))
    assert lights == {first.code: Light.GREEN, second.code: Light.RED}
    assert set(MonthlyReport.objects.values_list("state", flat=True)) == {ReportState.SUBMITTED}
    second.refresh_from_db()
    assert second.light == Light.RED
    assert second.latest_period == MARCH


def test_an_import_with_bad_rows_changes_nothing_and_lists_every_error(officer) -> None:
    good, behind, third = program_make(), program_make(), program_make()
    foreign = program_make(agency_code=ENVIRONMENT)
    file = workbook([
        [good.code, "", "113/03/31", 50, 50, 1_000_000, 900_000, "", "", ""],
        [behind.code, "", "113/02/30", 50, 50, 1_000_000, 900_000, "", "", ""],
        ["NOPE", "", "113/03/31", 50, 50, 1, 1, "", "", ""],
        [foreign.code, "", "113/03/31", 50, 50, 1, 1, "", "", ""],
        [behind.code, "", "113/03/31", 50, 30, "一百萬", 900_000, "", "", ""],
        [third.code, "", "2024-03-31", 50, 120, 1_000_000, 900_000, "", "", ""],
        [good.code, "", "2024-03-31", 50, 50, 1_000_000, 900_000, "", "", ""],
    ])  # fmt: skip
    with pytest.raises(ImportRejectedError) as caught:
        reports_import(file=file, filename="march.xlsx", user=officer, today=TODAY)
    messages = [str(error) for error in caught.value.errors]
    assert any(m.startswith("第 3 列「填報月份」欄（113/02/30）") for m in messages)
    assert any(m.startswith("第 4 列「計畫編號」欄（NOPE）：查無此計畫編號") for m in messages)
    assert any(m.startswith("第 5 列") and "不是您機關主辦的計畫" in m for m in messages)
    assert any(m.startswith("第 6 列「累計分配數(元)」欄（一百萬）：須為數字") for m in messages)
    assert any(m.startswith("第 8 列「計畫編號」欄") and "與第 2 列重複" in m for m in messages)
    assert any(m.startswith("第 7 列「累計實際進度(%)」欄（120）") for m in messages)
    assert not MonthlyReport.objects.exists()
    good.refresh_from_db()
    assert good.light == Light.NONE


def test_an_import_cannot_overwrite_a_report_already_submitted(officer) -> None:
    program = program_make()
    report_save(
        program=program, period=MARCH, user=officer, submit=True, today=TODAY,
        figures=ReportFigures(planned_progress=Decimal("50"), actual_progress=Decimal("50"),
                              budget_allocated=100, budget_executed=100),
    )  # fmt: skip
    file = workbook([[program.code, "", "113/03/31", 50, 10, 100, 100, "", "x", "y"]])
    with pytest.raises(ImportRejectedError, match="1 處錯誤"):
        reports_import(file=file, filename="march.xlsx", user=officer, today=TODAY)
    assert MonthlyReport.objects.get().actual_progress == Decimal("50")


def test_importing_an_earlier_month_keeps_the_programs_later_light(officer) -> None:
    program = program_make()
    report_save(
        program=program, period=MARCH, user=officer, submit=True, today=TODAY,
        figures=ReportFigures(planned_progress=Decimal("50"), actual_progress=Decimal("50"),
                              budget_allocated=100, budget_executed=100),
    )  # fmt: skip
    file = workbook([[program.code, "", "113/02/29", 40, 20, 100, 100, "", "颱風", "趕工"]])
    reports_import(file=file, filename="feb.xlsx", user=officer, today=TODAY)
    program.refresh_from_db()
    assert program.latest_period == MARCH
    assert program.light == Light.GREEN
    assert MonthlyReport.objects.get(period=date(2024, 2, 1)).light == Light.RED
