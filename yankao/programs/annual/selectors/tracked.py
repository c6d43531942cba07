"""Reads of tracked items (列管事項) with their overdue marks, as each user may see them."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet

from yankao.core.durations import deadline_from_rule
from yankao.core.exceptions import NotFoundError
from yankao.core.permissions import is_staff_member
from yankao.core.selectors.rules import rule_get
from yankao.programs.annual.models import TrackedItem
from yankao.programs.annual.permissions import AGENCY_ROLES, can_view_agency_records, reads_all


def tracked_items_visible(*, user: Any, kind: str = "", status: str = "") -> QuerySet[TrackedItem]:
    items = TrackedItem.objects.select_related("agency")
    if reads_all(user):
        pass
    elif is_staff_member(user) and user.role in AGENCY_ROLES and user.agency_id is not None:
        scope = user.agency.path
        items = items.filter(Q(agency__path=scope) | Q(agency__path__startswith=scope + "/"))
    else:
        return items.none()
    if kind:
        items = items.filter(kind=kind)
    if status:
        items = items.filter(status=status)
    # Open items first ("open" sorts after "done" and "cancelled"), the soonest due first.
    return items.order_by("-status", "due_on", "id")


def tracked_item_get(*, user: Any, item_id: int) -> TrackedItem:
    try:
        item = TrackedItem.objects.select_related("agency").get(pk=item_id)
    except TrackedItem.DoesNotExist:
        raise NotFoundError("找不到這件列管事項。") from None
    if not can_view_agency_records(user, item.agency):
        raise NotFoundError("找不到這件列管事項。")
    return item


@dataclass(frozen=True)
class TrackedMarks:
    """What needs attention on an item today: past its due date, or its periodic update late."""

    overdue: bool
    days_overdue: int
    next_update_on: date | None
    update_late: bool


def tracked_item_marks(*, item: TrackedItem, today: date) -> TrackedMarks:
    if item.status != TrackedItem.Status.OPEN:
        return TrackedMarks(overdue=False, days_overdue=0, next_update_on=None, update_late=False)
    since = item.last_update_on or item.started_on
    rule = rule_get(key="programs_annual.tracked_update_interval", qualifier=f"kind:{item.kind}", on=since)
    next_update = deadline_from_rule(rule=rule, start=since)
    assert isinstance(next_update, date)
    overdue = item.due_on < today
    return TrackedMarks(
        overdue=overdue,
        days_overdue=(today - item.due_on).days if overdue else 0,
        next_update_on=next_update,
        update_late=next_update < today,
    )


def revitalisation_events_count(*, date_from: date, date_to: date) -> int:
    """Revitalisation meetings and site visits held between two dates, both inclusive (the report's 14)."""
    return (
        TrackedItem.objects.filter(
            kind__in=[TrackedItem.Kind.REVITALISATION_MEETING, TrackedItem.Kind.REVITALISATION_VISIT],
            held_on__gte=date_from,
            held_on__lte=date_to,
        )
        .exclude(status=TrackedItem.Status.CANCELLED)
        .count()
    )
