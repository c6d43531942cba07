"""The whole path of a petition in the system's Chromium, every page scanned by axe.

A citizen files a petition under the wrong category (it goes to 環境保護局); that agency's officer
re-routes it to 工務局; the 工務局 officer accepts it, asks the citizen for more information (the
clock pauses), resumes, asks for an extension that the liaison approves, and replies; the citizen
tracks the case and reopens it.
"""

import re

import pytest

from yankao.cases.models import Case, Extension
from yankao.cases.workflow import State
from yankao.testing.browser import assert_accessible, assert_no_console_errors, login_as, screenshot

pytestmark = pytest.mark.browser

DIGITS = "零一二三四五六七八九"


def _answer(question: str) -> str:
    """The anti-abuse question's answer: 請問三加四等於多少？ → 7."""
    match = re.search(r"請問(.)(加|減)(.)等於多少", question)
    assert match, question
    left, right = DIGITS.index(match.group(1)), DIGITS.index(match.group(3))
    return str(left + right if match.group(2) == "加" else left - right)


def _switch_to(page, persona: str) -> None:
    page.context.clear_cookies()
    login_as(page, persona)


def _open_case(page, number: str) -> None:
    page.goto("/console/cases/")
    assert_accessible(page)
    page.get_by_role("link", name=number).click()
    assert_accessible(page)


def _act(page, summary: str, fill: dict[str, str] | None = None, *, button: str | None = None) -> None:
    """Open an action's disclosure on the case page, fill it and submit it."""
    action = page.locator("details.action", has=page.locator("summary", has_text=summary))
    if action.get_attribute("open") is None:
        action.locator("summary").click()
    for label, value in (fill or {}).items():
        field = action.get_by_label(label)
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    action.get_by_role("button", name=button or summary).click()
    page.wait_for_load_state()


def test_a_petition_from_filing_through_reroute_pause_extension_reply_to_reopening(page, page_console):
    # given a citizen filing a petition about a broken sidewalk under 環境髒亂 (wrongly)
    page.goto("/petitions/new/")
    assert_accessible(page)
    page.get_by_label("陳情類別").select_option("illegal_dumping")
    page.get_by_label("主旨").fill("四維三路人行道地磚破損")
    page.get_by_label("陳情內容").fill("四維三路2號前人行道地磚翹起破損，長輩走路容易絆倒，請儘速修復。")
    page.get_by_label("姓名").fill("王小明")
    page.get_by_label("電話").fill("0912-345-678")
    question = page.locator("label[for='id_challenge_answer']").inner_text()
    page.get_by_label(question).fill(_answer(question))
    page.wait_for_timeout(
        5200
    )  # the form refuses submissions faster than a person (petition.form_min_fill_seconds)
    page.get_by_role("button", name=re.compile("送出")).click()
    number = page.locator("#case-number").inner_text().strip()
    tracking_code = page.locator("#tracking-code").inner_text().strip()
    assert_accessible(page)
    assert Case.objects.get(number=number).agency.code == "397017000A"

    # when 環境保護局's officer re-routes it to 工務局
    _switch_to(page, "officer_of_other_agency")
    _open_case(page, number)
    assert "王小明" not in page.locator("main").inner_text()
    _act(page, "改分其他機關", {"改分至機關": "397010000A", "改分理由": "人行道修繕屬工務局權責。"})
    assert "已改分" in page.locator(".messages").inner_text()
    assert_accessible(page)

    # and 工務局's officer accepts, asks for information, resumes and asks for an extension
    _switch_to(page, "officer")
    _open_case(page, number)
    screenshot(page, "console-case-officer-1366")
    _act(page, "承辦本案")
    assert "處理中" in page.locator(".case-head").inner_text()
    _act(page, "請民眾補正", {"請民眾補正的內容": "請提供破損位置的照片。"})
    assert "暫停計時" in page.locator(".case-head").inner_text()
    assert_accessible(page)
    _act(page, "補正完成，恢復處理", {"補正情形說明": "民眾已來電補充位置。"})
    _act(page, "申請展期", {"展延工作日數": "5", "展期理由": "需會同養護工程處現場會勘。"})
    assert "已送出展期申請" in page.locator(".messages").inner_text()

    # and the liaison approves the extension on the review page
    _switch_to(page, "liaison")
    page.goto("/console/cases/")
    assert_accessible(page)
    screenshot(page, "console-inbox-liaison-1366")
    page.get_by_role("link", name="前往展延審核").click()
    assert_accessible(page)
    review = page.locator("section.extension", has_text=number)
    review.get_by_label("核准").check()
    review.get_by_label("核定意見").fill("同意展延。")
    review.get_by_role("button", name="送出核定").click()
    assert "已核准" in page.locator(".messages").inner_text()
    assert Extension.objects.get(case__number=number).decision == Extension.Decision.APPROVED

    # and the officer replies
    _switch_to(page, "officer")
    _open_case(page, number)
    _act(page, "答復陳情人", {"答復內容": "已於本週完成四維三路人行道地磚修復，感謝您的通報。"})
    assert "已答復" in page.locator(".case-head").inner_text()
    assert_accessible(page)
    assert_no_console_errors(page_console)

    # then the citizen tracks it, reads the reply and reopens it
    page.context.clear_cookies()
    page.goto("/track/")
    assert_accessible(page)
    page.get_by_label("案件編號").fill(number)
    page.get_by_label("查詢碼").fill(tracking_code)
    page.get_by_role("button", name="查詢").click()
    assert "完成四維三路人行道地磚修復" in page.locator("main").inner_text()
    assert_accessible(page)
    page.get_by_label("仍未解決的情形").fill("修復後又有一塊地磚鬆動。")
    page.get_by_role("button", name="問題仍未解決，請重新處理").click()
    assert_accessible(page)
    case = Case.objects.get(number=number)
    assert case.state == State.IN_PROGRESS
    assert case.reopen_count == 1
    assert case.agency.code == "397010000A"
