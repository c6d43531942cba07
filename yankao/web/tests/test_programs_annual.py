"""The yearly cycle's console pages: who sees what, refusals that keep the input, conflicts, exports."""

import io
from datetime import date, timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from yankao.core.models import Agency, AuditEntry
from yankao.core.working_days import taiwan_date
from yankao.programs.annual.models import PlanItem, PlanRound, TrackedItem
from yankao.programs.annual.services.plan import PlanItemFields, plan_item_create, plan_item_submit
from yankao.programs.annual.services.tracked import TrackedItemFields, tracked_item_create

pytestmark = pytest.mark.django_db

PUBLIC_WORKS = "397010000A"
ENVIRONMENT = "397017000A"


def _login(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def open_round(seeded):
    today = taiwan_date(timezone.now())
    return PlanRound.objects.create(
        year=today.year + 1,
        title=f"{today.year + 1 - 1911}年度施政計畫先期作業",
        opens_on=today - timedelta(days=3),
        deadline=today + timedelta(days=20),
    )


def _item(round_, user, code=PUBLIC_WORKS, title="人行道改善計畫"):
    return plan_item_create(
        plan_round=round_,
        agency=Agency.objects.get(code=code),
        fields=PlanItemFields(title=title, goal="目標", content="內容", budget_thousands=500),
        user=user,
    )


def test_every_page_answers_for_rdec_staff(client, rdec_staff, open_round, officer):
    item = _item(open_round, officer)
    tracked = tracked_item_create(
        fields=TrackedItemFields(
            kind="just_transition",
            title="對策",
            agency=item.agency,
            started_on=date(2024, 3, 1),
            due_on=date(2024, 12, 31),
        ),
        user=rdec_staff,
    )
    _login(client, rdec_staff)
    for url in (
        "/console/programs/annual/",
        "/console/programs/annual/plan/",
        f"/console/programs/annual/plan/{open_round.year}/",
        f"/console/programs/annual/plan/items/{item.pk}/",
        "/console/programs/annual/evaluations/",
        "/console/programs/annual/tracked/",
        f"/console/programs/annual/tracked/{tracked.pk}/",
        "/console/programs/annual/enterprises/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    tracked_page = client.get("/console/programs/annual/tracked/").content.decode()
    assert "逾期" in tracked_page  # due 2024-12-31, long past


def test_officer_creates_a_draft_and_a_bad_budget_keeps_the_input(client, officer, open_round):
    _login(client, officer)
    url = f"/console/programs/annual/plan/{open_round.year}/"
    agency = Agency.objects.get(code=PUBLIC_WORKS)
    response = client.post(
        url,
        {
            "action": "new",
            "agency": agency.pk,
            "title": "污水接管計畫",
            "goal": "提高接管率",
            "content": "辦理用戶接管",
            "budget_thousands": "一百萬",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "預算請填不小於 0 的整數" in page
    assert "污水接管計畫" in page
    assert not PlanItem.objects.exists()
    response = client.post(
        url,
        {
            "action": "new",
            "agency": agency.pk,
            "title": "污水接管計畫",
            "goal": "提高接管率",
            "content": "辦理用戶接管",
            "budget_thousands": "1,000",
        },
    )
    assert response.status_code == 302
    assert PlanItem.objects.get().budget_thousands == 1000


def test_other_agency_gets_404_on_the_item_and_sees_nothing_in_the_list(
    client, officer, officer_of_other_agency, open_round
):
    item = _item(open_round, officer)
    _login(client, officer_of_other_agency)
    assert client.get(f"/console/programs/annual/plan/items/{item.pk}/").status_code == 404
    assert (
        "人行道改善計畫"
        not in client.get(f"/console/programs/annual/plan/{open_round.year}/").content.decode()
    )
    # nor can it post a review or an edit
    response = client.post(
        f"/console/programs/annual/plan/items/{item.pk}/",
        {"action": "save", "version": 1, "title": "x", "goal": "x", "content": "x", "budget_thousands": "0"},
    )
    assert response.status_code == 404


def test_auditor_reads_but_has_no_forms(client, auditor, officer, open_round):
    item = plan_item_submit(item=_item(open_round, officer), user=officer, expected_version=1)
    _login(client, auditor)
    page = client.get(f"/console/programs/annual/plan/items/{item.pk}/").content.decode()
    assert "人行道改善計畫" in page
    assert 'name="decision"' not in page
    response = client.post(
        f"/console/programs/annual/plan/items/{item.pk}/",
        {"action": "review", "version": item.version, "decision": "accept"},
    )
    assert response.status_code == 404
    item.refresh_from_db()
    assert item.status == PlanItem.Status.SUBMITTED


def test_a_stale_review_answers_409_and_keeps_the_comment(
    client, rdec_staff, rdec_admin, officer, open_round
):
    item = plan_item_submit(item=_item(open_round, officer), user=officer, expected_version=1)
    _login(client, rdec_staff)
    client.post(
        f"/console/programs/annual/plan/items/{item.pk}/",
        {"action": "review", "version": item.version, "decision": "return", "comment": "第一位的意見"},
    )
    client.logout()
    _login(client, rdec_admin)
    response = client.post(
        f"/console/programs/annual/plan/items/{item.pk}/",
        {"action": "review", "version": item.version, "decision": "accept", "comment": "第二位的意見"},
    )
    # The item is no longer submitted: the review form is not offered, so the POST is refused outright.
    assert response.status_code == 404
    item.refresh_from_db()
    assert item.review_comment == "第一位的意見"


def test_stale_edit_answers_409_with_the_input_kept(client, officer, liaison, open_round):
    item = _item(open_round, officer)
    _login(client, liaison)
    client.post(
        f"/console/programs/annual/plan/items/{item.pk}/",
        {
            "action": "save",
            "version": 1,
            "title": "聯絡人版本",
            "goal": "g",
            "content": "c",
            "budget_thousands": "1",
        },
    )
    client.logout()
    _login(client, officer)
    response = client.post(
        f"/console/programs/annual/plan/items/{item.pk}/",
        {
            "action": "save",
            "version": 1,
            "title": "承辦人版本",
            "goal": "g",
            "content": "c",
            "budget_thousands": "1",
        },
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "承辦人版本" in page
    assert "為免覆蓋" in page
    item.refresh_from_db()
    assert item.title == "聯絡人版本"


def test_plan_items_export_lists_only_what_the_user_may_see_and_is_audited(
    client, officer, officer_of_other_agency, open_round
):
    _item(open_round, officer)
    _item(open_round, officer_of_other_agency, code=ENVIRONMENT, title="空品改善計畫")
    _login(client, officer)
    response = client.get(f"/console/programs/annual/plan/{open_round.year}/items.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content))["施政計畫項目"]
    titles = [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert titles == ["人行道改善計畫"]
    assert AuditEntry.objects.filter(action="export", target_type="programs_annual.planitem").exists()


def test_agencies_cannot_download_a_draft_plan(client, officer, rdec_staff, open_round):
    _login(client, officer)
    assert client.get(f"/console/programs/annual/plan/{open_round.year}/plan.pdf").status_code == 404
    client.logout()
    _login(client, rdec_staff)
    response = client.get(f"/console/programs/annual/plan/{open_round.year}/plan.docx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_tracked_item_update_by_owner_and_overdue_filter(
    client, officer, officer_of_other_agency, rdec_staff
):
    item = tracked_item_create(
        fields=TrackedItemFields(
            kind="just_transition",
            title="工務局減碳對策",
            agency=Agency.objects.get(code=PUBLIC_WORKS),
            started_on=date(2024, 3, 1),
            due_on=date(2099, 12, 31),
        ),
        user=rdec_staff,
    )
    _login(client, officer_of_other_agency)
    assert client.get(f"/console/programs/annual/tracked/{item.pk}/").status_code == 404
    client.logout()
    _login(client, officer)
    response = client.post(
        f"/console/programs/annual/tracked/{item.pk}/",
        {"action": "update", "version": 1, "progress": "完成說明會"},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.last_update_on == taiwan_date(timezone.now())
    # Not overdue any more (due 2099, just updated): the attention filter leaves it out.
    assert (
        "工務局減碳對策" not in client.get("/console/programs/annual/tracked/?attention=1").content.decode()
    )
    response = client.get("/console/programs/annual/tracked/?format=xlsx")
    assert load_workbook(io.BytesIO(response.content))["列管事項"].max_row == 2


def test_tracked_item_form_errors_in_chinese(client, rdec_staff):
    _login(client, rdec_staff)
    response = client.post(
        "/console/programs/annual/tracked/",
        {
            "kind": "revitalisation_meeting",
            "title": "研商會議",
            "agency": Agency.objects.get(code=PUBLIC_WORKS).pk,
            "started_on": "113/03/01",
            "due_on": "113/02/01",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "預定完成日不可早於列管日" in page
    assert "會議及現勘請填寫辦理日期" in page
    assert not TrackedItem.objects.exists()


def test_import_page_lists_row_errors_and_writes_nothing(client, officer, open_round):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["計畫名稱", "施政目標", "實施內容", "關鍵績效指標", "預算（千元）"])
    book.active.append(["", "目標", "內容", "", "abc"])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "items.xlsx"
    client.force_login(officer)
    template = client.get(f"/console/programs/annual/plan/{open_round.year}/template.xlsx")
    assert template.status_code == 200
    response = client.post(
        f"/console/programs/annual/plan/{open_round.year}/",
        {"action": "import", "agency": Agency.objects.get(code=PUBLIC_WORKS).pk, "file": buffer},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "第 2 列「計畫名稱」欄：請填寫計畫名稱。" in page
    assert "未新增任何項目" in page
    assert not PlanItem.objects.exists()


def test_rdec_reschedules_a_tracked_item_on_its_page(client, rdec_staff):
    item = tracked_item_create(
        fields=TrackedItemFields(
            kind="just_transition",
            title="延期對策",
            agency=Agency.objects.get(code=PUBLIC_WORKS),
            started_on=date(2024, 3, 1),
            due_on=date(2024, 6, 30),
        ),
        user=rdec_staff,
    )
    client.force_login(rdec_staff)
    url = f"/console/programs/annual/tracked/{item.pk}/"
    response = client.post(url, {"action": "reschedule", "version": 1, "due_on": "113/12/31", "reason": ""})
    assert response.status_code == 400
    assert (
        client.post(
            url, {"action": "reschedule", "version": 1, "due_on": "113/12/31", "reason": "配合中央期程"}
        ).status_code
        == 302
    )
    item.refresh_from_db()
    assert item.due_on == date(2024, 12, 31)
    assert "配合中央期程" in client.get(url).content.decode()
