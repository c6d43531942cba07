"""The bullying module in the system's Chromium: a designated investigator takes a report from
intake through screening, the team, an investigation extended twice, the outcome and closure; the
review group's refusal to not accept without unanimity; axe on every page."""

import pytest

from yankao.bullying.models import BullyingReport, State
from yankao.testing.browser import assert_accessible, assert_no_console_errors, login_as, screenshot

pytestmark = pytest.mark.browser

STUDENT = "龔霽澐"


def _step(page, key: str, fields: dict[str, str], *, choose: dict[str, str] | None = None, check: str = ""):
    form = page.locator(f"#step-{key}")
    details = page.locator("details.action", has=form)
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    for label, value in fields.items():
        form.get_by_label(label, exact=True).fill(value)
    for label, value in (choose or {}).items():
        form.get_by_label(label, exact=True).select_option(value)
    if check:
        form.get_by_label(check).check()
    form.get_by_role("button").click()


def _intake(page) -> BullyingReport:
    page.get_by_role("link", name="校園霸凌通報").first.click()
    page.get_by_role("link", name="登錄新通報").click()
    assert_accessible(page)
    page.get_by_label("通報來源").select_option("city_mailbox")
    page.get_by_label("收件日").fill("113/05/27")
    page.get_by_label("收件時間").fill("10:00")
    page.get_by_label("學校").fill("高雄市立鳳鳴國民中學")
    page.get_by_label("通報內容（發生經過）").fill(f"{STUDENT}於器材室後方遭推擠勒索。")
    page.get_by_label("檢舉人姓名").fill("蔣雨晴")
    page.get_by_label("被霸凌學生姓名").fill(STUDENT)
    page.get_by_label("行為人姓名").fill("閻翾翊")
    page.get_by_role("button", name="登錄通報").click()
    return BullyingReport.objects.get()


def test_intake_screening_investigation_with_two_extensions_and_closure(page, page_console, investigator):
    login_as(page, "investigator")
    report = _intake(page)
    # the report page: names masked, the clocks listed
    main = page.locator("main")
    assert report.number in main.inner_text()
    assert STUDENT not in main.inner_text()
    assert "龔○澐" in main.inner_text()
    assert "民國113年6月25日" in main.inner_text()  # 20 working days' notice
    assert_accessible(page)
    screenshot(page, "console-bullying-report-1366")

    _step(page, "authority_report", {"校安通報日": "113/05/27", "校安通報時間": "16:00"})
    assert "已登錄校安通報" in main.inner_text()
    _step(page, "accept", {"審查決議日": "113/06/03"})
    _step(page, "notice", {"書面通知日": "113/06/04"})
    _step(page, "form_team", {"處理小組組成日": "113/06/05"}, choose={"處理方式": "investigation"})
    _step(page, "first_meeting", {"第一次會議日": "113/06/12"})
    assert "民國113年8月12日" in main.inner_text()
    _step(
        page,
        "extend",
        {"延長月數": "1", "延長理由": "需再訪談證人", "延長決定日": "113/08/01", "通知當事人日": "113/08/02"},
    )
    assert "民國113年9月12日" in main.inner_text()
    _step(
        page,
        "extend",
        {"延長月數": "1", "延長理由": "等待輔導紀錄", "延長決定日": "113/09/02", "通知當事人日": "113/09/03"},
    )
    assert "民國113年10月14日" in main.inner_text()  # 10-12 is a Saturday
    assert "已延長2次" in main.inner_text()
    _step(
        page,
        "extend",
        {"延長月數": "1", "延長理由": "再延", "延長決定日": "113/10/01", "通知當事人日": "113/10/01"},
    )
    assert "至多延長2次" in main.inner_text()
    assert_accessible(page)
    page_console.errors.clear()  # the refused form answers 400, as it should; nothing else may log
    _step(
        page,
        "outcome",
        {"調查結果決定日": "113/10/01", "結果通知送達日": "113/10/03", "輔導及追蹤措施": "輔導室每週晤談"},
        choose={"調查結果": "established"},
    )
    assert "民國113年11月4日" in main.inner_text()  # 30 days to appeal, off a Saturday
    _step(page, "close", {"結案日": "113/11/10"})
    assert "已結案" in main.inner_text()
    report.refresh_from_db()
    assert report.state == State.CLOSED
    assert report.extensions_count == 2

    # revealing the names takes a reason, and shows them once
    page.get_by_label("檢視理由").fill("聯繫家長確認輔導安排")
    page.get_by_role("button", name="顯示完整個人資料").click()
    assert STUDENT in main.inner_text()
    assert_accessible(page)
    page.goto(f"/console/bullying/{report.number}/")
    assert STUDENT not in page.locator("main").inner_text()
    assert_no_console_errors(page_console)


def test_the_review_group_cannot_refuse_a_report_without_unanimity(page, page_console, investigator):
    login_as(page, "investigator")
    report = _intake(page)
    _step(
        page, "not_accept", {"審查決議日": "113/06/03"}, choose={"不予受理事由（準則第25條）": "no_content"}
    )
    assert "全體委員一致" in page.locator("main").inner_text()
    page_console.errors.clear()  # the refusal answers 400, as it should
    report.refresh_from_db()
    assert report.state == State.RECEIVED
    _step(
        page,
        "not_accept",
        {"審查決議日": "113/06/03"},
        choose={"不予受理事由（準則第25條）": "no_content"},
        check="審查小組全體委員一致決議",
    )
    report.refresh_from_db()
    assert report.state == State.NOT_ACCEPTED
    page.get_by_role("link", name="← 回到通報案件列表").click()
    page.get_by_role("link", name="統計").click()
    page.get_by_label("起日").fill("113/01/01")
    page.get_by_label("迄日").fill("113/12/31")
    page.get_by_role("button", name="查詢").click()
    table = page.get_by_role("table", name="疑似校園霸凌案件通報數（單位：件）資料表")
    assert "不予受理" in table.inner_text()
    assert STUDENT not in page.content()
    assert_accessible(page)
    screenshot(page, "console-bullying-dashboard-1366")
    assert_no_console_errors(page_console)


def test_staff_not_designated_see_only_the_figures(page, rdec_admin):
    login_as(page, "rdec_admin")
    page.goto("/console/bullying/")
    assert page.url.endswith("/console/bullying/dashboard/")
    assert_accessible(page)
