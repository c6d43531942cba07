"""A citizen in the browser: file a petition with a photo, keep the number and code, track it.

Bad input (no subject, a fake image, a wrong answer, too fast) changes nothing and says why in
Chinese; a retried submission gives the same case. axe-core runs on every page visited.
"""

import pytest
from django.core.cache import cache

from yankao.cases.models import Case
from yankao.core.models import Rule
from yankao.testing.browser import assert_accessible, assert_no_console_errors, screenshot
from yankao.testing.petitions import challenge_solve, exe_bytes, png_bytes

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _quick_forms(seeded):
    """No minimum fill time (a test types faster than a person), and no rate counts from other tests."""
    Rule.objects.filter(key="petition.form_min_fill_seconds").update(value=0)
    cache.clear()
    yield
    cache.clear()


def _fill(page, *, subject="四維三路路燈不亮", photo=None):
    page.select_option("#id_category", "street_light")
    page.fill("#id_subject", subject)
    page.fill("#id_description", "四維三路2號前的路燈已經三天不亮，晚上行人看不清楚路面。")
    page.select_option("#id_district", label="苓雅區")
    page.fill("#id_location_text", "四維三路2號前人行道")
    page.fill("#id_latitude", "22.620000")
    page.fill("#id_longitude", "120.312000")
    if photo is not None:
        page.set_input_files("#id_attachments", files=[photo])
    page.fill("#id_name", "陳美玲")
    page.fill("#id_phone", "0912-345-678")
    page.fill("#id_email", "mei@example.tw")
    page.fill("#id_address", "高雄市苓雅區四維三路2號")
    page.check("#id_confidential")
    _answer(page)


def _answer(page, *, wrong=False):
    question = page.locator('label[for="id_challenge_answer"]').inner_text()
    answer = challenge_solve(question)
    page.fill("#id_challenge_answer", str(int(answer) + 1) if wrong else answer)


def _submit(page):
    page.get_by_role("button", name="送出陳情").click()
    page.wait_for_load_state()


PNG = {"name": "路燈.png", "mimeType": "image/png", "buffer": png_bytes()}
FAKE = {"name": "現場照片.jpg", "mimeType": "image/jpeg", "buffer": exe_bytes()}


def test_a_citizen_files_a_petition_with_a_photo_and_tracks_it_without_personal_data(page, page_console):
    # the portal's card leads to the form
    page.goto("/")
    page.get_by_role("link", name="我要陳情").click()
    assert page.get_by_role("heading", level=1).inner_text() == "網路陳情"
    assert_accessible(page)
    screenshot(page, "petition-form-1366")

    _fill(page, photo=PNG)
    _submit(page)
    assert "已收到您的陳情" in page.locator("main").inner_text()
    assert_accessible(page)
    screenshot(page, "petition-receipt-1366")
    number = page.locator("#case-number").inner_text()
    code = page.locator("#tracking-code").inner_text()
    assert "查詢碼只會顯示這一次" in page.locator("main").inner_text()
    assert "民國" in page.locator("main").inner_text()
    case = Case.objects.get(number=number)
    assert case.attachments.get().content_type == "image/png"
    assert case.wants_confidentiality

    page.get_by_role("link", name="前往案件查詢").click()
    assert_accessible(page)
    page.get_by_label("案件編號").fill(number.lower())
    page.get_by_label("查詢碼").fill(code)
    page.get_by_role("button", name="查詢").click()
    page.wait_for_load_state()
    main = page.locator("main").inner_text()
    assert number in main
    assert "已分派" in main
    assert "處理歷程" in main
    for personal in ("陳美玲", "陳○玲", "0912", "mei@example.tw", "四維三路2號\n"):
        assert personal not in main
    assert_accessible(page)
    screenshot(page, "petition-track-1366")
    assert_no_console_errors(page_console)


def test_bad_input_changes_nothing_and_says_why_in_chinese(page):
    page.goto("/petitions/new/")

    # no subject
    _fill(page, subject="")
    _submit(page)
    assert "請填寫主旨" in page.get_by_role("alert").inner_text()
    assert page.locator("#id_description").input_value().startswith("四維三路2號前")  # kept
    assert_accessible(page)
    screenshot(page, "petition-form-errors-1366")

    # a program renamed as a photo
    page.fill("#id_subject", "四維三路路燈不亮")
    page.set_input_files("#id_attachments", files=[FAKE])
    _submit(page)
    assert "附件「現場照片.jpg」不是可接受的檔案類型" in page.get_by_role("alert").inner_text()
    assert_accessible(page)

    # a wrong answer to the question
    _answer(page, wrong=True)
    _submit(page)
    assert "驗證題的答案不正確" in page.get_by_role("alert").inner_text()
    assert page.locator("#id_challenge_answer").input_value() == ""
    assert_accessible(page)
    assert Case.objects.count() == 0

    # too fast: a form drawn a moment ago, sent at once
    Rule.objects.filter(key="petition.form_min_fill_seconds").update(value=600)
    from yankao.core.selectors.rules import rule_cache

    rule_cache.clear()
    page.goto("/petitions/new/")
    _fill(page)
    _submit(page)
    assert "送出速度過快" in page.get_by_role("alert").inner_text()
    assert_accessible(page)
    assert Case.objects.count() == 0


def test_a_retried_submission_gives_the_same_case(page):
    page.goto("/mayors-mailbox/")
    assert page.get_by_role("heading", level=1).inner_text() == "市長信箱"
    _fill(page)
    # the browser sends the same form twice more (a retry after a lost answer, a double click)
    statuses = page.evaluate(
        """async () => {
            const form = document.querySelector("form.petition-form");
            const sent = [];
            for (let i = 0; i < 2; i++) {
                const response = await fetch(form.action || location.href, {method: "POST", body: new FormData(form)});
                sent.push(response.status);
            }
            return sent;
        }"""
    )
    assert statuses == [200, 200]
    page.get_by_role("button", name="送出信件").click()
    page.wait_for_load_state()
    main = page.locator("main").inner_text()
    assert "沒有重複立案" in main
    assert Case.objects.count() == 1
    case = Case.objects.get()
    assert page.locator("#case-number").inner_text() == case.number
    assert case.channel == "mayors_mailbox"
    assert_accessible(page)


def test_the_pages_fit_a_phone(mobile_page):
    mobile_page.goto("/petitions/new/")
    assert_accessible(mobile_page)
    assert mobile_page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(mobile_page, "petition-form-390")
    _fill(mobile_page, photo=PNG)
    _submit(mobile_page)
    assert_accessible(mobile_page)
    assert mobile_page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(mobile_page, "petition-receipt-390")
    number = mobile_page.locator("#case-number").inner_text()
    code = mobile_page.locator("#tracking-code").inner_text()
    mobile_page.goto("/track/")
    mobile_page.get_by_label("案件編號").fill(number)
    mobile_page.get_by_label("查詢碼").fill(code)
    mobile_page.get_by_role("button", name="查詢").click()
    mobile_page.wait_for_load_state()
    assert_accessible(mobile_page)
    assert mobile_page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(mobile_page, "petition-track-390")


def test_after_the_reply_the_citizen_rates_the_case_and_says_it_is_not_resolved(page, officer):
    from yankao.cases.services import case_reply

    # given a petition filed in the browser and answered by the officer of 工務局
    page.goto("/petitions/new/")
    _fill(page)
    _submit(page)
    number = page.locator("#case-number").inner_text()
    code = page.locator("#tracking-code").inner_text()
    case = Case.objects.get(number=number)
    case_reply(case=case, user=officer, reply="已派員更換燈泡，路燈已恢復照明。")

    # when the citizen tracks it
    page.goto("/track/")
    page.get_by_label("案件編號").fill(number)
    page.get_by_label("查詢碼").fill(code)
    page.get_by_role("button", name="查詢").click()
    page.wait_for_load_state()
    assert "已派員更換燈泡" in page.locator("main").inner_text()
    assert_accessible(page)
    screenshot(page, "petition-track-replied-1366")

    # the survey asks about the process and the outcome apart
    page.locator('label[for="id_process_score_1"]').click()  # 4
    page.locator('label[for="id_outcome_score_3"]').click()  # 2
    page.get_by_role("button", name="送出滿意度調查").click()
    page.wait_for_load_state()
    assert "謝謝您填寫滿意度調查" in page.locator("main").inner_text()
    assert_accessible(page)
    survey = Case.objects.get(number=number).survey
    assert (survey.process_score, survey.outcome_score) == (4, 2)

    # and the matter is not resolved: the case runs again
    page.get_by_label("仍未解決的情形").fill("晚上還是不亮，燈桿有異音。")
    page.get_by_role("button", name="問題仍未解決，請重新處理").click()
    page.wait_for_load_state()
    main = page.locator("main").inner_text()
    assert "案件重新交由機關處理" in main
    assert "處理中" in main
    assert_accessible(page)
    assert Case.objects.get(number=number).state == "in_progress"
