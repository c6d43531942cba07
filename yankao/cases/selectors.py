"""Reads of cases. Every read that a person asks for takes the user and checks their scope."""

import base64
import time
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from yankao.cases.models import Case, CaseEvent, Category, Extension, StaffAlert
from yankao.cases.permissions import RDEC_ROLES, can_decide_extension, can_handle_case, can_view_case
from yankao.cases.services import (
    Petitioner,
    RouteSuggestion,
    case_reopen_last_day,
    route_suggest,
    tracking_code_matches,
)
from yankao.cases.workflow import (
    CLOCK_RUNNING_STATES,
    FINAL_STATES,
    OPEN_STATES,
    Action,
    State,
    transition_target,
)
from yankao.core.exceptions import ApplicationError, NotFoundError, PermissionDeniedError
from yankao.core.models import AuditAction, Role
from yankao.core.personal_data import personal_decrypt
from yankao.core.selectors.agencies import agency_subtree_ids
from yankao.core.selectors.rules import rule_get
from yankao.core.services.audit import audit_record_for
from yankao.core.working_days import add_working_days, taiwan_date

__all__ = ["RouteSuggestion", "case_reopen_last_day", "route_suggest"]


LIST_DEFERRED_FIELDS = (
    "description",
    "reply",
    "petitioner_name_encrypted",
    "petitioner_phone_encrypted",
    "petitioner_email_encrypted",
    "petitioner_address_encrypted",
    "category__keywords",
    "officer__password",
)


@dataclass(frozen=True)
class CasePage:
    # Cases, or dicts of the requested fields when the selector was given `values`.
    items: list[Any]
    next_cursor: str | None


def case_scope_agency_ids(*, user: Any) -> tuple[int, ...] | None:
    """The agencies whose cases a person may see: None for the whole city, () for none."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return ()
    if user.role in RDEC_ROLES or user.role == Role.AUDITOR:
        return None
    if user.role in (Role.OFFICER, Role.LIAISON) and user.agency_id:
        return agency_subtree_ids(agency_id=user.agency_id)
    return ()


def case_scope(*, user: Any) -> QuerySet[Case]:
    """The cases a person may see: their agency's subtree, or the whole city for city-wide roles."""
    agency_ids = case_scope_agency_ids(user=user)
    if agency_ids is None:
        return Case.objects.all()
    if not agency_ids:
        return Case.objects.none()
    return Case.objects.filter(agency_id__in=agency_ids)


def case_get_for_user(*, user: Any, case_id: int | None = None, number: str | None = None) -> Case:
    """The case, if the user may see it; a case outside their scope is 'not found', never 'forbidden',
    so that its existence is not revealed."""
    query = Case.objects.select_related("agency", "category", "officer", "district")
    case = (
        query.filter(pk=case_id).first()
        if case_id is not None
        else query.filter(number=(number or "").strip()).first()
    )
    if case is None or not can_view_case(user, case):
        raise NotFoundError("查無此案件，或您沒有檢視的權限。")
    return case


def case_list_for_user(
    *,
    user: Any,
    state: str | None = None,
    states: list[str] | None = None,
    category: str | None = None,
    channel: str | None = None,
    due: str | None = None,
    mine: bool = False,
    search: str = "",
    order: str = "due",
    after: str | None = None,
    limit: int = 50,
    today: date | None = None,
    values: tuple[str, ...] = (),
) -> CasePage:
    """The inbox: one page of cases in the user's scope, keyset-paginated (no COUNT over the table).

    order "due": soonest deadline first; "-received": newest first. `after` is the page's
    `next_cursor` from the previous page. With `values` (field paths such as "category__code"), the
    items are plain dicts of those fields instead of cases: the API's fast path.
    """
    today = today or taiwan_date(timezone.now())
    # A list shows no text bodies and no (encrypted) identity: leave them in the database.
    cases = case_scope(user=user).select_related("category", "agency", "officer").defer(*LIST_DEFERRED_FIELDS)
    if state:
        cases = cases.filter(state=state)
    elif states and set(states) != OPEN_STATES:
        # All the open states are `is_open` (a check constraint holds the two together): asking for
        # the flag alone lets PostgreSQL walk the open-cases index in deadline order and stop at a
        # page, where a state list makes it misjudge the rows, fetch them all and sort.
        cases = cases.filter(state__in=states)
    if (state and state in OPEN_STATES) or (not state and states and set(states) <= OPEN_STATES):
        cases = cases.filter(is_open=True)  # lets the database use the open-cases partial index
    if category:
        cases = cases.filter(category__code=category)
    if channel:
        cases = cases.filter(channel=channel)
    if mine:
        cases = cases.filter(officer=user)
    if search.strip():
        cases = cases.filter(number__startswith=search.strip().upper())
    if due == "overdue":
        cases = cases.filter(is_open=True, state__in=CLOCK_RUNNING_STATES, due_on__lt=today)
    elif due == "soon":
        horizon = due_soon_horizon(today=today)
        cases = cases.filter(
            is_open=True, state__in=CLOCK_RUNNING_STATES, due_on__gte=today, due_on__lte=horizon
        )
    elif due is not None and due != "":
        raise ApplicationError(f"不明的期限篩選「{due}」。")

    if order == "due":
        cases = cases.order_by("due_on", "id")
        if after:
            due_text, case_id = cursor_read(after)
            cursor_due = date.fromisoformat(due_text)
            cases = cases.filter(Q(due_on__gt=cursor_due) | Q(due_on=cursor_due, id__gt=case_id))
    elif order == "-received":
        cases = cases.order_by("-received_at", "-id")
        if after:
            received_text, case_id = cursor_read(after)
            cursor_received = datetime.fromisoformat(received_text)
            cases = cases.filter(
                Q(received_at__lt=cursor_received) | Q(received_at=cursor_received, id__lt=case_id)
            )
    else:
        raise ApplicationError(f"不明的排序方式「{order}」。")
    if values:
        dict_rows = list(cases.values(*{"id", "due_on", "received_at", *values})[: limit + 1])
        next_cursor = None
        if len(dict_rows) > limit:
            dict_rows = dict_rows[:limit]
            last_row = dict_rows[-1]
            key = last_row["due_on"].isoformat() if order == "due" else last_row["received_at"].isoformat()
            next_cursor = cursor_write(key, last_row["id"])
        return CasePage(items=dict_rows, next_cursor=next_cursor)
    rows = list(cases[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        key = last.due_on.isoformat() if order == "due" else last.received_at.isoformat()
        next_cursor = cursor_write(key, last.pk)
    return CasePage(items=rows, next_cursor=next_cursor)


def case_due_status(*, case: Case, today: date | None = None, horizon: date | None = None) -> str:
    """ "closed", "paused", "overdue", "due_soon" or "on_time". Pass `horizon` (from `due_soon_horizon`)
    when judging many cases on one day."""
    today = today or taiwan_date(timezone.now())
    return due_status_of(
        state=case.state, due_on=case.due_on, today=today, horizon=horizon or due_soon_horizon(today=today)
    )


def due_status_of(*, state: str, due_on: date, today: date, horizon: date) -> str:
    """case_due_status for a row of values (no Case instance)."""
    if state not in OPEN_STATES:
        return "closed"
    if state == State.WAITING_CITIZEN:
        return "paused"
    if due_on < today:
        return "overdue"
    return "due_soon" if due_on <= horizon else "on_time"


def due_soon_horizon(*, today: date) -> date:
    """The last due date that counts as due soon on `today` (rule petition.due_soon_notice)."""
    return add_working_days(today, int(rule_get(key="petition.due_soon_notice", on=today).value))


def case_petitioner_reveal(*, user: Any, case: Case, reason: str) -> Petitioner:
    """The petitioner's identity, for someone handling the case; the read is in the audit trail."""
    if not can_handle_case(user, case):
        raise PermissionDeniedError("只有承辦本案的人員可以檢視陳情人個人資料。")
    if not reason.strip():
        raise ApplicationError("檢視陳情人個人資料須說明理由。")
    audit_record_for(
        case,
        action=AuditAction.READ_PERSONAL,
        fields=["petitioner_name", "petitioner_phone", "petitioner_email", "petitioner_address"],
        detail={"reason": reason.strip()[:200]},
        actor=user,
    )
    return Petitioner(
        name=personal_decrypt(case.petitioner_name_encrypted),
        phone=personal_decrypt(case.petitioner_phone_encrypted),
        email=personal_decrypt(case.petitioner_email_encrypted),
        address=personal_decrypt(case.petitioner_address_encrypted),
        anonymous=case.is_anonymous,
        confidential=case.wants_confidentiality,
    )


@dataclass(frozen=True)
class PublicEvent:
    occurred_at: datetime
    note: str
    state_label: str


@dataclass(frozen=True)
class TrackedCase:
    """What the citizen sees on the tracking page: never the petitioner's personal data."""

    number: str
    state: str
    state_label: str
    category: str
    agency: str
    received_at: datetime
    due_on: date
    replied_at: datetime | None
    reply: str
    events: list[PublicEvent]
    can_reopen: bool
    reopen_until: date | None  # the last day to say "not resolved", while that is still possible
    can_answer_survey: bool


def case_track(*, number: str, tracking_code: str) -> TrackedCase:
    """The case by its number and tracking code; one message for a wrong number or a wrong code."""
    case = Case.objects.select_related("category", "agency").filter(number=number.strip().upper()).first()
    if case is None or not tracking_code_matches(case, tracking_code):
        raise NotFoundError("查無此案件，請確認案件編號與查詢碼。")
    events = [
        PublicEvent(
            occurred_at=event.occurred_at,
            note=event.note,
            state_label=str(State(event.to_state).label) if event.to_state else "",
        )
        for event in CaseEvent.objects.filter(case=case, public=True).order_by("occurred_at", "id")
    ]
    reopen_until = None
    if transition_target(state=case.state, action=Action.REOPEN) is not None and case.replied_at is not None:
        last_day = case_reopen_last_day(case=case)
        reopen_until = last_day if taiwan_date(timezone.now()) <= last_day else None
    return TrackedCase(
        number=case.number,
        state=case.state,
        state_label=str(State(case.state).label),
        category=case.category.name,
        agency=case.agency.name,
        received_at=case.received_at,
        due_on=case.due_on,
        replied_at=case.replied_at,
        reply=case.reply,
        events=events,
        can_reopen=reopen_until is not None,
        reopen_until=reopen_until,
        can_answer_survey=case.replied_at is not None
        and case.state not in (FINAL_STATES - {State.CLOSED})
        and not hasattr(case, "survey"),
    )


def extension_list_pending_for_user(*, user: Any) -> list[Extension]:
    """Extension requests waiting for this person's decision: a liaison's agency subtree, or all for RDEC."""
    pending = Extension.objects.filter(decision=Extension.Decision.PENDING).select_related(
        "case", "case__agency", "requested_by"
    )
    return [
        extension
        for extension in pending.filter(case__in=case_scope(user=user))
        if can_decide_extension(user, extension.case)
    ]


def category_list_active() -> list[Category]:
    return list(Category.objects.filter(is_active=True).select_related("default_agency"))


def cursor_write(key: str, case_id: int) -> str:
    """A page cursor: the last row's sort key and id, opaque to the client."""
    return base64.urlsafe_b64encode(f"{key}|{case_id}".encode()).decode().rstrip("=")


def cursor_read(cursor: str) -> tuple[str, int]:
    """The key and case id of a page cursor (`CasePage.next_cursor`)."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        key, _, case_id = raw.rpartition("|")
        return key, int(case_id)
    except (ValueError, UnicodeDecodeError) as error:
        raise ApplicationError("分頁參數有誤，請回到第一頁。") from error


def staff_alert_list_for_user(*, user: Any, limit: int = 10) -> list[StaffAlert]:
    """The person's unread reminders and escalations (稽催), newest first."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        StaffAlert.objects.filter(recipient=user, read_at__isnull=True)
        .select_related("case")
        .only("id", "kind", "created_at", "case__number", "case__subject", "case__due_on")
        .order_by("-created_at", "-id")[:limit]
    )


class _CategoryCache:
    """Active categories by code, with their default agency, kept per process: intake reads one per
    case. Edits are seen at once in this process (signals) and within RELOAD_SECONDS in others."""

    RELOAD_SECONDS = 30.0

    def __init__(self) -> None:
        self._by_code: dict[str, Category] | None = None
        self._loaded_at = 0.0

    def clear(self) -> None:
        self._by_code = None

    def get(self, code: str) -> Category | None:
        by_code = self._by_code
        if by_code is None or time.monotonic() - self._loaded_at > self.RELOAD_SECONDS:
            by_code = {
                category.code: category
                for category in Category.objects.filter(is_active=True).select_related("default_agency")
            }
            self._by_code, self._loaded_at = by_code, time.monotonic()
        return by_code.get(code)


category_cache = _CategoryCache()


def category_get_active(*, code: str) -> Category:
    """The active category with this code; NotFoundError naming the code otherwise."""
    category = category_cache.get(code)
    if category is None:
        raise NotFoundError(f"不明的類別代碼「{code}」。", extra={"category": code})
    return category
