"""Tracked items (列管事項) that are not programs: the RDEC lists them, owner agencies report on them.

The RDEC registers each agency's just-transition countermeasures (公正轉型對策), the local
revitalisation teams it supports and the meetings and site visits (地方創生) whose decisions it
follows up. The owner agency adds periodic updates (how often: a dated rule per kind); the RDEC
closes an item once done.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from yankao.core.exceptions import ApplicationError, ConflictError, PermissionDeniedError
from yankao.core.models import Agency, AuditAction
from yankao.core.services.audit import audit_record_for
from yankao.core.working_days import taiwan_date
from yankao.programs.annual.models import TrackedItem, TrackedItemUpdate
from yankao.programs.annual.permissions import acts_for_agency, is_rdec

EVENT_KINDS = (TrackedItem.Kind.REVITALISATION_MEETING, TrackedItem.Kind.REVITALISATION_VISIT)


class TrackedItemInvalidError(ApplicationError):
    def __init__(self, errors: dict[str, list[str]]) -> None:
        first = next(iter(errors.values()))[0]
        super().__init__(first, code="invalid", extra={"errors": errors})
        self.errors = errors


@dataclass(frozen=True)
class TrackedItemFields:
    kind: str
    title: str
    agency: Agency | None
    started_on: date | None
    due_on: date | None
    description: str = ""
    held_on: date | None = None
    location: str = ""


def tracked_item_create(*, fields: TrackedItemFields, user: Any) -> TrackedItem:
    """The RDEC puts a matter under tracking with its owner agency and due date."""
    if not is_rdec(user):
        raise PermissionDeniedError("只有研考會同仁可以新增列管事項。")
    errors: dict[str, list[str]] = {}
    if fields.kind not in TrackedItem.Kind.values:
        errors.setdefault("kind", []).append("請選擇列管事項的類別。")
    title = fields.title.strip()
    if not title:
        errors.setdefault("title", []).append("請填寫事項名稱。")
    elif len(title) > 200:
        errors.setdefault("title", []).append("事項名稱請在 200 字以內。")
    if fields.agency is None:
        errors.setdefault("agency", []).append("請選擇主辦機關。")
    if fields.started_on is None:
        errors.setdefault("started_on", []).append("請填寫列管日。")
    if fields.due_on is None:
        errors.setdefault("due_on", []).append("請填寫預定完成日。")
    elif fields.started_on is not None and fields.due_on < fields.started_on:
        errors.setdefault("due_on", []).append("預定完成日不可早於列管日。")
    if fields.kind in EVENT_KINDS and fields.held_on is None:
        errors.setdefault("held_on", []).append("會議及現勘請填寫辦理日期。")
    if errors:
        raise TrackedItemInvalidError(errors)
    assert fields.agency is not None
    assert fields.started_on is not None
    assert fields.due_on is not None
    with transaction.atomic():
        item = TrackedItem(
            kind=fields.kind,
            title=title,
            description=fields.description.strip(),
            agency=fields.agency,
            started_on=fields.started_on,
            due_on=fields.due_on,
            held_on=fields.held_on,
            location=fields.location.strip(),
        )
        item.full_clean()
        item.save()
        audit_record_for(
            item, action=AuditAction.CREATE, fields=["kind", "title", "agency", "due_on"], actor=user
        )
    return item


def tracked_item_update_add(
    *, item: TrackedItem, progress: str, user: Any, expected_version: int, reported_on: date | None = None
) -> TrackedItemUpdate:
    """The owner agency (or the RDEC on its behalf) reports what was done since the last update."""
    progress = progress.strip()
    if not progress:
        raise TrackedItemInvalidError({"progress": ["請填寫辦理情形。"]})
    today = taiwan_date(timezone.now())
    reported_on = reported_on or today
    if reported_on > today:
        raise TrackedItemInvalidError({"reported_on": ["回報日不可晚於今天。"]})
    with transaction.atomic():
        locked = _locked(item, expected_version=expected_version)
        if not (acts_for_agency(user, locked.agency) or is_rdec(user)):
            raise PermissionDeniedError("只有主辦機關或研考會可以回報這件列管事項。")
        if locked.status != TrackedItem.Status.OPEN:
            raise ApplicationError("這件事項已解除列管，不需再回報。")
        if reported_on < locked.started_on:
            raise TrackedItemInvalidError({"reported_on": ["回報日不可早於列管日。"]})
        update = TrackedItemUpdate.objects.create(
            item=locked, reported_on=reported_on, progress=progress, author=user
        )
        if locked.last_update_on is None or reported_on > locked.last_update_on:
            locked.last_update_on = reported_on
        locked.version += 1
        locked.save(update_fields=["last_update_on", "version", "updated_at"])
        audit_record_for(locked, action=AuditAction.UPDATE, fields=["updates"], actor=user)
    return update


def tracked_item_close(
    *,
    item: TrackedItem,
    user: Any,
    expected_version: int,
    completed_on: date | None = None,
    cancelled: bool = False,
) -> TrackedItem:
    """The RDEC closes an item: done (解除列管) or cancelled."""
    if not is_rdec(user):
        raise PermissionDeniedError("只有研考會同仁可以解除列管。")
    with transaction.atomic():
        locked = _locked(item, expected_version=expected_version)
        if locked.status != TrackedItem.Status.OPEN:
            raise ApplicationError("這件事項已解除列管。")
        completed_on = completed_on or taiwan_date(timezone.now())
        if completed_on < locked.started_on:
            raise TrackedItemInvalidError({"completed_on": ["完成日不可早於列管日。"]})
        locked.status = TrackedItem.Status.CANCELLED if cancelled else TrackedItem.Status.DONE
        locked.completed_on = completed_on
        locked.version += 1
        locked.save(update_fields=["status", "completed_on", "version", "updated_at"])
        audit_record_for(
            locked, action=AuditAction.TRANSITION, fields=["status"], detail={"to": locked.status}, actor=user
        )
    return locked


def tracked_item_reschedule(
    *, item: TrackedItem, due_on: date, reason: str, user: Any, expected_version: int
) -> TrackedItem:
    """The RDEC moves an item's due date (an approved extension); the reason goes into its updates."""
    if not is_rdec(user):
        raise PermissionDeniedError("只有研考會同仁可以調整預定完成日。")
    reason = reason.strip()
    if not reason:
        raise TrackedItemInvalidError({"reason": ["請說明調整預定完成日的理由。"]})
    with transaction.atomic():
        locked = _locked(item, expected_version=expected_version)
        if locked.status != TrackedItem.Status.OPEN:
            raise ApplicationError("這件事項已解除列管。")
        if due_on < locked.started_on:
            raise TrackedItemInvalidError({"due_on": ["預定完成日不可早於列管日。"]})
        previous = locked.due_on
        locked.due_on = due_on
        locked.version += 1
        locked.save(update_fields=["due_on", "version", "updated_at"])
        TrackedItemUpdate.objects.create(
            item=locked,
            reported_on=taiwan_date(timezone.now()),
            progress=f"預定完成日由 {previous.isoformat()} 調整為 {due_on.isoformat()}：{reason}",
            author=user,
        )
        audit_record_for(locked, action=AuditAction.UPDATE, fields=["due_on"], actor=user)
    return locked


def _locked(item: TrackedItem, *, expected_version: int) -> TrackedItem:
    locked = TrackedItem.objects.select_for_update().select_related("agency").get(pk=item.pk)
    if locked.version != expected_version:
        raise ConflictError(
            f"「{locked.title}」在您開啟後已有人更新；為免覆蓋，本次動作未執行。請重新載入後再操作。",
            extra={"current_version": locked.version},
        )
    return locked
