"""The inbox in the browser: due marks in words, "more" loaded in place, select-all and bulk accept."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from yankao.cases.models import Case, Category
from yankao.cases.services import Petitioner, case_intake
from yankao.cases.workflow import State
from yankao.testing.browser import assert_accessible, assert_no_console_errors, login_as, screenshot

pytestmark = pytest.mark.browser


def _cases(n: int) -> list[Case]:
    now = timezone.now()
    category = Category.objects.get(code="road_pothole")
    return [
        case_intake(
            kind="petition",
            channel="web",
            category=category,
            subject=f"路面坑洞 {i}",
            description="請儘速處理。",
            petitioner=Petitioner(name="王小明", phone="0912345678"),
            received_at=now - timedelta(days=12 * i),
        ).case
        for i in range(n)
    ]


def test_the_officer_loads_more_in_place_and_accepts_a_whole_page(
    page, mobile_page, page_console, officer, monkeypatch
):
    monkeypatch.setattr("yankao.web.views.cases.PAGE_SIZE", 4)
    _cases(6)
    login_as(page, "officer")
    page.goto("/console/cases/")
    rows = page.locator("#case-rows tr.case-row")
    assert rows.count() == 4
    # the oldest cases are overdue, said in words next to the icon
    assert "已逾期" in rows.first.inner_text()
    # the same petitioner's potholes are marked as likely duplicates once the page has shown
    expect(page.locator("#case-rows .dup-mark").first).to_be_visible()
    assert_accessible(page)
    # htmx is a deferred script: click only once it has wired the link, or the browser follows it
    page.wait_for_function("() => window.htmx !== undefined")
    page.get_by_role("link", name="載入更多案件").click()
    expect(rows).to_have_count(6)
    assert page.url.endswith("/console/cases/")  # loaded in place, the page stayed
    assert page.get_by_role("link", name="載入更多案件").count() == 0
    page.get_by_label("全選本頁").check()
    page.get_by_label("對勾選的案件").select_option("accept")
    page.get_by_role("button", name="執行").click()
    assert "已承辦 6 件" in page.locator(".messages").inner_text()
    assert Case.objects.filter(state=State.IN_PROGRESS, officer=officer).count() == 6
    assert_accessible(page)
    assert_no_console_errors(page_console)
    screenshot(page, "console-inbox-officer-1366")
    login_as(mobile_page, "officer")
    mobile_page.goto("/console/cases/?state=all")
    assert mobile_page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(mobile_page)
    screenshot(mobile_page, "console-inbox-officer-390")
