"""The petition dashboard in the system's Chromium: RDEC staff pick a period in ROC dates, see the
charts drawn in the page with their data tables, and axe finds nothing serious."""

import pytest

from yankao.servicedesk.tests.test_selectors import file, reply, taipei
from yankao.testing.browser import assert_accessible, assert_no_console_errors, login_as, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def petitions(officer):
    reply(file(at=taipei(2023, 3, 6, 9)), officer, at=taipei(2023, 3, 8, 15))
    file(at=taipei(2023, 3, 7, 10), channel="mayors_mailbox")
    file(at=taipei(2023, 9, 4, 10), category="street_light", channel="counter")


def test_rdec_staff_read_the_years_petitions_on_the_dashboard(page, page_console, rdec_staff, petitions):
    login_as(page, "rdec_staff")
    page.get_by_role("link", name="陳情統計").first.click()
    page.get_by_label("起日").fill("112/01/01")
    page.get_by_label("迄日").fill("112/12/31")
    page.get_by_label("時效統計基準日").fill("113/03/31")
    page.get_by_role("button", name="查詢").click()
    main = page.locator("main")
    assert "民國112年1月1日至民國112年12月31日" in main.inner_text()
    assert page.get_by_role("img", name="每月陳情件數（單位：件）").is_visible()
    months = page.get_by_role("table", name="每月陳情件數（單位：件）資料表")
    assert months.get_by_role("row", name="112年3月").inner_text().split()[-1] == "2"
    assert_accessible(page)
    assert_no_console_errors(page_console)
    screenshot(page, "console-petitions-dashboard-rdec-1366")


def test_an_officer_sees_the_agencys_dashboard_on_a_phone(mobile_page, officer, petitions):
    login_as(mobile_page, "officer")
    mobile_page.goto("/console/petitions/dashboard/?date_from=112/01/01&date_to=112/12/31")
    assert "工務局及所屬機關" in mobile_page.locator("main").inner_text()
    assert_accessible(mobile_page)
    assert mobile_page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(mobile_page, "console-petitions-dashboard-officer-390")
