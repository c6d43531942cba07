"""Reads of the 1999 calls: the caller lookup, who may see which call, and the call statistics.

Who sees calls: the operators, RDEC staff and the auditor city-wide; an agency's officers and
liaisons only the calls behind the cases dispatched to their agency (through those cases). Lists
show the caller's number masked; only the caller lookup reads by the number itself (its digest),
and each lookup is written to the audit trail.

Statistics count calls by the Taiwan date and hour stored on each call (`started_on`,
`started_hour`): one GROUP BY over a covering index returns at most a few tens of thousands of
(day, category, outcome) cells for a year of 860,000 calls, folded into months here.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet, Sum

from yankao.cases.kinds import case_kinds
from yankao.cases.models import Case, Category
from yankao.cases.selectors import case_get_for_user
from yankao.cases.workflow import State
from yankao.core.exceptions import InvalidDateError, NotFoundError, PermissionDeniedError
from yankao.core.models import AuditAction, Role
from yankao.core.personal_data import personal_digest, phone_normalise
from yankao.core.report_registry import ReportPeriod
from yankao.core.roc_dates import TAIWAN
from yankao.core.selectors.agencies import agency_subtree_ids
from yankao.core.services.audit import audit_record
from yankao.core.working_days import taiwan_date
from yankao.servicedesk.models import Call, CallOutcome

CALL_READERS = frozenset({Role.OPERATOR, Role.RDEC_STAFF, Role.RDEC_ADMIN, Role.AUDITOR})
CALLER_LOOKUP_ROLES = frozenset({Role.OPERATOR})
HISTORY_LIMIT = 10
OUTCOMES = tuple(CallOutcome)


# --- results ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CallerCall:
    started_at: datetime
    category: str
    outcome: str
    summary: str
    case_number: str


@dataclass(frozen=True, slots=True)
class CallerCase:
    case_id: int
    number: str
    kind: str
    subject: str
    state: str
    is_open: bool
    agency: str
    received_at: datetime
    due_on: date


@dataclass(frozen=True)
class CallerHistory:
    phone_masked: str
    calls: list[CallerCall]
    cases: list[CallerCase]

    @property
    def is_known(self) -> bool:
        return bool(self.calls or self.cases)


@dataclass
class OutcomeCounts:
    """Counts of calls by outcome, and their total."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CallOutcome.values, 0))

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def add(self, outcome: str, count: int) -> None:
        self.counts[outcome] = self.counts.get(outcome, 0) + count

    def share(self, outcome: str) -> float:
        return round(100 * self.counts.get(outcome, 0) / self.total, 1) if self.total else 0.0


@dataclass(frozen=True)
class CallMonth:
    first: date
    last: date
    outcomes: OutcomeCounts


@dataclass(frozen=True)
class CallCategory:
    code: str
    name: str
    outcomes: OutcomeCounts


@dataclass(frozen=True)
class CallStatistics:
    first: date
    last: date
    months: list[CallMonth]
    categories: list[CallCategory]  # most calls first
    hours: list[int]  # 24 counts, by the Taiwan hour the call started
    outcomes: OutcomeCounts
    average_duration_seconds: float

    @property
    def total(self) -> int:
        return self.outcomes.total

    @property
    def monthly_average(self) -> int:
        """Calls per month: the total over the months the period touches (71,725 for 2023's 860,696)."""
        return round(self.total / len(self.months)) if self.months else 0

    @property
    def busiest_hours(self) -> list[int]:
        """The three hours with the most calls, busiest first."""
        return sorted(range(24), key=lambda hour: (-self.hours[hour], hour))[:3]


@dataclass(frozen=True)
class LiveBoard:
    """The live dashboard: today's calls so far, the last hour, and the same weekday's usual."""

    today: date
    now: datetime
    outcomes: OutcomeCounts
    hours: list[int]
    last_hour: int
    average_duration_seconds: float
    categories: list[tuple[str, int]]
    open_dispatches: int


# --- the caller lookup and who sees which call ---------------------------------------------------


def caller_history(*, user: Any, phone: str, limit: int = HISTORY_LIMIT) -> CallerHistory | None:
    """A caller's earlier calls and cases, newest first, found by the digest of the number's digits.

    None when the number is not a whole phone number yet (the console asks as the operator types).
    The lookup links a number to its cases: it is written to the audit trail.
    """
    _require(user, CALLER_LOOKUP_ROLES, "只有1999話務員可以查詢來電者紀錄。")
    digits = phone_normalise(phone)
    # A mobile number is whole at 10 digits (09 + 8); a landline at 9 or 10 with its area code.
    whole = (
        len(digits) == 10 if digits.startswith("09") else digits.startswith("0") and 9 <= len(digits) <= 10
    )
    if not whole:
        return None
    digest = personal_digest(digits)
    calls = [
        CallerCall(
            started_at=row["started_at"],
            category=row["category__name"],
            outcome=str(CallOutcome(row["outcome"]).label),
            summary=row["summary"][:80],
            case_number=row["case__number"] or "",
        )
        for row in Call.objects.filter(caller_phone_digest=digest)
        .order_by("-started_at", "-id")
        .values("started_at", "category__name", "outcome", "summary", "case__number")[:limit]
    ]
    cases = [
        CallerCase(
            case_id=row["id"],
            number=row["number"],
            kind=case_kinds.get(row["kind"]).label if row["kind"] in case_kinds else row["kind"],
            subject=row["subject"],
            state=str(State(row["state"]).label),
            is_open=row["is_open"],
            agency=row["agency__name"],
            received_at=row["received_at"],
            due_on=row["due_on"],
        )
        for row in Case.objects.filter(petitioner_phone_digest=digest)
        .order_by("-received_at", "-id")
        .values(
            "id", "number", "kind", "subject", "state", "is_open", "agency__name", "received_at", "due_on"
        )[:limit]
    ]
    audit_record(
        action=AuditAction.READ_PERSONAL,
        target_type="servicedesk.caller",
        fields=["caller_phone_digest", "petitioner_phone_digest"],
        detail={"calls": len(calls), "cases": len(cases)},
        actor=user,
    )
    masked = digits[:4] + "*" * (len(digits) - 7) + digits[-3:]
    return CallerHistory(phone_masked=masked, calls=calls, cases=cases)


def call_scope(*, user: Any) -> QuerySet[Call]:
    """The calls a person may see: all for call readers, else those behind the cases they may see."""
    if not (getattr(user, "is_authenticated", False) and user.is_active):
        return Call.objects.none()
    if user.role in CALL_READERS:
        return Call.objects.all()
    if user.role in (Role.OFFICER, Role.LIAISON) and user.agency_id:
        # The cases' own scope (cases.selectors.case_scope): the agency's subtree. A join, not an
        # IN over the agency's cases: half the time on a year of calls.
        return Call.objects.filter(case__agency_id__in=agency_subtree_ids(agency_id=user.agency_id))
    return Call.objects.none()


def call_get_for_user(*, user: Any, call_id: int) -> Call:
    """The call, if the user may see it; otherwise 'not found', so its existence is not revealed."""
    call = call_scope(user=user).select_related("category", "case", "operator").filter(pk=call_id).first()
    if call is None:
        raise NotFoundError("查無此來電紀錄，或您沒有檢視的權限。")
    return call


def call_list_for_case(*, user: Any, case_id: int) -> list[Call]:
    """The calls that became this case (or were about it), for whoever may see the case."""
    case = case_get_for_user(user=user, case_id=case_id)
    return list(Call.objects.filter(case=case).select_related("category").order_by("started_at", "id"))


def call_list_for_user(
    *,
    user: Any,
    first: date | None = None,
    last: date | None = None,
    outcome: str | None = None,
    before_id: int | None = None,
    limit: int = 50,
) -> list[Call]:
    """A page of calls the user may see, newest first (keyset on id: no COUNT over 860,000 rows)."""
    calls = call_scope(user=user)
    if first is not None:
        calls = calls.filter(started_on__gte=first)
    if last is not None:
        calls = calls.filter(started_on__lte=last)
    if outcome:
        calls = calls.filter(outcome=outcome)
    if before_id is not None:
        calls = calls.filter(pk__lt=before_id)
    # The page's ids first (an index-only sort), then its rows: sorting whole rows of an agency's
    # thousands of calls cost three times as much.
    ids = list(calls.order_by("-id").values_list("pk", flat=True)[: max(1, min(limit, 200))])
    return list(Call.objects.filter(pk__in=ids).select_related("category", "case").order_by("-id"))


def hotline_category_list() -> list[Category]:
    """The categories an operator picks from, in the list's order."""
    return list(Category.objects.filter(is_active=True).order_by("sort_order", "code"))


def hotline_category_match(*, text: str) -> Category | None:
    """The active category whose code or name is `text` (what the console's search box holds)."""
    text = text.strip()
    if not text:
        return None
    return Category.objects.filter(Q(code=text) | Q(name=text), is_active=True).first()


def _require(user: Any, roles: frozenset[str], message: str) -> None:
    if not (getattr(user, "is_authenticated", False) and user.is_active and user.role in roles):
        raise PermissionDeniedError(message)


# --- statistics ---------------------------------------------------------------------------------


def call_count(*, first: date, last: date) -> int:
    _period_check(first=first, last=last)
    return Call.objects.filter(started_on__gte=first, started_on__lte=last).count()


def call_statistics(*, first: date, last: date) -> CallStatistics:
    """Calls from `first` to `last` (Taiwan dates, inclusive) by month, category, outcome and hour."""
    _period_check(first=first, last=last)
    calls = Call.objects.filter(started_on__gte=first, started_on__lte=last).order_by()
    spans = ReportPeriod(date_from=first, date_to=last).month_spans()
    month_of = {(a.year, a.month): index for index, (a, _) in enumerate(spans)}
    months = [CallMonth(a, b, OutcomeCounts()) for a, b in spans]
    by_category: dict[int, OutcomeCounts] = defaultdict(OutcomeCounts)
    total = OutcomeCounts()
    seconds = 0
    for row in calls.values_list("started_on", "category_id", "outcome").annotate(
        n=Count("*"), seconds=Sum("duration_seconds")
    ):
        day, category_id, outcome, count, duration = row
        months[month_of[(day.year, day.month)]].outcomes.add(outcome, count)
        by_category[category_id].add(outcome, count)
        total.add(outcome, count)
        seconds += duration or 0
    hours = [0] * 24
    for hour, count in calls.values_list("started_hour").annotate(n=Count("*")):
        hours[hour] = count
    names = dict(Category.objects.filter(pk__in=list(by_category)).values_list("pk", "name"))
    codes = dict(Category.objects.filter(pk__in=list(by_category)).values_list("pk", "code"))
    categories = sorted(
        (CallCategory(code=codes[pk], name=names[pk], outcomes=counts) for pk, counts in by_category.items()),
        key=lambda row: (-row.outcomes.total, row.code),
    )
    return CallStatistics(
        first=first,
        last=last,
        months=months,
        categories=categories,
        hours=hours,
        outcomes=total,
        average_duration_seconds=seconds / total.total if total.total else 0.0,
    )


def hotline_live_board(*, user: Any, now: datetime | None = None) -> LiveBoard:
    """Today's calls as they come in, for the operators and the RDEC."""
    _require(
        user,
        frozenset({Role.OPERATOR, Role.RDEC_STAFF, Role.RDEC_ADMIN, Role.AUDITOR}),
        "只有1999話務員與研考會同仁可以檢視話務即時看板。",
    )
    now = now or datetime.now(tz=TAIWAN)
    today = taiwan_date(now)
    calls = Call.objects.filter(started_on=today).order_by()
    outcomes = OutcomeCounts()
    for outcome, count in calls.values_list("outcome").annotate(n=Count("*")):
        outcomes.add(outcome, count)
    hours = [0] * 24
    for hour, count in calls.values_list("started_hour").annotate(n=Count("*")):
        hours[hour] = count
    categories = Counter(dict(calls.values_list("category__name").annotate(n=Count("*")).order_by("-n")[:5]))
    return LiveBoard(
        today=today,
        now=now,
        outcomes=outcomes,
        hours=hours,
        last_hour=Call.objects.filter(started_at__gte=now - timedelta(hours=1), started_at__lte=now).count(),
        average_duration_seconds=float(calls.aggregate(s=Avg("duration_seconds"))["s"] or 0.0),
        categories=categories.most_common(5),
        open_dispatches=Case.objects.filter(kind="dispatch", is_open=True).count(),
    )


def _period_check(*, first: date, last: date) -> None:
    if first > last:
        raise InvalidDateError(
            f"統計期間的起日（{first.isoformat()}）晚於迄日（{last.isoformat()}）。",
            extra={"from": first.isoformat(), "to": last.isoformat()},
        )
