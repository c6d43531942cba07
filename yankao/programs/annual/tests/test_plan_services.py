from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from yankao.core.exceptions import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from yankao.core.models import AuditEntry
from yankao.core.working_days import taiwan_date
from yankao.programs.annual.models import PlanItem, PlanItemEvent, PlanRound
from yankao.programs.annual.selectors.plan import plan_content, plan_item_get, plan_items_visible
from yankao.programs.annual.services.plan import (
    PlanItemFields,
    PlanItemInvalidError,
    plan_item_accept,
    plan_item_create,
    plan_item_return,
    plan_item_submit,
    plan_item_update,
    plan_round_approve,
    plan_round_compile,
    plan_round_deadline_set,
    plan_round_open,
)

pytestmark = pytest.mark.django_db

FIELDS = PlanItemFields(
    title="推動人本交通道路改善",
    goal="改善人行環境，提升行人安全。",
    content="辦理人行道拓寬及無障礙坡道改善。",
    indicators="完成人行道改善 12 公里",
    budget_thousands="150,000",
)


def _submitted(round_, agency, user):
    item = plan_item_create(plan_round=round_, agency=agency, fields=FIELDS, user=user)
    return plan_item_submit(item=item, user=user, expected_version=item.version)


def test_round_deadline_defaults_to_the_rules_period_rolled_past_rest_days(rdec_staff):
    plan_round = plan_round_open(
        year=2025, title="114年度施政計畫先期作業", opens_on=date(2024, 2, 15), user=rdec_staff
    )
    # 30 calendar days after 2024-02-15 is Sunday 2024-03-16 → Monday 18 (§48 IV).
    assert plan_round.deadline == date(2024, 3, 18)


def test_only_rdec_opens_a_round(officer):
    with pytest.raises(PermissionDeniedError):
        plan_round_open(year=2025, title="x", opens_on=date(2024, 2, 15), user=officer)


def test_officer_drafts_and_submits_an_item_of_their_agency(officer, open_round, public_works):
    item = plan_item_create(plan_round=open_round, agency=public_works, fields=FIELDS, user=officer)
    assert item.status == PlanItem.Status.DRAFT
    assert item.budget_thousands == Decimal(150000)
    item = plan_item_submit(item=item, user=officer, expected_version=item.version)
    assert item.status == PlanItem.Status.SUBMITTED
    assert (
        AuditEntry.objects.filter(target_type="programs_annual.planitem", target_id=str(item.pk)).count() == 2
    )


def test_officer_cannot_submit_for_another_agency(officer, open_round, environment):
    with pytest.raises(PermissionDeniedError):
        plan_item_create(plan_round=open_round, agency=environment, fields=FIELDS, user=officer)


def test_other_agency_neither_sees_nor_edits_the_item(
    officer, officer_of_other_agency, open_round, public_works
):
    item = plan_item_create(plan_round=open_round, agency=public_works, fields=FIELDS, user=officer)
    assert list(plan_items_visible(user=officer_of_other_agency, plan_round=open_round)) == []
    with pytest.raises(NotFoundError):
        plan_item_get(user=officer_of_other_agency, item_id=item.pk)
    with pytest.raises(PermissionDeniedError):
        plan_item_update(
            item=item, fields=FIELDS, user=officer_of_other_agency, expected_version=item.version
        )


def test_bad_fields_are_refused_with_a_message_per_field_and_nothing_written(
    officer, open_round, public_works
):
    with pytest.raises(PlanItemInvalidError) as error:
        plan_item_create(
            plan_round=open_round,
            agency=public_works,
            fields=PlanItemFields(title=" ", goal="", content="x", budget_thousands="-3"),
            user=officer,
        )
    assert set(error.value.errors) == {"title", "goal", "budget_thousands"}
    assert "千元" in error.value.errors["budget_thousands"][0]
    assert not PlanItem.objects.exists()


def test_first_submission_after_the_deadline_is_refused_but_a_returned_item_may_come_back(
    officer, rdec_staff, open_round, public_works
):
    item = _submitted(open_round, public_works, officer)
    late = plan_item_create(plan_round=open_round, agency=public_works, fields=FIELDS, user=officer)
    item = plan_item_return(
        item=item, comment="請補充量化指標。", user=rdec_staff, expected_version=item.version
    )
    PlanRound.objects.filter(pk=open_round.pk).update(
        deadline=taiwan_date(timezone.now()) - timedelta(days=1)
    )
    with pytest.raises(ApplicationError, match="截止日"):
        plan_item_submit(item=late, user=officer, expected_version=late.version)
    corrected = PlanItemFields(
        **{**FIELDS.__dict__, "indicators": "完成人行道改善 12 公里；無障礙坡道 300 處"}
    )
    item = plan_item_update(item=item, fields=corrected, user=officer, expected_version=item.version)
    # saving again with nothing changed records nothing and keeps the version
    assert (
        plan_item_update(item=item, fields=corrected, user=officer, expected_version=item.version).version
        == item.version
    )
    item = plan_item_submit(item=item, user=officer, expected_version=item.version)
    assert item.status == PlanItem.Status.SUBMITTED
    events = list(item.events.values_list("action", "note"))
    assert [action for action, _ in events] == ["create", "submit", "return", "edit", "submit"]
    assert events[3][1] == "關鍵績效指標"  # the edit names the fields changed, in Chinese


def test_return_needs_a_comment_and_only_rdec_reviews(officer, rdec_staff, auditor, open_round, public_works):
    item = _submitted(open_round, public_works, officer)
    with pytest.raises(PlanItemInvalidError):
        plan_item_return(item=item, comment=" ", user=rdec_staff, expected_version=item.version)
    for user in (officer, auditor):
        with pytest.raises(PermissionDeniedError):
            plan_item_accept(item=item, user=user, expected_version=item.version)
    item.refresh_from_db()
    assert item.status == PlanItem.Status.SUBMITTED


def test_a_stale_version_is_refused_and_nothing_is_lost(officer, liaison, open_round, public_works):
    item = plan_item_create(plan_round=open_round, agency=public_works, fields=FIELDS, user=officer)
    seen = item.version
    plan_item_update(
        item=item,
        fields=PlanItemFields(**{**FIELDS.__dict__, "title": "聯絡人改的名稱"}),
        user=liaison,
        expected_version=seen,
    )
    with pytest.raises(ConflictError, match="已由"):
        plan_item_update(item=item, fields=FIELDS, user=officer, expected_version=seen)
    item.refresh_from_db()
    assert item.title == "聯絡人改的名稱"


def test_compile_waits_for_every_review_then_approval_gives_the_plan_in_agency_order(
    officer, officer_of_other_agency, rdec_staff, open_round, public_works, environment
):
    environment_item = _submitted(open_round, environment, officer_of_other_agency)
    works_item = _submitted(open_round, public_works, officer)
    with pytest.raises(ApplicationError, match="未審查"):
        plan_round_compile(plan_round=open_round, user=rdec_staff, expected_version=open_round.version)
    plan_item_accept(item=environment_item, user=rdec_staff, expected_version=environment_item.version)
    plan_item_accept(item=works_item, user=rdec_staff, expected_version=works_item.version)
    compiled = plan_round_compile(plan_round=open_round, user=rdec_staff, expected_version=open_round.version)
    assert compiled.status == PlanRound.Status.COMPILED
    with pytest.raises(ApplicationError):
        plan_item_create(plan_round=compiled, agency=public_works, fields=FIELDS, user=officer)
    approved = plan_round_approve(
        plan_round=compiled,
        approved_on=compiled.opens_on + timedelta(days=60),
        user=rdec_staff,
        expected_version=compiled.version,
    )
    content = plan_content(plan_round=approved)
    # 工務局 (sort order 10) before 環境保護局 (17) whatever the order of submission.
    assert [s.agency_name for s in content.sections] == ["高雄市政府工務局", "高雄市政府環境保護局"]
    assert content.is_approved
    assert content.budget_thousands == Decimal(300000)


def test_deadline_extension_by_rdec_checks_the_version(rdec_staff, rdec_admin, open_round):
    new_deadline = open_round.deadline + timedelta(days=7)
    plan_round_deadline_set(plan_round=open_round, deadline=new_deadline, user=rdec_admin, expected_version=1)
    with pytest.raises(ConflictError):
        plan_round_deadline_set(
            plan_round=open_round, deadline=new_deadline, user=rdec_staff, expected_version=1
        )
    assert PlanItemEvent.objects.count() == 0
