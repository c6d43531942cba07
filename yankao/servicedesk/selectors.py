"""Petition statistics: how many came in, through which channel, about what, to whom; how fast they
were answered and how often they had to be re-routed.

A petition is a case of kind "petition" from any channel (web form, mayor's mailbox, counter,
letter, 1999). Flow figures count the petitions *received* from `first` to `last` (both inclusive,
Taiwan dates); timeliness is judged as of `as_of`. Every figure is one aggregate query (GROUP BY
or conditional counts) that returns at most a few hundred rows, so a year of 200,000 petitions
never travels to Python row by row; working days are counted on the grouped dates with the
vectorised calendar.

The satisfaction survey counts the petitions *replied* in the period instead (see
`petition_survey`): the process and the outcome are asked and counted apart, never merged.

Scope: `agency_path=None` is the whole city; an agency's path limits every figure to that agency
and its descendants (an officer's or liaison's view). `petition_statistics_for_user` picks the
scope from the user's role.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import numpy as np
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Count, DateField, F, Func, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, TruncDate
from django.db.models.sql.compiler import SQLCompiler

from yankao.cases.models import Case, CaseEvent, Category, Channel
from yankao.cases.workflow import OPEN_STATES, State
from yankao.core.durations import deadline_from_rule
from yankao.core.exceptions import InvalidDateError, PermissionDeniedError, RuleNotInForceError
from yankao.core.models import Agency, Role
from yankao.core.permissions import is_city_wide, is_staff_member
from yankao.core.report_registry import ReportPeriod
from yankao.core.roc_dates import TAIWAN
from yankao.core.selectors.rules import rule_get, rule_history
from yankao.core.working_days import count_working_days_array, is_working_day_array

PETITION_KIND = "petition"
REROUTE_EVENT = "reroute"
# The events after which a case sits at an agency: the re-routing clock starts at the latest of them.
ASSIGNING_EVENTS = ("intake", "assign", "reroute")
REROUTE_RULE = "petition.reroute_deadline"
# Merged petitions are answered with the case they joined; transferred ones left the service desk
# (a bullying report): neither is judged for timeliness here.
NOT_JUDGED_STATES = (State.MERGED, State.TRANSFERRED)
SURVEY_RULE = "petition.satisfaction_survey"
SCORES = (1, 2, 3, 4, 5)

# Who may read the petition statistics: RDEC and the auditor city-wide, an agency's officers and
# liaisons within their agency's subtree.
CITY_WIDE_READERS = frozenset({Role.RDEC_STAFF, Role.RDEC_ADMIN, Role.AUDITOR})
AGENCY_READERS = frozenset({Role.OFFICER, Role.LIAISON})


class TaiwanDate(Func):
    """The Taiwan calendar date of a stored instant, computed by the database's own date functions.

    Django's TruncDate with a time zone calls a Python function per row on SQLite (8 s over a year
    of 200,000 petitions); Taiwan has kept UTC+8 without summer time since 1980, so a fixed offset
    is exact for every date the platform holds and SQLite's built-in date() does it in C.
    """

    output_field = DateField()
    arity = 1

    def as_sqlite(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="date(%(expressions)s, '+8 hours')", **extra)

    def as_postgresql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any) -> Any:
        return self.as_sql(
            compiler, connection, template="((%(expressions)s) AT TIME ZONE 'Asia/Taipei')::date", **extra
        )

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any) -> Any:  # type: ignore[override]
        if "template" in extra:
            return super().as_sql(compiler, connection, **extra)
        # Other databases: Django's portable (slower) form.
        portable = TruncDate(self.source_expressions[0], tzinfo=TAIWAN)
        return portable.as_sql(compiler, connection)


# --- results ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MonthCount:
    first: date  # the month's first day inside the period
    last: date
    count: int


@dataclass(frozen=True, slots=True)
class ChannelCount:
    channel: str
    label: str
    count: int


@dataclass(frozen=True, slots=True)
class CategoryCount:
    code: str
    name: str
    count: int


@dataclass(frozen=True, slots=True)
class Timeliness:
    """Petitions judged as of `as_of`: answered on time, answered late, open past due, open not yet due.

    The rate counts open petitions past their deadline as late, not only answered ones; open
    petitions not yet due are pending and outside the rate. Merged and transferred ones are
    not judged.
    """

    as_of: date
    on_time: int = 0
    late_answered: int = 0
    late_open: int = 0
    pending: int = 0
    not_judged: int = 0

    @property
    def late(self) -> int:
        return self.late_answered + self.late_open

    @property
    def judged(self) -> int:
        return self.on_time + self.late

    @property
    def on_time_rate(self) -> float | None:
        """Percent on time among the judged petitions (None when none is judged yet)."""
        return round(100 * self.on_time / self.judged, 1) if self.judged else None

    def __add__(self, other: "Timeliness") -> "Timeliness":
        return Timeliness(
            as_of=self.as_of,
            on_time=self.on_time + other.on_time,
            late_answered=self.late_answered + other.late_answered,
            late_open=self.late_open + other.late_open,
            pending=self.pending + other.pending,
            not_judged=self.not_judged + other.not_judged,
        )


@dataclass(frozen=True, slots=True)
class AgencyCount:
    """An agency's petitions, its subordinate agencies folded in."""

    code: str
    name: str
    count: int
    timeliness: Timeliness


@dataclass(frozen=True, slots=True)
class HandlingDays:
    """Working days from the received day to the reply (the received day not counted, as for the deadline)."""

    replied: int
    total_working_days: int

    @property
    def average(self) -> float | None:
        return round(self.total_working_days / self.replied, 1) if self.replied else None


@dataclass(frozen=True, slots=True)
class Reroutes:
    """Re-routings (改分) of the period's petitions; `on_time` were done within the rule's deadline."""

    reroutes: int
    cases: int
    on_time: int

    @property
    def on_time_share(self) -> float | None:
        return round(100 * self.on_time / self.reroutes, 1) if self.reroutes else None


@dataclass(frozen=True, slots=True)
class ScoreDistribution:
    """How many answers gave each score, 1 to 5 (`counts[0]` is the count of 1s)."""

    counts: tuple[int, int, int, int, int] = (0, 0, 0, 0, 0)

    @property
    def answered(self) -> int:
        return sum(self.counts)

    @property
    def average(self) -> float | None:
        """The mean score, two decimals (None without answers)."""
        total = sum(score * count for score, count in zip(SCORES, self.counts, strict=True))
        return round(total / self.answered, 2) if self.answered else None


@dataclass(frozen=True, slots=True)
class Survey:
    """The satisfaction survey of the petitions replied in the period.

    `replied`: petitions replied in the period; `sent`: those replied on a day the survey rule
    (`petition.satisfaction_survey`) was on, the survey is offered to exactly these (the engine
    writes the survey notice on such a reply and takes answers only for such cases);
    `answered`: those of them whose petitioner answered by the as-of day. The process and the
    outcome are separate questions and stay separate figures.
    """

    replied: int
    sent: int
    answered: int
    process: ScoreDistribution
    outcome: ScoreDistribution

    @property
    def response_rate(self) -> float | None:
        """Percent of the surveys sent that were answered (None when none was sent)."""
        return round(100 * self.answered / self.sent, 1) if self.sent else None

    @property
    def is_off(self) -> bool:
        """Petitions were replied but no survey went out: the rule was off the whole period."""
        return self.replied > 0 and self.sent == 0


@dataclass(frozen=True)
class PetitionStatistics:
    first: date
    last: date
    as_of: date
    agency_path: str | None
    by_month: list[MonthCount]
    by_channel: list[ChannelCount]
    by_category: list[CategoryCount]
    by_agency: list[AgencyCount]
    timeliness: Timeliness
    handling: HandlingDays
    reroutes: Reroutes
    survey: Survey

    @property
    def total(self) -> int:
        return sum(month.count for month in self.by_month)


# --- the whole picture ----------------------------------------------------------------------------


def petition_scope_for_user(*, user: Any) -> str | None:
    """The agency path whose petitions the user may count (None: the whole city).

    PermissionDeniedError for anyone else (citizens, the 1999 desk, investigators, inspectors).
    """
    if is_city_wide(user) and user.role in CITY_WIDE_READERS:
        return None
    if is_staff_member(user) and user.role in AGENCY_READERS and user.agency_id is not None:
        return str(user.agency.path)
    raise PermissionDeniedError("陳情統計僅供研考會、稽核人員及各機關承辦人、研考聯絡人查閱。")


def petition_statistics(
    *, first: date, last: date, as_of: date | None = None, agency_path: str | None = None
) -> PetitionStatistics:
    """Every petition figure of the period (about eight aggregate queries)."""
    as_of = as_of or last
    by_agency = petition_count_by_agency(first=first, last=last, as_of=as_of, agency_path=agency_path)
    timeliness = Timeliness(as_of=as_of)
    for row in by_agency:
        timeliness += row.timeliness
    return PetitionStatistics(
        first=first,
        last=last,
        as_of=as_of,
        agency_path=agency_path,
        by_month=petition_count_by_month(first=first, last=last, agency_path=agency_path),
        by_channel=petition_count_by_channel(first=first, last=last, agency_path=agency_path),
        by_category=petition_count_by_category(first=first, last=last, agency_path=agency_path),
        by_agency=by_agency,
        timeliness=timeliness,
        handling=petition_handling_days(first=first, last=last, as_of=as_of, agency_path=agency_path),
        reroutes=petition_reroutes(first=first, last=last, agency_path=agency_path),
        survey=petition_survey(first=first, last=last, as_of=as_of, agency_path=agency_path),
    )


def petition_statistics_for_user(
    *, user: Any, first: date, last: date, as_of: date | None = None
) -> PetitionStatistics:
    """`petition_statistics` within the user's scope (PermissionDeniedError for those who may not read them)."""
    return petition_statistics(
        first=first, last=last, as_of=as_of, agency_path=petition_scope_for_user(user=user)
    )


# --- counts -------------------------------------------------------------------------------------


def petition_count(*, first: date, last: date, agency_path: str | None = None) -> int:
    """The petitions received from `first` to `last`."""
    return _received(first=first, last=last, agency_path=agency_path).count()


def petition_count_by_month(*, first: date, last: date, agency_path: str | None = None) -> list[MonthCount]:
    """Petitions received in each month's part of the period, every month listed (zero included)."""
    spans = ReportPeriod(date_from=first, date_to=last).month_spans()
    # Conditional counts over the indexed received_at: one pass, no per-row time-zone function.
    counts = _received(first=first, last=last, agency_path=agency_path).aggregate(
        **{
            f"m{index}": Count(
                "id", filter=Q(received_at__gte=_start(a), received_at__lt=_start(b, after=True))
            )
            for index, (a, b) in enumerate(spans)
        }
    )
    return [MonthCount(a, b, counts[f"m{index}"] or 0) for index, (a, b) in enumerate(spans)]


def petition_count_by_channel(
    *, first: date, last: date, agency_path: str | None = None
) -> list[ChannelCount]:
    """Petitions by channel, in the channels' order; channels with none are left out."""
    rows = (
        _received(first=first, last=last, agency_path=agency_path).values("channel").annotate(n=Count("id"))
    )
    counts = {row["channel"]: row["n"] for row in rows}
    known = [
        ChannelCount(value, str(label), counts.pop(value))
        for value, label in Channel.choices
        if value in counts
    ]
    return known + [ChannelCount(value, value, n) for value, n in sorted(counts.items())]


def petition_count_by_category(
    *, first: date, last: date, agency_path: str | None = None
) -> list[CategoryCount]:
    """Petitions by category, most first (ties by the categories' order)."""
    rows = (
        _received(first=first, last=last, agency_path=agency_path)
        .values("category_id")
        .annotate(n=Count("id"))
    )
    counts = {row["category_id"]: row["n"] for row in rows}
    categories = Category.objects.filter(pk__in=counts).order_by("sort_order", "code")
    ordered = [CategoryCount(category.code, category.name, counts[category.pk]) for category in categories]
    return sorted(ordered, key=lambda row: -row.count)


def petition_count_by_agency(
    *, first: date, last: date, as_of: date | None = None, agency_path: str | None = None
) -> list[AgencyCount]:
    """Petitions and their timeliness by agency, most first.

    City-wide, subordinate agencies are folded into their first-level agency (district offices and
    municipal enterprises stand on their own); within an agency's scope, into the scope's own
    agency and its direct children, so a liaison sees the parts of the agency.
    """
    as_of = as_of or last
    rows = _timeliness_rows(first=first, last=last, as_of=as_of, agency_path=agency_path, by="agency_id")
    if not rows:
        return []
    paths = dict(Agency.objects.filter(pk__in=rows).values_list("pk", "path"))
    depth = (agency_path.count("/") + 2) if agency_path else _root_depth() + 1
    folded: dict[str, Timeliness] = defaultdict(lambda: Timeliness(as_of=as_of))
    counts: dict[str, int] = defaultdict(int)
    for agency_id, (count, timeliness) in rows.items():
        group = "/".join(paths[agency_id].split("/")[:depth])
        folded[group] += timeliness
        counts[group] += count
    agencies = {agency.path: agency for agency in Agency.objects.filter(path__in=folded)}
    result = [
        AgencyCount(agencies[path].code, agencies[path].display_short_name, counts[path], folded[path])
        for path in sorted(folded, key=lambda path: (-counts[path], agencies[path].sort_order, path))
    ]
    return result


# --- timeliness, handling days, re-routing --------------------------------------------------------


def petition_timeliness(
    *, first: date, last: date, as_of: date | None = None, agency_path: str | None = None
) -> Timeliness:
    """On time, late (answered late or still open past the deadline) and pending, as of `as_of`."""
    as_of = as_of or last
    total = Timeliness(as_of=as_of)
    for _count, timeliness in _timeliness_rows(
        first=first, last=last, as_of=as_of, agency_path=agency_path, by=None
    ).values():
        total += timeliness
    return total


def petition_handling_days(
    *, first: date, last: date, as_of: date | None = None, agency_path: str | None = None
) -> HandlingDays:
    """Working days from receipt to reply of the period's petitions answered by `as_of`.

    The received day is not counted (a reply on the n-th working day took n days, as the deadline
    counts them); days waiting for the citizen (補正) are included.
    """
    as_of = as_of or last
    pairs = (
        _received(first=first, last=last, agency_path=agency_path)
        .filter(replied_at__lt=_start(as_of, after=True))
        .values(
            received_day=TaiwanDate("received_at"),
            replied_day=TaiwanDate("replied_at"),
        )
        .annotate(n=Count("id"))
    )
    received, replied, counts = _columns(pairs, "received_day", "replied_day")
    if not counts.size:
        return HandlingDays(replied=0, total_working_days=0)
    days = count_working_days_array(received, replied) - is_working_day_array(received)
    return HandlingDays(replied=int(counts.sum()), total_working_days=int((days * counts).sum()))


def petition_reroutes(*, first: date, last: date, agency_path: str | None = None) -> Reroutes:
    """Re-routings of the period's petitions and how many were done within `petition.reroute_deadline`.

    A re-routing's clock starts when the case reached the agency that passed it on: the latest
    intake, assignment or re-routing before it (the received time when the timeline holds none).
    The scope is the agency the petition sits at now.
    """
    cases = _received(first=first, last=last, agency_path=agency_path)
    events = CaseEvent.objects.filter(kind=REROUTE_EVENT, case__in=cases.values("pk")).order_by()
    previous = (
        CaseEvent.objects.filter(
            case_id=OuterRef("case_id"), kind__in=ASSIGNING_EVENTS, occurred_at__lt=OuterRef("occurred_at")
        )
        .order_by()
        .values("case_id")
        .annotate(last=Max("occurred_at"))
        .values("last")
    )
    rows = list(
        events.annotate(since=Coalesce(Subquery(previous), F("case__received_at")))
        .values(
            received_day=TaiwanDate("case__received_at"),
            since_day=TaiwanDate("since"),
            reroute_day=TaiwanDate("occurred_at"),
        )
        .annotate(n=Count("id"))
    )
    if not rows:
        return Reroutes(reroutes=0, cases=0, on_time=0)
    # At most a few hundred distinct (received, start) days: the rule's version (in force on the
    # received day, as the engine reads it) and its unit decide each deadline.
    deadlines: dict[tuple[date, date], date] = {}
    on_time = 0
    for row in rows:
        key = (row["received_day"], row["since_day"])
        if key not in deadlines:
            deadlines[key] = _reroute_deadline(received=key[0], start=key[1])
        if row["reroute_day"] <= deadlines[key]:
            on_time += row["n"]
    return Reroutes(
        reroutes=sum(row["n"] for row in rows),
        cases=events.values("case_id").distinct().count(),
        on_time=on_time,
    )


# --- the satisfaction survey ------------------------------------------------------------------------


def petition_survey(
    *, first: date, last: date, as_of: date | None = None, agency_path: str | None = None
) -> Survey:
    """Surveys sent, answered and the answers' scores for the petitions replied in the period.

    Replied: the reply day (Taiwan) from `first` to the earlier of `last` and `as_of`. Sent: replied
    on a day `petition.satisfaction_survey` was on, read with `rule_get` on the reply day as the
    engine reads it when it writes the survey notice (`case_reply`) and when it takes an answer
    (`case_survey_answer`). Counted this way, not from the survey notices, because the demo year
    writes no notices and a repeat answered by reference (`case_link_repeat`) may be answered
    without one. Answered: an answer given by `as_of`. One aggregate query.
    """
    _period_check(first=first, last=last)
    as_of = as_of or last
    end = min(last, as_of)
    replied = _replied(first=first, last=end, agency_path=agency_path)
    covered = _survey_covered(first=first, last=end)
    answered = covered & Q(survey__answered_at__lt=_start(as_of, after=True))
    aggregates: dict[str, Any] = {
        "replied": Count("id"),
        "sent": Count("id", filter=covered),
        "answered": Count("survey", filter=answered),
    }
    for score in SCORES:
        aggregates[f"process_{score}"] = Count("survey", filter=answered & Q(survey__process_score=score))
        aggregates[f"outcome_{score}"] = Count("survey", filter=answered & Q(survey__outcome_score=score))
    row = replied.aggregate(**aggregates)

    def distribution(question: str) -> ScoreDistribution:
        a, b, c, d, e = (row[f"{question}_{score}"] or 0 for score in SCORES)
        return ScoreDistribution((a, b, c, d, e))

    return Survey(
        replied=row["replied"] or 0,
        sent=row["sent"] or 0,
        answered=row["answered"] or 0,
        process=distribution("process"),
        outcome=distribution("outcome"),
    )


def _survey_covered(*, first: date, last: date) -> Q:
    """Replies from `first` to `last` on a day the survey rule was on, as a filter on replied_at.

    The rule is read with `rule_get` on the first day and on each day a new version took effect
    within the period: between those days it cannot change. Days before the rule's first version
    have no survey (the engine could not have sent one).
    """
    starts = sorted(
        {first}
        | {
            version.effective_from
            for version in rule_history(key=SURVEY_RULE)
            if first < version.effective_from <= last
        }
    )
    covered = Q(pk__in=[])
    for index, start in enumerate(starts):
        try:
            on = bool(rule_get(key=SURVEY_RULE, on=start).value)
        except RuleNotInForceError:
            on = False
        if on:
            end = starts[index + 1] if index + 1 < len(starts) else last + timedelta(days=1)
            covered |= Q(replied_at__gte=_start(start), replied_at__lt=_start(end))
    return covered


# --- helpers ------------------------------------------------------------------------------------


def _start(day: date, *, after: bool = False) -> datetime:
    """The first instant of `day` in Taiwan (of the next day with `after`): period bounds for received_at."""
    return datetime.combine(day + timedelta(days=1) if after else day, time.min, tzinfo=TAIWAN)


def _period_check(*, first: date, last: date) -> None:
    if first > last:
        raise InvalidDateError(
            f"統計期間的起日（{first.isoformat()}）晚於迄日（{last.isoformat()}）。",
            extra={"from": first.isoformat(), "to": last.isoformat()},
        )


def _received(*, first: date, last: date, agency_path: str | None) -> QuerySet[Case]:
    _period_check(first=first, last=last)
    cases = Case.objects.filter(
        kind=PETITION_KIND, received_at__gte=_start(first), received_at__lt=_start(last, after=True)
    )
    if agency_path is not None:
        cases = cases.filter(Q(agency__path=agency_path) | Q(agency__path__startswith=agency_path + "/"))
    return cases.order_by()


def _replied(*, first: date, last: date, agency_path: str | None) -> QuerySet[Case]:
    """Petitions replied from `first` to `last` (Taiwan days; none when `last` comes first), scoped as `_received`."""
    if first > last:
        return Case.objects.none()
    cases = Case.objects.filter(
        kind=PETITION_KIND,
        replied_at__gte=_start(first),
        replied_at__lt=_start(last, after=True),
        # A reply follows its receipt: the bound lets the (kind, received_at) index narrow the scan.
        received_at__lt=_start(last, after=True),
    )
    if agency_path is not None:
        cases = cases.filter(Q(agency__path=agency_path) | Q(agency__path__startswith=agency_path + "/"))
    return cases.order_by()


def _timeliness_rows(
    *, first: date, last: date, as_of: date, agency_path: str | None, by: str | None
) -> dict[Any, tuple[int, Timeliness]]:
    """Count and timeliness per value of `by` (one GROUP BY; by=None: one row for everything)."""
    answered_day = Coalesce(
        TaiwanDate("replied_at"),
        TaiwanDate("closed_at"),
        output_field=DateField(),
    )
    judged = ~Q(state__in=NOT_JUDGED_STATES)
    # Answered by as_of: replied (or closed without a reply, 不予處理) on or before the as-of day.
    # A case open now (a reopened one keeps its first reply's time) is judged as open.
    answered = (
        judged & ~Q(state__in=sorted(OPEN_STATES)) & Q(answered_day__isnull=False, answered_day__lte=as_of)
    )
    waiting = judged & ~answered
    queryset = _received(first=first, last=last, agency_path=agency_path).alias(answered_day=answered_day)
    aggregates = {
        "n": Count("id"),
        "on_time": Count("id", filter=answered & Q(answered_day__lte=F("due_on"))),
        "late_answered": Count("id", filter=answered & Q(answered_day__gt=F("due_on"))),
        "late_open": Count("id", filter=waiting & Q(due_on__lt=as_of)),
        "pending": Count("id", filter=waiting & Q(due_on__gte=as_of)),
        "not_judged": Count("id", filter=~judged),
    }
    rows: Iterable[dict[str, Any]]
    rows = queryset.values(by).annotate(**aggregates) if by else [queryset.aggregate(**aggregates)]
    result: dict[Any, tuple[int, Timeliness]] = {}
    for row in rows:
        if not row["n"]:
            continue
        result[row[by] if by else None] = (
            row["n"],
            Timeliness(
                as_of=as_of,
                on_time=row["on_time"],
                late_answered=row["late_answered"],
                late_open=row["late_open"],
                pending=row["pending"],
                not_judged=row["not_judged"],
            ),
        )
    return result


def _columns(
    rows: Iterable[Any], first: str, second: str
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Two date columns and the count column `n` of grouped rows, as numpy arrays."""
    listed = list(rows)
    return (
        np.array([row[first] for row in listed], dtype="datetime64[D]"),
        np.array([row[second] for row in listed], dtype="datetime64[D]"),
        np.array([row["n"] for row in listed], dtype=np.int64),
    )


def _reroute_deadline(*, received: date, start: date) -> date:
    deadline = deadline_from_rule(rule=rule_get(key=REROUTE_RULE, on=received), start=start)
    return deadline if not isinstance(deadline, datetime) else deadline.astimezone(TAIWAN).date()


def _root_depth() -> int:
    """Segments in the root's path (the city government): one, unless the tree sits under another node."""
    root = Agency.objects.filter(parent__isnull=True).order_by("path").values_list("path", flat=True).first()
    return root.count("/") + 1 if root else 1
