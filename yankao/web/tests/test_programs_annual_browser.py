"""The preliminary round in the system's Chromium: an officer submits, the RDEC returns, the officer
corrects and resubmits, the RDEC accepts, compiles and approves, and the plan's PDF lists the agencies
in their order. axe runs on every page visited."""

import subprocess
from datetime import date, timedelta

import pytest
from django.utils import timezone

from yankao.core.models import Agency
from yankao.core.working_days import taiwan_date
from yankao.programs.annual.models import PlanItem, PlanRound
from yankao.testing.browser import assert_accessible, assert_no_console_errors, login_as, screenshot

pytestmark = pytest.mark.browser


def _switch_to(page, persona):
    page.context.clear_cookies()
    login_as(page, persona)


@pytest.fixture
def plan_round(officer, officer_of_other_agency):
    today = taiwan_date(timezone.now())
    plan_round = PlanRound.objects.create(
        year=today.year + 1,
        title=f"{today.year + 1 - 1911}年度施政計畫先期作業",
        opens_on=today - timedelta(days=3),
        deadline=today + timedelta(days=20),
    )
    # Two other agencies' items already accepted: 秘書處 (sort order 1) and 環境保護局 (17) bracket 工務局 (10).
    for code, user, title in (
        ("397017000A", officer_of_other_agency, "空氣品質改善計畫"),
        ("397001000A", officer, "市政檔案數位化計畫"),
    ):
        PlanItem.objects.create(
            plan_round=plan_round,
            agency=Agency.objects.get(code=code),
            title=title,
            goal="目標",
            content="內容",
            budget_thousands=1000,
            status=PlanItem.Status.ACCEPTED,
            created_by=user,
        )
    return plan_round


def test_a_returned_submission_is_corrected_resubmitted_and_printed_in_agency_order(
    page, page_console, plan_round, officer, rdec_staff, tmp_path
):
    # given the officer of 工務局 on the round's page
    login_as(page, "officer")
    page.goto("/console/programs/annual/")
    page.get_by_role("link", name=plan_round.title).click()
    assert_accessible(page)
    # when they draft an item and submit it
    page.get_by_label("機關").select_option(label="高雄市政府工務局")
    page.get_by_label("計畫名稱").fill("人本交通道路改善計畫")
    page.get_by_label("施政目標").fill("改善人行環境")
    page.get_by_label("實施內容").fill("拓寬人行道")
    page.get_by_label("預算（千元）").fill("120,000")
    page.get_by_role("button", name="建立草稿").click()
    assert_accessible(page)
    page.get_by_role("button", name="提報", exact=True).click()
    assert page.locator("#item-status").inner_text() == "已提報"
    item_url = page.url

    # then the RDEC returns it with a comment
    _switch_to(page, "rdec_staff")
    page.goto(item_url)
    assert_accessible(page)
    page.get_by_label("退回修正").check()
    page.get_by_label("審查意見").fill("請補充量化的關鍵績效指標。")
    page.get_by_role("button", name="送出審查結果").click()
    assert page.locator("#item-status").inner_text() == "退回修正"

    # the officer reads the comment, corrects and resubmits
    _switch_to(page, "officer")
    page.goto(item_url)
    assert "請補充量化的關鍵績效指標" in page.locator("#review-comment").inner_text()
    assert_accessible(page)
    page.get_by_label("關鍵績效指標").fill("完成人行道改善 12 公里")
    page.get_by_role("button", name="重新提報").click()
    assert page.locator("#item-status").inner_text() == "已提報"
    screenshot(page, "annual-plan-item-resubmitted")

    # the RDEC accepts, compiles and approves
    _switch_to(page, "rdec_staff")
    page.goto(item_url)
    page.get_by_label("採納").check()
    page.get_by_role("button", name="送出審查結果").click()
    assert page.locator("#item-status").inner_text() == "已採納"
    page.get_by_role("link", name=plan_round.title).click()
    page.get_by_role("button", name="彙編施政計畫").click()
    assert "已彙編施政計畫" in page.locator("main").inner_text()
    page.get_by_label("核定日").fill(f"{date.today().year - 1911}/{date.today():%m/%d}")
    page.get_by_role("button", name="登錄核定").click()
    assert "已登錄核定" in page.locator("main").inner_text()
    assert_accessible(page)
    assert_no_console_errors(page_console)
    screenshot(page, "annual-plan-round-approved")

    # and the approved plan's PDF lists the agencies in their order, the corrected item included
    with page.expect_download() as download_info:
        page.get_by_role("link", name="下載施政計畫（PDF）").click()
    pdf = tmp_path / "plan.pdf"
    download_info.value.save_as(pdf)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "核定本" in text
    chapters = [text.index(f"、高雄市政府{name}") for name in ("秘書處", "工務局", "環境保護局")]
    assert chapters == sorted(chapters)
    assert "完成人行道改善 12 公里" in text


def test_the_agency_cannot_open_another_agencys_item(page, plan_round, officer_of_other_agency):
    item = PlanItem.objects.get(title="市政檔案數位化計畫")  # 秘書處's, not 環境保護局's
    login_as(page, "officer_of_other_agency")
    response = page.goto(f"/console/programs/annual/plan/items/{item.pk}/")
    assert response.status == 404


def test_tracked_items_and_enterprise_pages_pass_axe(page, page_console, rdec_staff, inspector, auditor):
    from yankao.programs.annual.services.enterprise import enterprise_evaluation_open, panel_member_add
    from yankao.programs.annual.services.tracked import TrackedItemFields, tracked_item_create

    tracked_item_create(
        fields=TrackedItemFields(
            kind="revitalisation_visit", title="美濃創生據點現勘", agency=Agency.objects.get(code="397131000A"),
            started_on=date(2024, 3, 5), due_on=date(2024, 5, 5), held_on=date(2024, 3, 5),
        ),
        user=rdec_staff,
    )  # fmt: skip
    evaluation = enterprise_evaluation_open(
        enterprise=Agency.objects.get(code="397802000A"), year=2023, user=rdec_staff
    )
    panel_member_add(
        evaluation=evaluation,
        reviewer=inspector,
        is_external=True,
        affiliation="國立中山大學",
        user=rdec_staff,
    )
    # the reviewer scores on the page
    login_as(page, "inspector")
    page.goto(f"/console/programs/annual/enterprises/{evaluation.pk}/")
    assert_accessible(page)
    for label in ("經營績效（40%）", "財務管理（25%）", "服務品質（20%）", "創新與永續（15%）"):
        page.get_by_label(label).fill("86")
    page.get_by_role("button", name="送出評分").click()
    assert "已送出評分" in page.locator("main").inner_text()
    # the RDEC reads the tracked items (overdue) and the panel's scores
    _switch_to(page, "rdec_staff")
    page.goto("/console/programs/annual/")
    assert_accessible(page)
    page.get_by_role("link", name="檢視需注意的事項").click()
    assert "美濃創生據點現勘" in page.locator("#tracked-items").inner_text()
    assert_accessible(page)
    page.goto(f"/console/programs/annual/enterprises/{evaluation.pk}/")
    assert "86.00" in page.locator("main").inner_text()
    assert_accessible(page)
    page.goto("/console/programs/annual/evaluations/")
    assert_accessible(page)
    assert_no_console_errors(page_console)
    screenshot(page, "annual-evaluations-rdec")
