"""The 1999 console in the browser, by keyboard: a known caller's call is dispatched after the
duplicate warning, another is answered on the spot, a third becomes a petition."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from yankao.cases.models import Case, Category
from yankao.cases.services import Petitioner, case_intake
from yankao.servicedesk.hotline_services import call_log
from yankao.servicedesk.models import Call
from yankao.testing.browser import assert_accessible, assert_no_console_errors, login_as, screenshot

pytestmark = pytest.mark.browser

KNOWN_PHONE = "0912345678"


def _earlier_case() -> Case:
    """The caller reported the street light on the web last week; it is still open at 工務局."""
    return case_intake(
        kind="petition",
        channel="web",
        category=Category.objects.get(code="street_light"),
        subject="中山一路路燈不亮",
        description="中山一路100號前的路燈晚上都不亮，路口很暗。",
        petitioner=Petitioner(name="陳美玲", phone=KNOWN_PHONE),
        location_text="中山一路100號前",
    ).case


def test_an_operator_logs_three_calls_by_keyboard(page, page_console, seeded):
    earlier = _earlier_case()
    login_as(page, "operator")
    page.goto("/console/hotline/")
    assert page.get_by_role("heading", level=1).inner_text() == "1999話務登錄"
    assert page.locator("#hotline-keys").inner_text().count("Alt+") >= 5
    # The call's clock runs from the moment the form was shown.
    clock = page.locator("#hotline-clock")
    clock.wait_for()
    page.wait_for_timeout(1200)
    assert re.fullmatch(r"\d\d:\d\d", clock.inner_text())
    assert clock.inner_text() != "00:00"
    assert_accessible(page)
    # 1366x768: every outcome button is on screen without scrolling.
    for name in ("當場答復 Alt+A", "派工 Alt+D", "轉陳情案件 Alt+P", "移轉其他業務 Alt+T", "其他 Alt+O"):
        box = page.get_by_role("button", name=name, exact=False).first.bounding_box()
        assert box is not None
        assert box["y"] + box["height"] <= 768

    # 1. A known caller: the earlier case shows as the number is typed, then the duplicate warning.
    page.keyboard.press("Alt+1")
    page.keyboard.type("0912-345-678")
    page.locator("#hotline-caller-cases", has_text=earlier.number).wait_for()
    page.keyboard.press("Alt+2")
    page.keyboard.type("路燈故障")
    page.keyboard.press("Alt+3")
    page.keyboard.type("中山一路100號前路燈不亮，晚上路口很暗")
    page.keyboard.press("Alt+5")
    page.keyboard.type("中山一路100號前")
    # The duplicate detection (yankao.servicedesk.duplicates, the other half of this issue) is
    # asked as the operator types: the earlier, still-open case is the likely duplicate.
    warning = page.locator("#hotline-duplicates [data-duplicates='found']")
    warning.wait_for()
    assert earlier.number in page.locator("#hotline-duplicate-list").inner_text()
    assert_accessible(page)
    screenshot(page, "console-hotline-known-caller-1366")
    page.keyboard.press("Alt+D")
    page.wait_for_load_state()
    message = page.locator(".message--success")
    message.wait_for()
    dispatched = Call.objects.get(outcome="dispatched")
    assert dispatched.case is not None
    assert dispatched.case.number in message.inner_text()
    assert "查詢碼" in message.inner_text()

    # 2. Answered on the spot: the form is fresh, the phone field has the focus.
    assert page.evaluate("document.activeElement.id") == "id_phone"
    page.keyboard.type("07-3368333")
    page.keyboard.press("Alt+2")
    page.keyboard.type("稅務")
    page.keyboard.press("Alt+3")
    page.keyboard.type("詢問房屋稅繳納期限")
    page.keyboard.press("Alt+4")
    page.keyboard.type("房屋稅開徵期間為5月1日至5月31日，已告知。")
    page.keyboard.press("Alt+A")
    page.locator(".message--success", has_text="當場答復").wait_for()

    # 3. A petition: the caller's name is needed; forgetting it is refused, nothing is lost.
    page.keyboard.press("Alt+1")
    page.keyboard.type("0933111222")
    page.keyboard.press("Alt+2")
    page.keyboard.type("噪音")
    page.keyboard.press("Alt+3")
    page.keyboard.type("鄰近工地每晚十點後仍在施工，噪音很大")
    page.keyboard.press("Alt+P")
    page.locator("#form-errors", has_text="來電者姓名").wait_for()
    assert page.get_by_label("來電摘要").input_value() == "鄰近工地每晚十點後仍在施工，噪音很大"
    assert_accessible(page)
    # The refused form came back as 400, which the browser logs as a failed load: expected here.
    page_console.errors[:] = [e for e in page_console.errors if "status of 400" not in e]
    page.get_by_label("來電者姓名").fill("林志豪")
    page.keyboard.press("Alt+P")
    page.locator(".message--success", has_text="轉陳情案件").wait_for()

    outcomes = sorted(Call.objects.values_list("outcome", flat=True))
    assert outcomes == ["answered", "dispatched", "petition"]
    petition = Call.objects.get(outcome="petition").case
    assert petition is not None
    assert petition.kind == "petition"
    assert petition.channel == "hotline"
    assert_no_console_errors(page_console)


def test_the_live_dashboard_at_1366(page, page_console, seeded, operator):
    for minutes, outcome, code in (
        (2, "answered", "tax"),
        (30, "dispatched", "street_light"),
        (70, "other", "other"),
    ):
        call_log(
            operator=operator,
            started_at=timezone.now() - timedelta(minutes=minutes),
            outcome=outcome,
            category_code=code,
            summary="路燈不亮" if outcome == "dispatched" else "",
            answer="已說明" if outcome == "answered" else "",
        )
    login_as(page, "rdec_staff")
    page.goto("/console/hotline/dashboard/")
    assert page.get_by_role("heading", level=1).inner_text() == "1999話務即時看板"
    assert "3" in page.locator(".hotline-figures").inner_text()
    assert_accessible(page)
    screenshot(page, "console-hotline-dashboard-1366")
    assert_no_console_errors(page_console)


def test_enter_moves_on_and_never_logs_the_call(page, page_console, seeded):
    login_as(page, "operator")
    page.goto("/console/hotline/")
    page.keyboard.press("Alt+1")
    page.keyboard.type("0922111333")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "id_caller_name"
    page.keyboard.press("Alt+2")
    page.keyboard.type("稅務")
    page.keyboard.press("Enter")  # in the category box: no implicit submission
    page.wait_for_timeout(500)
    # Nothing was sent: no refusal came back, what was typed is still in the form.
    assert page.locator("#form-errors").count() == 0
    assert page.get_by_label("來電號碼").input_value() == "0922111333"
    assert Call.objects.count() == 0
    assert_no_console_errors(page_console)
