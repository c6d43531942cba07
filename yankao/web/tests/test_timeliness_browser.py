"""In the system's Chromium: the RDEC uploads a register with a bad row, reads the row's error,
uploads the corrected file, and drills down from a dashboard figure to a document. axe runs on
every page visited."""

import pytest

from yankao.testing.browser import assert_accessible, assert_no_console_errors, login_as, screenshot
from yankao.timeliness.services import mapping_profile_defaults_load

pytestmark = pytest.mark.browser

HEADER = "機關代碼,文號,承辦單位,類別,速別,收文日期,限辦日期,發文日期"
GOOD = (
    "397010000A,1130000001,養護工程處,一般公文,普通件,113/02/07,,113/02/21",
    "397010000A,1130000002,養護工程處,一般公文,普通件,113/02/07,,113/02/23",
)
BAD = "397010000A,1130000003,養護工程處,一般公文,普通件,113/02/30,,113/03/01"


def test_an_import_with_a_bad_row_then_a_good_one_and_a_drill_down(page, page_console, tmp_path):
    mapping_profile_defaults_load()  # transactional browser tests flush the migration's rows
    bad_file = tmp_path / "register-bad.csv"
    bad_file.write_text("\n".join([HEADER, *GOOD, BAD]) + "\n", encoding="utf-8")
    good_file = tmp_path / "register.csv"
    good_file.write_text("\n".join([HEADER, *GOOD]) + "\n", encoding="cp950")  # Big5, as many agencies save

    # given RDEC staff on the import page
    login_as(page, "rdec_staff")
    page.goto("/console/timeliness/imports/")
    assert_accessible(page)
    # when they upload a register whose fourth row has a date that does not exist
    page.get_by_label("公文登記檔").set_input_files(str(bad_file))
    page.get_by_role("button", name="匯入").click()
    # then nothing is imported and the row, column, value and reason are listed, with a download
    assert "全部未匯入" in page.locator(".messages").inner_text()
    errors = page.get_by_role("table", name="錯誤清單")
    assert "4" in errors.locator("tbody th").first.inner_text()
    assert "113/02/30" in errors.inner_text()
    assert "沒有30日" in errors.inner_text()
    assert page.get_by_role("link", name="下載錯誤清單（CSV）").is_visible()
    assert_accessible(page)
    screenshot(page, "timeliness-import-errors")

    # when they upload the corrected file
    page.goto("/console/timeliness/imports/")
    page.get_by_label("公文登記檔").set_input_files(str(good_file))
    page.get_by_role("button", name="匯入").click()
    assert "新增 2 筆" in page.locator(".messages").inner_text()

    # and open the dashboard for 113 and follow the overdue figure of 一般公文
    page.goto("/console/timeliness/?date_from=113/01/01&date_to=113/12/31")
    assert_accessible(page)
    screenshot(page, "timeliness-dashboard")
    row = page.get_by_role("table", name="依類別").get_by_role("row", name="一般公文")
    row.get_by_role("link", name="1", exact=True).first.click()
    # then only the late document is listed, and its page shows why
    listing = page.get_by_role("table", name="符合條件的公文（最新者在前）")
    assert "1130000002" in listing.inner_text()
    assert "1130000001" not in listing.inner_text()
    assert_accessible(page)
    page.get_by_role("link", name="1130000002").click()
    assert "逾限辦結" in page.locator("main").inner_text()
    assert "2024-02-21" in page.locator("main").inner_text()  # the deadline: 6 working days after 2/7
    assert_accessible(page)
    screenshot(page, "timeliness-document")
    assert_no_console_errors(page_console)
