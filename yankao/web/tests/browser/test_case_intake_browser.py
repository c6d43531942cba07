"""Staff intake in the browser: the operator registers a letter, picks the suggested agency, prints the slip."""

from datetime import timedelta

import pytest
from django.utils import timezone

from yankao.cases.models import Case
from yankao.core.roc_dates import roc_date_format, roc_date_format_short
from yankao.core.working_days import taiwan_date
from yankao.testing.browser import assert_accessible, assert_no_console_errors, login_as, screenshot

pytestmark = pytest.mark.browser


def test_the_operator_registers_a_letter_with_the_suggested_agency(page, page_console, seeded):
    login_as(page, "operator")
    page.goto("/console/")
    page.get_by_role("link", name="登錄陳情案件").first.click()
    page.wait_for_url("**/console/cases/new/")
    assert page.get_by_role("heading", level=1).inner_text() == "登錄陳情案件"
    assert_accessible(page)

    received_on = taiwan_date(timezone.now()) - timedelta(days=1)
    page.get_by_label("書面函件").check()
    page.get_by_label("收件日期").fill(roc_date_format_short(received_on))
    page.get_by_label("陳情類別").select_option("street_light")
    # htmx refreshes the suggestions in place when the category changes
    suggestion = page.get_by_role("radio", name="高雄市政府工務局")
    suggestion.wait_for()
    assert "依類別：路燈故障" in page.locator("#route-choices").inner_text()
    page.get_by_label("主旨").fill("自強三路路燈不亮")
    page.get_by_label("陳情內容").fill("自強三路與四維三路口的路燈已一週不亮，路口很暗；旁邊還有垃圾堆積。")
    page.get_by_label("行政區").select_option(label="苓雅區")
    # "依內容建議機關" reloads them in place with the text's hints, and the page stays
    page.get_by_role("button", name="依內容建議機關").click()
    page.locator("#route-choices", has_text="內容提及「垃圾」").wait_for()
    assert page.url.endswith("/console/cases/new/")
    assert page.get_by_label("主旨").input_value() == "自強三路路燈不亮"
    # picking from the list of agencies chooses "another agency"; back to the suggestion
    page.get_by_label("從清單選擇機關").select_option(label="高雄市政府環境保護局")
    assert page.get_by_role("radio", name="另選其他機關").is_checked()
    page.get_by_label("從清單選擇機關").select_option("")
    suggestion.check()
    page.get_by_label("陳情人姓名").fill("陳美玲")
    page.get_by_label("通訊地址").fill("高雄市苓雅區四維三路2號")
    assert_accessible(page)
    screenshot(page, "console-case-intake-form-1366")

    page.get_by_role("button", name="登錄並取得案件編號").click()
    page.get_by_role("heading", name="已登錄陳情案件").wait_for()
    case = Case.objects.get()
    assert case.channel == "letter"
    assert case.agency.name == "高雄市政府工務局"
    assert taiwan_date(case.received_at) == received_on
    assert page.locator("#case-number").inner_text() == case.number
    assert len(page.locator("#tracking-code").inner_text()) == 8
    assert page.locator("#case-due").inner_text() == roc_date_format(case.due_on)
    assert "依系統首選建議" in page.locator(".routing").inner_text()
    assert page.get_by_role("button", name="列印收件回執").is_visible()
    assert_accessible(page)
    assert_no_console_errors(page_console)
    screenshot(page, "console-case-intake-receipt-1366")
    # printed, only the slip is left
    page.emulate_media(media="print")
    assert page.locator(".slip").is_visible()
    assert not page.locator(".console-nav").is_visible()
    assert not page.locator(".intake-staff").is_visible()
    screenshot(page, "console-case-intake-receipt-print")
