"""Reads of the audit trail, for auditors and RDEC system administrators only."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Literal

from django.utils import timezone

from yankao.core import audit_chain
from yankao.core.exceptions import InvalidDateError, PermissionDeniedError
from yankao.core.models import AuditEntry, AuditSeal
from yankao.core.permissions import can_read_audit_trail
from yankao.core.roc_dates import roc_date_parse

PAGE_LIMIT_MAX = 200

# sealed: in the chain and its content still matches its seal; altered: in the chain but changed
# since; pending: not sealed yet, within the tolerance; overdue: not sealed and older than that.
SealStatus = Literal["sealed", "altered", "pending", "overdue"]


@dataclass(frozen=True)
class AuditEntryRow:
    entry: AuditEntry
    seal_status: SealStatus
    seal_seq: int | None


@dataclass(frozen=True)
class AuditEntryPage:
    """One page, newest first. `older_before_id` is the `before_id` of the next (older) page, or None."""

    rows: list[AuditEntryRow]
    older_before_id: int | None


def audit_entry_list_for_user(
    *,
    user: Any,
    actor_username: str = "",
    action: str = "",
    target_type: str = "",
    target_id: str = "",
    date_from: date | str | None = None,
    date_to: date | str | None = None,
    before_id: int | None = None,
    limit: int = 50,
) -> AuditEntryPage:
    """Audit entries matching the filters, newest first, `limit` at a time below `before_id`.

    Dates are inclusive days in the city's time zone, as dates or as text (ISO or ROC, 113/03/31). Pages are cut by
    id (keyset), so a page costs the same on the first and the millionth entry and nothing counts
    the whole table. Raises PermissionDeniedError for anyone but auditors and RDEC admins.
    """
    if not can_read_audit_trail(user):
        raise PermissionDeniedError("只有稽核人員與研考會系統管理者可以查閱稽核紀錄。")
    entries = AuditEntry.objects.order_by("-id")
    if actor_username:
        entries = entries.filter(actor_username=actor_username)
    if action:
        entries = entries.filter(action=action)
    if target_type:
        entries = entries.filter(target_type=target_type)
    if target_id:
        entries = entries.filter(target_id=target_id)
    first_day = _date_parse(date_from, label="起日")
    last_day = _date_parse(date_to, label="迄日")
    if first_day and last_day and first_day > last_day:
        raise InvalidDateError("起日不可晚於迄日。")
    if first_day:
        entries = entries.filter(occurred_at__gte=_day_start(first_day))
    if last_day:
        entries = entries.filter(occurred_at__lt=_day_start(last_day + timedelta(days=1)))
    if before_id is not None:
        entries = entries.filter(id__lt=before_id)
    limit = max(1, min(limit, PAGE_LIMIT_MAX))
    page = list(entries[: limit + 1])
    older = page[limit - 1].pk if len(page) > limit else None
    page = page[:limit]
    return AuditEntryPage(rows=_rows_with_seal_status(page), older_before_id=older)


def _rows_with_seal_status(entries: list[AuditEntry]) -> list[AuditEntryRow]:
    seals = {seal.entry_id: seal for seal in AuditSeal.objects.filter(entry_id__in=[e.pk for e in entries])}
    overdue_before = timezone.now() - audit_chain.unsealed_tolerance()
    rows = []
    for entry in entries:
        seal = seals.get(entry.pk)
        status: SealStatus
        if seal is None:
            status = "overdue" if entry.occurred_at < overdue_before else "pending"
        else:
            # Only the entry's own hash: checking its link needs the whole chain (`yankao audit verify`).
            status = "sealed" if audit_chain.entry_hash(entry) == seal.entry_hash else "altered"
        rows.append(AuditEntryRow(entry=entry, seal_status=status, seal_seq=seal.seq if seal else None))
    return rows


def _date_parse(value: date | str | None, *, label: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    if not value.strip():
        return None
    try:
        return roc_date_parse(value)
    except InvalidDateError as error:
        raise InvalidDateError(f"{label}：{error.message}", extra=error.extra) from None


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))
