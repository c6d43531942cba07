"""The annual administrative plan (施政計畫): the preliminary round (先期作業), review and compilation.

Agencies draft and submit next year's items by the round's deadline; the RDEC returns an item with
a comment or accepts it; a returned item may be corrected and resubmitted after the deadline
(the deadline is for first submissions). Compiling needs every submitted item reviewed; the
approved plan is the accepted items in the agencies' order (core Agency.sort_order).
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from yankao.core.durations import deadline_from_rule
from yankao.core.exceptions import ApplicationError, ConflictError, PermissionDeniedError
from yankao.core.models import Agency, AuditAction
from yankao.core.selectors.rules import rule_get
from yankao.core.services.audit import audit_record_for
from yankao.core.working_days import taiwan_date
from yankao.programs.annual.models import PlanItem, PlanItemEvent, PlanRound
from yankao.programs.annual.permissions import acts_for_agency, is_rdec

_TITLE_MAX = 200
_EDITABLE = (PlanItem.Status.DRAFT, PlanItem.Status.RETURNED)


class PlanItemInvalidError(ApplicationError):
    """The item's fields do not pass; `errors` maps each field to its messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        first = next(iter(errors.values()))[0]
        super().__init__(first, code="invalid", extra={"errors": errors})
        self.errors = errors


@dataclass(frozen=True)
class PlanItemFields:
    title: str
    goal: str
    content: str
    indicators: str = ""
    budget_thousands: Decimal | int | str = 0


def plan_round_open(
    *, year: int, title: str, opens_on: date, user: Any, deadline: date | None = None
) -> PlanRound:
    """Open the preliminary round for plan year `year`; the deadline defaults to the rule's period."""
    if not is_rdec(user):
        raise PermissionDeniedError("只有研考會同仁可以開辦先期作業。")
    if PlanRound.objects.filter(year=year).exists():
        raise ApplicationError(f"{year - 1911}年度施政計畫先期作業已經開辦。")
    if deadline is None:
        rule = rule_get(key="programs_annual.preliminary_round_period", on=opens_on)
        computed = deadline_from_rule(rule=rule, start=opens_on)
        assert isinstance(computed, date)
        deadline = computed
    if deadline < opens_on:
        raise ApplicationError("提報截止日不可早於開始受理日。")
    with transaction.atomic():
        plan_round = PlanRound(year=year, title=title.strip(), opens_on=opens_on, deadline=deadline)
        plan_round.full_clean()
        plan_round.save()
        audit_record_for(
            plan_round, action=AuditAction.CREATE, fields=["year", "opens_on", "deadline"], actor=user
        )
    return plan_round


def plan_round_deadline_set(
    *, plan_round: PlanRound, deadline: date, user: Any, expected_version: int
) -> PlanRound:
    """Move the round's deadline (an extension announced to every agency)."""
    if not is_rdec(user):
        raise PermissionDeniedError("只有研考會同仁可以調整提報截止日。")
    with transaction.atomic():
        locked = _round_locked(plan_round, expected_version=expected_version)
        if locked.status != PlanRound.Status.OPEN:
            raise ApplicationError("先期作業已彙編，不能再調整提報截止日。")
        if deadline < locked.opens_on:
            raise ApplicationError("提報截止日不可早於開始受理日。")
        locked.deadline = deadline
        locked.version += 1
        locked.save(update_fields=["deadline", "version", "updated_at"])
        audit_record_for(locked, action=AuditAction.UPDATE, fields=["deadline"], actor=user)
    return locked


def plan_item_create(*, plan_round: PlanRound, agency: Agency, fields: PlanItemFields, user: Any) -> PlanItem:
    """An agency drafts an item of its part of the plan (not yet submitted)."""
    if not acts_for_agency(user, agency):
        raise PermissionDeniedError("您只能為本機關提報施政計畫項目。")
    cleaned = plan_item_fields_clean(fields)
    with transaction.atomic():
        locked_round = PlanRound.objects.select_for_update().get(pk=plan_round.pk)
        if locked_round.status != PlanRound.Status.OPEN:
            raise ApplicationError("先期作業已彙編，不再受理新的項目。")
        last = PlanItem.objects.filter(plan_round=locked_round, agency=agency).order_by("-sequence").first()
        item = PlanItem(
            plan_round=locked_round,
            agency=agency,
            sequence=(last.sequence + 1) if last else 1,
            created_by=user,
            **cleaned,
        )
        item.full_clean()
        item.save()
        _event(item, action=PlanItemEvent.Action.CREATE, user=user)
        audit_record_for(item, action=AuditAction.CREATE, fields=list(cleaned), actor=user)
    return item


def plan_item_update(*, item: PlanItem, fields: PlanItemFields, user: Any, expected_version: int) -> PlanItem:
    """Correct a draft or a returned item."""
    cleaned = plan_item_fields_clean(fields)
    with transaction.atomic():
        locked = _item_locked(item, expected_version=expected_version)
        _agency_check(locked, user)
        if locked.status not in _EDITABLE:
            raise ApplicationError(
                f"項目狀態為「{PlanItem.Status(locked.status).label}」，只有草稿或退回修正的項目可以修改。"
            )
        changed = [name for name, value in cleaned.items() if getattr(locked, name) != value]
        if not changed:
            return locked  # nothing to record: submitting an unchanged draft is not an edit
        for name in changed:
            setattr(locked, name, cleaned[name])
        locked.version += 1
        locked.full_clean()
        locked.save()
        labels = "、".join(
            str(getattr(PlanItem._meta.get_field(name), "verbose_name", name)) for name in changed
        )
        _event(locked, action=PlanItemEvent.Action.EDIT, user=user, note=labels)
        audit_record_for(locked, action=AuditAction.UPDATE, fields=changed, actor=user)
    return locked


def plan_item_submit(*, item: PlanItem, user: Any, expected_version: int) -> PlanItem:
    """Submit (or resubmit after a return) an item to the RDEC.

    A first submission after the deadline is refused; a returned item may be resubmitted after
    it, since the RDEC asked for the correction.
    """
    with transaction.atomic():
        locked = _item_locked(item, expected_version=expected_version)
        _agency_check(locked, user)
        plan_round = locked.plan_round
        if plan_round.status != PlanRound.Status.OPEN:
            raise ApplicationError("先期作業已彙編，不再受理提報。")
        if locked.status not in _EDITABLE:
            raise ApplicationError(f"項目狀態為「{PlanItem.Status(locked.status).label}」，不能提報。")
        today = taiwan_date(timezone.now())
        if locked.status == PlanItem.Status.DRAFT and today > plan_round.deadline:
            raise ApplicationError(
                f"提報截止日（民國{plan_round.deadline.year - 1911}年{plan_round.deadline.month}月"
                f"{plan_round.deadline.day}日）已過，不能再提報新項目；如需補提，請洽研考會延長截止日。"
            )
        resubmission = locked.status == PlanItem.Status.RETURNED
        locked.status = PlanItem.Status.SUBMITTED
        locked.submitted_at = timezone.now()
        locked.version += 1
        locked.save(update_fields=["status", "submitted_at", "version", "updated_at"])
        _event(locked, action=PlanItemEvent.Action.SUBMIT, user=user, note="重新提報" if resubmission else "")
        audit_record_for(
            locked, action=AuditAction.TRANSITION, fields=["status"], detail={"to": "submitted"}, actor=user
        )
    return locked


def plan_item_withdraw(*, item: PlanItem, user: Any, expected_version: int) -> PlanItem:
    """The agency takes back an item it no longer proposes."""
    with transaction.atomic():
        locked = _item_locked(item, expected_version=expected_version)
        _agency_check(locked, user)
        if locked.status == PlanItem.Status.ACCEPTED or locked.plan_round.status != PlanRound.Status.OPEN:
            raise ApplicationError("已採納或已彙編的項目不能撤回，請洽研考會。")
        return _transition(
            locked, to=PlanItem.Status.WITHDRAWN, action=PlanItemEvent.Action.WITHDRAW, user=user
        )


def plan_item_return(*, item: PlanItem, comment: str, user: Any, expected_version: int) -> PlanItem:
    """The RDEC sends a submitted item back for correction, saying what to correct."""
    if not is_rdec(user):
        raise PermissionDeniedError("只有研考會同仁可以審查施政計畫項目。")
    comment = comment.strip()
    if not comment:
        raise PlanItemInvalidError({"comment": ["退回修正時請填寫審查意見，讓機關知道要修正什麼。"]})
    with transaction.atomic():
        locked = _item_locked(item, expected_version=expected_version)
        _review_check(locked)
        locked.review_comment = comment
        return _transition(
            locked, to=PlanItem.Status.RETURNED, action=PlanItemEvent.Action.RETURN, user=user, note=comment
        )


def plan_item_accept(*, item: PlanItem, user: Any, expected_version: int, comment: str = "") -> PlanItem:
    """The RDEC accepts a submitted item into the plan."""
    if not is_rdec(user):
        raise PermissionDeniedError("只有研考會同仁可以審查施政計畫項目。")
    with transaction.atomic():
        locked = _item_locked(item, expected_version=expected_version)
        _review_check(locked)
        locked.review_comment = comment.strip()
        return _transition(
            locked,
            to=PlanItem.Status.ACCEPTED,
            action=PlanItemEvent.Action.ACCEPT,
            user=user,
            note=comment.strip(),
        )


def plan_round_compile(*, plan_round: PlanRound, user: Any, expected_version: int) -> PlanRound:
    """Close the round: every submitted item must have been reviewed; the accepted ones form the plan."""
    if not is_rdec(user):
        raise PermissionDeniedError("只有研考會同仁可以彙編施政計畫。")
    with transaction.atomic():
        locked = _round_locked(plan_round, expected_version=expected_version)
        if locked.status != PlanRound.Status.OPEN:
            raise ApplicationError(f"先期作業狀態為「{PlanRound.Status(locked.status).label}」，不能再彙編。")
        pending = locked.items.filter(status=PlanItem.Status.SUBMITTED).count()
        if pending:
            raise ApplicationError(f"尚有 {pending} 件已提報的項目未審查；請全部採納或退回後再彙編。")
        if not locked.items.filter(status=PlanItem.Status.ACCEPTED).exists():
            raise ApplicationError("尚無採納的項目，無法彙編。")
        locked.status = PlanRound.Status.COMPILED
        locked.compiled_at = timezone.now()
        locked.version += 1
        locked.save(update_fields=["status", "compiled_at", "version", "updated_at"])
        audit_record_for(
            locked, action=AuditAction.TRANSITION, fields=["status"], detail={"to": "compiled"}, actor=user
        )
    return locked


def plan_round_approve(
    *, plan_round: PlanRound, approved_on: date, user: Any, expected_version: int
) -> PlanRound:
    """Record the plan's approval (核定本); the document then prints as approved."""
    if not is_rdec(user):
        raise PermissionDeniedError("只有研考會同仁可以登錄核定。")
    with transaction.atomic():
        locked = _round_locked(plan_round, expected_version=expected_version)
        if locked.status != PlanRound.Status.COMPILED:
            raise ApplicationError("施政計畫須先彙編才能登錄核定。")
        if approved_on < locked.opens_on:
            raise ApplicationError("核定日不可早於先期作業開始受理日。")
        locked.status = PlanRound.Status.APPROVED
        locked.approved_on = approved_on
        locked.version += 1
        locked.save(update_fields=["status", "approved_on", "version", "updated_at"])
        audit_record_for(
            locked,
            action=AuditAction.TRANSITION,
            fields=["status", "approved_on"],
            detail={"to": "approved"},
            actor=user,
        )
    return locked


# --- helpers --------------------------------------------------------------------------------------


def plan_item_fields_clean(fields: PlanItemFields) -> dict[str, Any]:
    """The item's fields trimmed and typed; PlanItemInvalidError lists every field that fails."""
    errors: dict[str, list[str]] = {}
    title, goal, content = fields.title.strip(), fields.goal.strip(), fields.content.strip()
    if not title:
        errors.setdefault("title", []).append("請填寫計畫名稱。")
    elif len(title) > _TITLE_MAX:
        errors.setdefault("title", []).append(f"計畫名稱請在 {_TITLE_MAX} 字以內。")
    if not goal:
        errors.setdefault("goal", []).append("請填寫施政目標。")
    if not content:
        errors.setdefault("content", []).append("請填寫實施內容。")
    try:
        budget = Decimal(str(fields.budget_thousands).replace(",", "").strip() or "0")
    except InvalidOperation:
        budget = None
    if budget is None or not budget.is_finite() or budget < 0 or budget != budget.to_integral_value():
        errors.setdefault("budget_thousands", []).append("預算請填不小於 0 的整數（單位：千元）。")
    elif budget >= Decimal(10) ** 14:
        errors.setdefault("budget_thousands", []).append("預算金額過大，請確認單位為千元。")
    if errors:
        raise PlanItemInvalidError(errors)
    assert budget is not None
    return {
        "title": title,
        "goal": goal,
        "content": content,
        "indicators": fields.indicators.strip(),
        "budget_thousands": budget,
    }


def _item_locked(item: PlanItem, *, expected_version: int) -> PlanItem:
    locked = PlanItem.objects.select_for_update().select_related("plan_round", "agency").get(pk=item.pk)
    if locked.version != expected_version:
        last = locked.events.select_related("actor").order_by("-occurred_at", "-id").first()
        who = f"{last.actor}於{timezone.localtime(last.occurred_at):%H:%M}" if last else "他人"
        raise ConflictError(
            f"「{locked.title}」在您開啟後已由{who}更新（目前狀態：{PlanItem.Status(locked.status).label}）；"
            "為免覆蓋，本次動作未執行。請重新載入後再操作。",
            extra={"current_version": locked.version},
        )
    return locked


def _round_locked(plan_round: PlanRound, *, expected_version: int) -> PlanRound:
    locked = PlanRound.objects.select_for_update().get(pk=plan_round.pk)
    if locked.version != expected_version:
        raise ConflictError(
            f"「{locked.title}」在您開啟後已有人更新（目前狀態：{PlanRound.Status(locked.status).label}）；"
            "本次動作未執行，請重新載入。",
            extra={"current_version": locked.version},
        )
    return locked


def _agency_check(item: PlanItem, user: Any) -> None:
    if not acts_for_agency(user, item.agency):
        raise PermissionDeniedError("您只能修改或提報本機關的施政計畫項目。")


def _review_check(item: PlanItem) -> None:
    if item.plan_round.status != PlanRound.Status.OPEN:
        raise ApplicationError("先期作業已彙編，不能再審查。")
    if item.status != PlanItem.Status.SUBMITTED:
        raise ApplicationError(
            f"項目狀態為「{PlanItem.Status(item.status).label}」，只有已提報的項目可以審查。"
        )


def _transition(item: PlanItem, *, to: str, action: str, user: Any, note: str = "") -> PlanItem:
    item.status = to
    item.version += 1
    item.save(update_fields=["status", "review_comment", "version", "updated_at"])
    _event(item, action=action, user=user, note=note)
    audit_record_for(item, action=AuditAction.TRANSITION, fields=["status"], detail={"to": to}, actor=user)
    return item


def _event(item: PlanItem, *, action: str, user: Any, note: str = "") -> None:
    PlanItemEvent.objects.create(item=item, action=action, actor=user, occurred_at=timezone.now(), note=note)
