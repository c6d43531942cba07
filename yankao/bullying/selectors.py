"""Reads of the bullying module. Every read of a report takes the user and checks the designation;
opening a report and revealing a name are written to the audit trail (who, when, which report).

Aggregates (`bullying_statistics`) carry counts only: no number, no school, no name.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from yankao.bullying.models import (
    BullyingExtension,
    BullyingParty,
    BullyingReport,
    Ground,
    Method,
    Outcome,
    PartyRole,
    Source,
    State,
)
from yankao.bullying.permissions import can_handle_bullying, can_view_bullying_statistics
from yankao.bullying.services import AUDIT_TARGET, bullying_rule
from yankao.core.exceptions import ApplicationError, NotFoundError, PermissionDeniedError
from yankao.core.models import AuditAction
from yankao.core.personal_data import mask_address, mask_email, mask_name, mask_phone, personal_decrypt
from yankao.core.roc_dates import TAIWAN
from yankao.core.services.audit import audit_record
from yankao.core.working_days import add_working_days, taiwan_date

NOT_ALLOWED = "校園霸凌通報僅限指定的霸凌調查人員檢視；其他同仁請參閱統計數字。"


def _require_handler(user: Any) -> None:
    if not can_handle_bullying(user):
        raise PermissionDeniedError(NOT_ALLOWED)


# --- deadlines --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    key: str
    label: str
    due: date | datetime
    done: date | datetime | None
    status: str  # "met", "late", "open", "due_soon", "overdue"
    rule_note: str = ""

    @property
    def status_label(self) -> str:
        return {
            "met": "如期完成",
            "late": "逾期完成",
            "open": "進行中",
            "due_soon": "即將到期",
            "overdue": "已逾期",
        }[self.status]


def bullying_deadlines(*, report: BullyingReport, today: date | None = None) -> list[Deadline]:
    """Every clock of the report with its state on `today` (the report's own fields; no content)."""
    now = timezone.now()
    if today is not None and today != taiwan_date(now):
        now = datetime.combine(today, time.max, tzinfo=TAIWAN)  # judged at the end of that day
    today = today or taiwan_date(now)
    soon_days = int(bullying_rule(key="bullying.due_soon_notice", report=report).value)
    soon_limit = add_working_days(today, soon_days)
    deadlines: list[Deadline] = []

    def status(due: date, done: date | None, *, open_: bool) -> str:
        if done is not None:
            return "met" if done <= due else "late"
        if not open_:
            return "met"
        if today > due:
            return "overdue"
        return "due_soon" if due <= soon_limit else "open"

    due_at = report.authority_report_due_at
    done_at = report.authority_reported_at
    if done_at is not None:
        authority_status = "met" if done_at <= due_at else "late"
    else:
        authority_status = "overdue" if now > due_at else "due_soon"
    deadlines.append(Deadline("authority", "校安通報（24小時內）", due_at, done_at, authority_status))
    notice_done = report.notice_sent_on or (report.decided_on if report.notice_unreachable else None)
    deadlines.append(
        Deadline(
            "notice",
            "受理與否書面通知",
            report.acceptance_notice_due_on,
            notice_done,
            status(report.acceptance_notice_due_on, notice_done, open_=report.state != State.CLOSED),
        )
    )
    if report.team_due_on:
        deadlines.append(
            Deadline(
                "team",
                "組成處理小組",
                report.team_due_on,
                report.team_formed_on,
                status(report.team_due_on, report.team_formed_on, open_=report.state == State.ACCEPTED),
            )
        )
    if report.investigation_due_on:
        deadlines.append(
            Deadline(
                "investigation",
                f"調查報告（已延長{report.extensions_count}次）",
                report.investigation_due_on,
                report.outcome_on if report.state != State.INVESTIGATING else None,
                status(
                    report.investigation_due_on,
                    report.outcome_on if report.state != State.INVESTIGATING else None,
                    open_=report.state == State.INVESTIGATING,
                ),
            )
        )
    if report.appeal_due_on and report.state in (State.DECIDED, State.APPEALED, State.CLOSED):
        filed = report.appeal_filed_on
        deadlines.append(
            Deadline(
                "appeal",
                "申復期間",
                report.appeal_due_on,
                filed,
                ("met" if filed else ("open" if today <= report.appeal_due_on else "met")),
                rule_note="期間屆滿前不得結案",
            )
        )
    return deadlines


def bullying_next_deadline(*, report: BullyingReport, today: date | None = None) -> Deadline | None:
    """The earliest clock still running (for the register's list)."""
    running = [
        d for d in bullying_deadlines(report=report, today=today) if d.done is None and d.status != "met"
    ]
    return min(running, key=lambda d: taiwan_date(d.due), default=None)


# --- the register ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportRow:
    """A row of the register: no content, no name (a list is seen over the shoulder)."""

    number: str
    source_label: str
    state: str
    state_label: str
    received_at: datetime
    next_deadline: Deadline | None


def bullying_report_list_for_user(
    *,
    user: Any,
    state: str = "",
    source: str = "",
    due: str = "",
    year: int | None = None,
    limit: int = 500,
    today: date | None = None,
) -> list[ReportRow]:
    """The register, newest first; `year` (Gregorian) limits it to the reports received that year."""
    _require_handler(user)
    reports = BullyingReport.objects.all()
    if year is not None:
        reports = reports.filter(
            received_at__gte=datetime(year, 1, 1, tzinfo=TAIWAN),
            received_at__lt=datetime(year + 1, 1, 1, tzinfo=TAIWAN),
        )
    if state:
        if state == "open":
            reports = reports.exclude(state__in=(State.CLOSED, State.NOT_ACCEPTED))
        elif state in State.values:
            reports = reports.filter(state=state)
        else:
            raise ApplicationError("狀態篩選條件不正確。")
    if source:
        if source not in Source.values:
            raise ApplicationError("來源篩選條件不正確。")
        reports = reports.filter(source=source)
    rows = []
    for report in reports.order_by("-received_at", "-id")[: max(1, min(limit, 500))]:
        deadline = bullying_next_deadline(report=report, today=today)
        if due and (deadline is None or deadline.status != due):
            continue
        rows.append(
            ReportRow(
                number=report.number,
                source_label=str(Source(report.source).label),
                state=report.state,
                state_label=str(State(report.state).label),
                received_at=report.received_at,
                next_deadline=deadline,
            )
        )
    return rows


@dataclass(frozen=True)
class DueSummary:
    """How many open reports have a clock due soon or overdue: counts only, safe for any reminder."""

    due_soon: int
    overdue: int


def bullying_due_summary(*, user: Any | None, today: date | None = None) -> DueSummary:
    """`user` None is the reminder task (a system read)."""
    if user is not None:
        _require_handler(user)
    statuses = Counter(
        deadline.status
        for report in BullyingReport.objects.exclude(state=State.CLOSED)
        if (deadline := bullying_next_deadline(report=report, today=today)) is not None
    )
    return DueSummary(due_soon=statuses["due_soon"], overdue=statuses["overdue"])


@dataclass(frozen=True)
class PartyView:
    id: int
    role_label: str
    name: str  # masked unless revealed
    detail: str


@dataclass(frozen=True)
class ReportDetail:
    report: BullyingReport
    source_label: str
    state_label: str
    summary: str
    school: str
    follow_up: str
    reporter_name: str
    reporter_phone: str
    reporter_email: str
    reporter_address: str
    parties: list[PartyView]
    extensions: list[BullyingExtension]
    extension_reasons: list[str]
    deadlines: list[Deadline]
    revealed: bool
    ground_label: str
    method_label: str
    outcome_label: str
    attachments: int


def bullying_report_get_for_user(*, user: Any, number: str, reveal_reason: str = "") -> ReportDetail:
    """One report for designated staff; names masked unless `reveal_reason` is given (then audited with it).

    Opening the report is itself audited: the auditor sees who read which report and when.
    """
    _require_handler(user)
    report = BullyingReport.objects.filter(number=number.strip()).first()
    if report is None:
        raise NotFoundError(f"找不到通報 {number}。")
    reveal = bool(reveal_reason.strip())
    if reveal_reason and len(reveal_reason.strip()) < 4:
        raise ApplicationError("請具體說明檢視個人資料的理由（至少4個字）。")
    audit_record(
        action=AuditAction.READ_PERSONAL,
        target_type=AUDIT_TARGET,
        target_id=report.number,
        fields=["summary", "school", "follow_up"] + (["reporter", "parties"] if reveal else []),
        detail={"reason": reveal_reason.strip()} if reveal else {"view": "report"},
        actor=user,
    )

    def shown(token: str, mask: Any) -> str:
        value = personal_decrypt(token)
        return value if reveal else str(mask(value))

    parties = [
        PartyView(
            id=party.pk,
            role_label=str(PartyRole(party.role).label),
            name=shown(party.name_encrypted, mask_name),
            detail=shown(party.detail_encrypted, lambda value: "＊＊＊" if value else ""),
        )
        for party in BullyingParty.objects.filter(report=report)
    ]
    extensions = list(BullyingExtension.objects.filter(report=report).order_by("sequence"))
    # Known names written in the free text are masked there too, until revealed.
    known = [personal_decrypt(p.name_encrypted) for p in BullyingParty.objects.filter(report=report)]
    known.append(personal_decrypt(report.reporter_name_encrypted))

    def text(token: str) -> str:
        value = personal_decrypt(token)
        if not reveal:
            for name in sorted((n for n in known if len(n) > 1), key=len, reverse=True):
                value = value.replace(name, mask_name(name))
        return value

    return ReportDetail(
        report=report,
        source_label=str(Source(report.source).label),
        state_label=str(State(report.state).label),
        summary=text(report.summary_encrypted),
        school=personal_decrypt(report.school_encrypted),
        follow_up=text(report.follow_up_encrypted),
        reporter_name=shown(report.reporter_name_encrypted, mask_name),
        reporter_phone=shown(report.reporter_phone_encrypted, mask_phone),
        reporter_email=shown(report.reporter_email_encrypted, mask_email),
        reporter_address=shown(report.reporter_address_encrypted, mask_address),
        parties=parties,
        extensions=extensions,
        extension_reasons=[text(e.reason_encrypted) for e in extensions],
        deadlines=bullying_deadlines(report=report),
        revealed=reveal,
        ground_label=str(Ground(report.ground).label) if report.ground else "",
        method_label=str(Method(report.method).label) if report.method else "",
        outcome_label=str(Outcome(report.outcome).label) if report.outcome else "",
        attachments=report.attachments.count(),
    )


def bullying_report_for_update(*, user: Any, number: str) -> BullyingReport:
    """The report row a service will act on (no content decrypted, nothing audited)."""
    _require_handler(user)
    report = BullyingReport.objects.filter(number=number.strip()).first()
    if report is None:
        raise NotFoundError(f"找不到通報 {number}。")
    return report


# --- statistics -------------------------------------------------------------------------------


@dataclass(frozen=True)
class BullyingStatistics:
    first: date
    last: date
    as_of: date
    total: int
    accepted: int
    not_accepted: int
    pending: int  # not screened yet
    by_source: list[tuple[str, int]]
    accepted_by_status: list[tuple[str, int]]


HANDLING_STATUSES: tuple[tuple[str, str], ...] = (
    ("in_progress", "處理中"),
    ("established", "霸凌成立"),
    ("not_established", "霸凌不成立"),
    ("other", "其他（非屬霸凌）"),
)
# The seed report's words for the sources (其他 with its example, as printed).
SOURCE_LABELS: tuple[tuple[str, str], ...] = (
    (Source.MAYORS_MAILBOX, "市長信箱"),
    (Source.HOTLINE, "1999專線"),
    (Source.CITY_MAILBOX, "市府反霸凌信箱"),
    (Source.EDUCATION_LINE, "教育局反霸凌專線"),
    (Source.OTHER, "其他（如社群網站等）"),
)


def bullying_statistics(
    *, user: Any | None, first: date, last: date, as_of: date | None = None
) -> BullyingStatistics:
    """The seed report's three tables for reports received from `first` to `last` (inclusive).

    Screening and outcomes count as they stood on `as_of` (default `last`): a report decided
    later is still pending, an outcome recorded later is still in progress. `user` None is the
    council report (a system read); otherwise any staff member may see these aggregates.
    """
    if user is not None and not can_view_bullying_statistics(user):
        raise PermissionDeniedError("校園霸凌統計僅供市府同仁檢視。")
    if first > last:
        raise ApplicationError("起日不可晚於迄日。")
    as_of = as_of or last
    start = datetime.combine(first, time.min, tzinfo=TAIWAN)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=TAIWAN)
    # A city receives hundreds of reports a year: one plain query and counting here is cheaper
    # than a conditional aggregate (whose expression building dominated the time).
    rows = BullyingReport.objects.filter(received_at__gte=start, received_at__lt=end).values_list(
        "source", "decided_on", "ground", "outcome", "outcome_on"
    )
    counts: Counter[str] = Counter()
    by_source_counts: Counter[str] = Counter()
    for source, decided_on, ground, outcome, outcome_on in rows:
        counts["total"] += 1
        by_source_counts[source] += 1
        if decided_on is None or decided_on > as_of:
            continue
        if ground:
            counts["not_accepted"] += 1
            continue
        counts["accepted"] += 1
        concluded = bool(outcome) and outcome_on is not None and outcome_on <= as_of
        counts[outcome if concluded else "in_progress"] += 1
    totals = counts
    return BullyingStatistics(
        first=first,
        last=last,
        as_of=as_of,
        total=totals["total"],
        accepted=totals["accepted"],
        not_accepted=totals["not_accepted"],
        pending=totals["total"] - totals["accepted"] - totals["not_accepted"],
        by_source=[(str(label), by_source_counts.get(value, 0)) for value, label in SOURCE_LABELS],
        accepted_by_status=[(label, totals[key]) for key, label in HANDLING_STATUSES],
    )
