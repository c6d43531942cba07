"""Monthly control in the system's Chromium: an officer of 工務局 files a month that is behind and
must give a reason; RDEC staff return it; the officer corrects it; the light changes. axe finds
nothing serious on any of the pages."""

from datetime import date

import pytest

from yankao.programs.periods import month_add, month_first, month_label
from yankao.programs.tests.factories import milestone_make, program_make
from yankao.testing.browser import assert_accessible, assert_no_console_errors, login_as, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def program(officer):
    program = program_make(
        name="鳳山區鳳頂路拓寬工程",
        starts_on=date(2025, 1, 1),
        ends_on=date(2028, 12, 31),
        controlled_from=date(2025, 1, 1),
    )
    milestone_make(program=program, sequence=1, planned_on=date(2028, 6, 30), weight="100", name="完工驗收")
    return program


def test_a_late_month_needs_a_reason_is_returned_corrected_and_turns_green(
    page, page_console, program, rdec_staff
):
    month = month_label(month_add(month_first(date.today()), -1))
    # the officer opens the programs dashboard and the program
    login_as(page, "officer")
    page.get_by_role("link", name="計畫列管").first.click()
    assert_accessible(page)
    screenshot(page, "console-programs-dashboard-officer-1366")
    page.get_by_role("link", name="計畫清單").click()
    page.get_by_role("link", name=f"{program.code} 鳳山區鳳頂路拓寬工程").click()
    assert_accessible(page)
    page.get_by_role("link", name=f"填報{month}月報").click()
    # files a month 15 points behind, without a reason: refused, told why
    page.get_by_label("累計預定進度（%）").fill("60")
    page.get_by_label("累計實際進度（%）").fill("45")
    page.get_by_label("累計分配數（元）").fill("10000000")
    page.get_by_label("累計實支數（元）").fill("9000000")
    page.get_by_role("button", name="送出月報").click()
    assert "實際進度落後預定進度 15 個百分點，請填寫落後原因" in page.locator("main").inner_text()
    assert_accessible(page)
    screenshot(page, "console-programs-report-refused-1366")
    # the refused form answered 400 on purpose (as the case pages do); Chromium logs that as an error
    page_console.errors[:] = [e for e in page_console.errors if "status of 400" not in e]
    page.get_by_label("落後原因").fill("管線遷移配合延宕")
    page.get_by_label("因應對策").fill("每週召開管線協調會議")
    page.get_by_role("button", name="送出月報").click()
    assert page.locator("[data-light]").inner_text() == "紅燈"
    # RDEC staff return it with a comment
    page.context.clear_cookies()
    login_as(page, "rdec_staff")
    page.goto("/console/programs/reviews/")
    page.get_by_role("link", name=f"{program.code} 鳳山區鳳頂路拓寬工程").click()
    page.get_by_label("退回修正").check()
    page.get_by_label("審查意見").fill("實際進度與估驗計價不符，請查明")
    page.get_by_role("button", name="送出審查").click()
    assert "已退回機關修正" in page.locator("main").inner_text()
    assert_accessible(page)
    screenshot(page, "console-programs-report-returned-1366")
    # the officer sees the comment, corrects the actual progress, and the light turns green
    page.context.clear_cookies()
    login_as(page, "officer")
    page.goto("/console/programs/exceptions/")
    assert "退回待修正" in page.locator("main").inner_text()
    page.goto(f"/console/programs/{program.pk}/")
    page.get_by_role("link", name=f"填報{month}月報").click()
    assert "實際進度與估驗計價不符" in page.locator("main").inner_text()
    page.get_by_label("累計實際進度（%）").fill("58")
    page.get_by_role("button", name="送出月報").click()
    assert page.locator("[data-light]").inner_text() == "綠燈"
    history = page.get_by_role("table").last.inner_text()
    assert history.count("送出") == 2
    assert "退回修正" in history
    assert_accessible(page)
    assert_no_console_errors(page_console)
    screenshot(page, "console-programs-report-corrected-1366")


def test_rdec_dashboard_on_a_phone(mobile_page, program, rdec_staff):
    login_as(mobile_page, "rdec_staff")
    mobile_page.goto("/console/programs/")
    assert "計畫列管儀表板：全市" in mobile_page.locator("main").inner_text()
    assert_accessible(mobile_page)
    screenshot(mobile_page, "console-programs-dashboard-rdec-phone")
    mobile_page.goto("/console/programs/new/")
    assert_accessible(mobile_page)
    mobile_page.goto("/console/programs/workbook/")
    assert_accessible(mobile_page)


def test_the_officer_downloads_the_months_workbook_and_a_bad_row_is_listed_and_changes_nothing(
    page, page_console, program, tmp_path
):
    from openpyxl import load_workbook

    from yankao.programs.models import MonthlyReport

    login_as(page, "officer")
    page.goto("/console/programs/workbook/")
    with page.expect_download() as download:
        page.get_by_role("button", name="下載 Excel 範本").click()
    template = tmp_path / "template.xlsx"
    download.value.save_as(template)
    book = load_workbook(template)
    sheet = book.worksheets[1]
    assert sheet.cell(row=2, column=1).value == program.code
    for column, value in ((4, 50), (5, "四十"), (6, 1000), (7, 900)):
        sheet.cell(row=2, column=column).value = value
    book.save(tmp_path / "filled.xlsx")
    page.get_by_label("填妥的月報試算表").set_input_files(str(tmp_path / "filled.xlsx"))
    page.get_by_role("button", name="上傳並匯入").click()
    errors = page.locator(".import-errors").inner_text()
    assert "第 2 列「累計實際進度(%)」欄（四十）：須為數字" in errors
    assert not MonthlyReport.objects.exists()
    assert_accessible(page)
    screenshot(page, "console-programs-workbook-rejected-1366")
    sheet.cell(row=2, column=5).value = 49
    book.save(tmp_path / "filled.xlsx")
    page.get_by_label("填妥的月報試算表").set_input_files(str(tmp_path / "filled.xlsx"))
    page.get_by_role("button", name="上傳並匯入").click()
    assert "已匯入 1 份月報" in page.locator("main").inner_text()
    assert MonthlyReport.objects.get().light == "green"
    page_console.errors[:] = [e for e in page_console.errors if "status of 400" not in e]
    assert_no_console_errors(page_console)
