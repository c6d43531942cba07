"""Writes of the monthly control: programs, monthly reports, their review, lights and risk ratings.

Every report write locks the report row, checks the version the user saw (nothing is lost when two
people edit at once), keeps a history row (simple_history) and a ReportEvent with the figures as
they stood, and records an audit entry.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from yankao.core.durations import deadline_from_rule
from yankao.core.exceptions import ApplicationError, ConflictError, PermissionDeniedError
from yankao.core.models import Agency, AuditAction
from yankao.core.selectors.rules import rule_get
from yankao.core.services.audit import audit_record, audit_record_for
from yankao.programs.access import can_file_report, can_review_reports
from yankao.programs.caching import programs_generation_bump
from yankao.programs.lights import (
    LightThresholds,
    execution_rate_compute,
    explanation_reasons,
    light_judge,
    light_thresholds,
)
from yankao.programs.models import (
    FILED_STATES,
    ControlLevel,
    Light,
    Milestone,
    MilestoneStatus,
    MonthlyReport,
    Program,
    ProgramBudget,
    ProgramType,
    ProgressMethod,
    ReportEvent,
    ReportMilestone,
    ReportState,
    ReviewAction,
    RiskLevel,
    RiskRating,
)
from yankao.programs.periods import month_add, month_first, month_label, month_last

HUNDRED = Decimal(100)
EDITABLE_STATES = frozenset({ReportState.DRAFT, ReportState.RETURNED})


class ReportInvalidError(ApplicationError):
    """The figures of a report are not acceptable; `errors` maps each field to its message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("；".join(errors.values()), code="report_invalid", extra={"errors": dict(errors)})
        self.errors = dict(errors)


class ProgramInvalidError(ReportInvalidError):
    """A program cannot be put under control as given; `errors` maps each field to its message."""


@dataclass
class ReportFigures:
    """What an agency enters for a month. Planned/actual are ignored for computed progress methods."""

    planned_progress: Decimal | None = None
    actual_progress: Decimal | None = None
    budget_allocated: int = 0
    budget_executed: int = 0
    narrative: str = ""
    delay_reason: str = ""
    remedy: str = ""
    # milestone id -> (status, completed_on)
    milestones: dict[int, tuple[str, date | None]] = field(default_factory=dict)


@dataclass(frozen=True)
class ComputedFigures:
    planned: Decimal
    actual: Decimal
    execution_rate: Decimal | None
    light: Light
    explanation_needed: list[str]


def report_due_on(*, period: date) -> date:
    """The day a month's report is due: the rule's days after the month's last day."""
    last = month_last(period)
    due = deadline_from_rule(rule=rule_get(key="program.monthly_report_due", on=last), start=last)
    return due if isinstance(due, date) else due.date()


def _percent(value: Decimal | None, *, label: str, errors: dict[str, str], key: str) -> Decimal:
    if value is None:
        errors[key] = f"請填寫{label}。"
        return Decimal(0)
    if value < 0 or value > HUNDRED:
        errors[key] = f"{label}須介於 0 至 100 之間（填入 {value}）。"
    return value


def report_figures_compute(
    *,
    program: Program,
    period: date,
    figures: ReportFigures,
    milestones: Iterable[Milestone],
    thresholds: LightThresholds,
) -> ComputedFigures:
    """Planned and actual by the program's method, the execution rate and the light; ReportInvalidError.

    Pure: reads nothing but its arguments, so an import judges 1,338 rows without a query each.
    """
    errors: dict[str, str] = {}
    if figures.budget_allocated < 0:
        errors["budget_allocated"] = "累計分配數不可為負數。"
    if figures.budget_executed < 0:
        errors["budget_executed"] = "累計實支數不可為負數。"
    milestone_list = list(milestones)
    behind = 0
    for milestone in milestone_list:
        status, _completed = figures.milestones.get(milestone.pk, (MilestoneStatus.NOT_DUE, None))
        if status == MilestoneStatus.BEHIND:
            behind += 1
    end = month_last(period)
    if program.progress_method == ProgressMethod.MILESTONE:
        planned = sum((m.weight for m in milestone_list if m.planned_on <= end), Decimal(0))
        actual = sum(
            (
                m.weight
                for m in milestone_list
                if figures.milestones.get(m.pk, ("", None))[0] == MilestoneStatus.DONE
            ),
            Decimal(0),
        )
        planned, actual = min(planned, HUNDRED), min(actual, HUNDRED)
    elif program.progress_method == ProgressMethod.BUDGET:
        total = Decimal(program.total_budget)
        if total <= 0:
            errors["budget_allocated"] = "本計畫以預算執行權重計算進度，但未設定總經費。"
            planned = actual = Decimal(0)
        else:
            planned = min(Decimal(figures.budget_allocated) * 100 / total, HUNDRED).quantize(Decimal("0.01"))
            actual = min(Decimal(figures.budget_executed) * 100 / total, HUNDRED).quantize(Decimal("0.01"))
    else:
        planned = _percent(
            figures.planned_progress, label="累計預定進度", errors=errors, key="planned_progress"
        )
        actual = _percent(figures.actual_progress, label="累計實際進度", errors=errors, key="actual_progress")
    if errors:
        raise ReportInvalidError(errors)
    rate = execution_rate_compute(allocated=figures.budget_allocated, executed=figures.budget_executed)
    light = light_judge(planned=planned, actual=actual, execution_rate=rate, thresholds=thresholds)
    needed = explanation_reasons(
        planned=planned, actual=actual, execution_rate=rate, milestones_behind=behind, thresholds=thresholds
    )
    return ComputedFigures(
        planned=planned, actual=actual, execution_rate=rate, light=light, explanation_needed=needed
    )


def report_explanation_check(*, computed: ComputedFigures, figures: ReportFigures) -> None:
    """When the month is behind or under-executed, a reason and a remedy are required to submit."""
    if not computed.explanation_needed:
        return
    errors: dict[str, str] = {}
    why = "、".join(computed.explanation_needed)
    if not figures.delay_reason.strip():
        errors["delay_reason"] = f"本月{why}，請填寫落後原因。"
    if not figures.remedy.strip():
        errors["remedy"] = f"本月{why}，請填寫因應對策。"
    if errors:
        raise ReportInvalidError(errors)


def _period_check(*, program: Program, period: date, today: date) -> None:
    if period != month_first(period):
        raise ApplicationError("填報月份須為該月1日。")
    if period > month_first(today):
        raise ApplicationError(f"{month_label(period)}尚未開始，不能填報。")
    if period < month_first(program.starts_on) or period > month_first(program.ends_on):
        raise ApplicationError(f"{month_label(period)}不在計畫期間內，不能填報。")


def _snapshot(report: MonthlyReport) -> dict[str, Any]:
    return {
        "planned_progress": str(report.planned_progress),
        "actual_progress": str(report.actual_progress),
        "budget_allocated": report.budget_allocated,
        "budget_executed": report.budget_executed,
        "execution_rate": str(report.execution_rate) if report.execution_rate is not None else None,
        "light": report.light,
        "state": report.state,
    }


def report_save(
    *,
    program: Program,
    period: date,
    figures: ReportFigures,
    user: Any,
    submit: bool = False,
    expected_version: int | None = None,
    today: date | None = None,
) -> MonthlyReport:
    """Save (and with `submit`, send to the RDEC) the agency's report of `program` for `period`."""
    if not can_file_report(user, program):
        raise PermissionDeniedError("您不能填報其他機關的計畫月報。")
    today = today or timezone.localdate()
    _period_check(program=program, period=period, today=today)
    milestones = list(program.milestones.all())
    thresholds = light_thresholds(on=month_last(period))
    computed = report_figures_compute(
        program=program, period=period, figures=figures, milestones=milestones, thresholds=thresholds
    )
    if submit:
        report_explanation_check(computed=computed, figures=figures)
    with transaction.atomic():
        report = MonthlyReport.objects.select_for_update().filter(program=program, period=period).first()
        created = report is None
        if report is None:
            report = MonthlyReport(program=program, period=period, due_on=report_due_on(period=period))
        else:
            if expected_version is not None and report.version != expected_version:
                raise ConflictError("這份月報已被他人修改，請重新載入後再編輯。")
            if report.state not in EDITABLE_STATES:
                raise ApplicationError(f"這份月報{report.get_state_display()}，不能再修改。")
            report.version += 1
        report.planned_progress = computed.planned
        report.actual_progress = computed.actual
        report.budget_allocated = figures.budget_allocated
        report.budget_executed = figures.budget_executed
        report.execution_rate = computed.execution_rate
        report.light = computed.light
        report.narrative = figures.narrative.strip()
        report.delay_reason = figures.delay_reason.strip()
        report.remedy = figures.remedy.strip()
        if submit:
            report.state = ReportState.SUBMITTED
            report.submitted_at = timezone.now()
            report.submitted_by = user if getattr(user, "pk", None) else None
        report.save()
        _milestone_lines_write(report=report, milestones=milestones, figures=figures, period=period)
        if submit:
            ReportEvent.objects.create(
                report=report, action=ReviewAction.SUBMIT, actor=user, snapshot=_snapshot(report)
            )
            program_latest_refresh(program=program)
        programs_generation_bump()
        audit_record_for(
            report,
            action=AuditAction.CREATE if created else AuditAction.UPDATE,
            fields=["planned_progress", "actual_progress", "budget_allocated", "budget_executed", "state"],
            actor=user,
        )
    return report


def _milestone_lines_write(
    *, report: MonthlyReport, milestones: list[Milestone], figures: ReportFigures, period: date
) -> None:
    ReportMilestone.objects.filter(report=report).delete()
    lines = []
    for milestone in milestones:
        status, completed_on = figures.milestones.get(milestone.pk, (MilestoneStatus.NOT_DUE, None))
        if status == MilestoneStatus.NOT_DUE and milestone.planned_on <= month_last(period):
            status = MilestoneStatus.BEHIND  # past its planned date and not done: behind, whatever was ticked
        lines.append(
            ReportMilestone(report=report, milestone=milestone, status=status, completed_on=completed_on)
        )
        if status == MilestoneStatus.DONE and milestone.completed_on is None:
            milestone.completed_on = completed_on or month_last(period)
            milestone.save(update_fields=["completed_on"])
    ReportMilestone.objects.bulk_create(lines)


def _review_begin(*, report: MonthlyReport, user: Any, expected_version: int | None) -> MonthlyReport:
    if not can_review_reports(user):
        raise PermissionDeniedError("只有研考會同仁可以審查月報。")
    locked = MonthlyReport.objects.select_for_update().select_related("program").get(pk=report.pk)
    if expected_version is not None and locked.version != expected_version:
        raise ConflictError("這份月報已被他人修改，請重新載入後再審查。")
    return locked


def report_return(
    *, report: MonthlyReport, user: Any, comment: str, expected_version: int | None = None
) -> MonthlyReport:
    """Send a submitted report back to the agency for revision, saying why."""
    if not comment.strip():
        raise ReportInvalidError({"comment": "退回修正須填寫審查意見。"})
    with transaction.atomic():
        locked = _review_begin(report=report, user=user, expected_version=expected_version)
        if locked.state != ReportState.SUBMITTED:
            raise ApplicationError(f"這份月報{locked.get_state_display()}，不能退回。")
        locked.state = ReportState.RETURNED
        locked.review_comment = comment.strip()
        locked.reviewed_at = timezone.now()
        locked.reviewed_by = user
        locked.version += 1
        locked.save()
        ReportEvent.objects.create(
            report=locked,
            action=ReviewAction.RETURN,
            actor=user,
            comment=comment.strip(),
            snapshot=_snapshot(locked),
        )
        programs_generation_bump()
        _returned_notify(report=locked)
        audit_record_for(
            locked, action=AuditAction.TRANSITION, fields=["state", "review_comment"], actor=user
        )
    return locked


def _returned_notify(*, report: MonthlyReport) -> None:
    """Tell whoever submitted the report that it came back, and why, once the return is committed."""
    submitter = report.submitted_by
    if submitter is None or not submitter.email:
        return
    subject = f"列管計畫月報退回修正：{report.program.code} {month_label(report.period)}"
    body = (
        f"研考會退回「{report.program.name}」{month_label(report.period)}月報，請修正後重新送出。\n\n"
        f"審查意見：{report.review_comment}\n"
    )
    address = submitter.email
    transaction.on_commit(
        lambda: send_mail(subject=subject, message=body, from_email=None, recipient_list=[address])
    )


def report_accept(
    *, report: MonthlyReport, user: Any, comment: str = "", expected_version: int | None = None
) -> MonthlyReport:
    """Accept a submitted report: its figures become the program's reviewed figures for the month."""
    with transaction.atomic():
        locked = _review_begin(report=report, user=user, expected_version=expected_version)
        if locked.state != ReportState.SUBMITTED:
            raise ApplicationError(f"這份月報{locked.get_state_display()}，不能審定。")
        locked.state = ReportState.ACCEPTED
        locked.review_comment = comment.strip()
        locked.reviewed_at = timezone.now()
        locked.reviewed_by = user
        locked.version += 1
        locked.save()
        ReportEvent.objects.create(
            report=locked,
            action=ReviewAction.ACCEPT,
            actor=user,
            comment=comment.strip(),
            snapshot=_snapshot(locked),
        )
        program_latest_refresh(program=locked.program)
        programs_generation_bump()
        audit_record_for(locked, action=AuditAction.TRANSITION, fields=["state"], actor=user)
    return locked


def report_comment(*, report: MonthlyReport, user: Any, comment: str) -> ReportEvent:
    """Add an RDEC comment to a report's history without changing its state."""
    if not can_review_reports(user):
        raise PermissionDeniedError("只有研考會同仁可以加註審查意見。")
    if not comment.strip():
        raise ReportInvalidError({"comment": "請填寫審查意見。"})
    event = ReportEvent.objects.create(
        report=report,
        action=ReviewAction.COMMENT,
        actor=user,
        comment=comment.strip(),
        snapshot=_snapshot(report),
    )
    programs_generation_bump()
    audit_record_for(report, action=AuditAction.UPDATE, fields=["comment"], actor=user)
    return event


def program_latest_refresh(*, program: Program) -> Program:
    """Copy the newest filed month (submitted, returned or accepted) onto the program, with its light."""
    latest = (
        MonthlyReport.objects.filter(program=program, state__in=FILED_STATES)
        .order_by("-period")
        .only("period", "planned_progress", "actual_progress", "execution_rate", "light")
        .first()
    )
    if latest is None:
        program.latest_period = program.latest_planned = program.latest_actual = None
        program.latest_execution_rate = None
        program.light = Light.NONE
    else:
        program.latest_period = latest.period
        program.latest_planned = latest.planned_progress
        program.latest_actual = latest.actual_progress
        program.latest_execution_rate = latest.execution_rate
        program.light = latest.light
    Program.objects.filter(pk=program.pk).update(
        latest_period=program.latest_period,
        latest_planned=program.latest_planned,
        latest_actual=program.latest_actual,
        latest_execution_rate=program.latest_execution_rate,
        light=program.light,
    )
    return program


@dataclass(frozen=True)
class MilestoneSpec:
    name: str
    planned_on: date
    weight: Decimal


@dataclass(frozen=True)
class BudgetSpec:
    year: int
    source: str
    amount: int


def program_create(
    *,
    code: str,
    name: str,
    program_type: ProgramType,
    agency: Agency,
    starts_on: date,
    ends_on: date,
    controlled_from: date,
    controlled_until: date | None = None,
    control_level: str = ControlLevel.SELF,
    progress_method: str = ProgressMethod.ENTERED,
    total_budget: int = 0,
    parent: Program | None = None,
    co_agencies: Iterable[Agency] = (),
    description: str = "",
    milestones: Iterable[MilestoneSpec] = (),
    budgets: Iterable[BudgetSpec] = (),
    user: Any = None,
) -> Program:
    """Put a program under control, with its milestones and yearly budgets; RDEC staff only."""
    if user is not None and not can_review_reports(user):
        raise PermissionDeniedError("只有研考會同仁可以新增列管計畫。")
    milestone_list, budget_list = list(milestones), list(budgets)
    errors: dict[str, str] = {}
    if ends_on < starts_on:
        errors["ends_on"] = "計畫迄日早於起日。"
    if Program.objects.filter(code=code).exists():
        errors["code"] = f"計畫編號 {code} 已存在。"
    if parent is not None and parent.agency_id != agency.pk:
        errors["parent"] = "子計畫的主辦機關須與上層計畫相同。"
    outside = [m.name for m in milestone_list if not starts_on <= m.planned_on <= ends_on]
    if outside:
        errors["milestones"] = f"查核點「{'、'.join(outside)}」的預定完成日不在計畫期間內。"
    weights = sum((m.weight for m in milestone_list), Decimal(0))
    if progress_method == ProgressMethod.MILESTONE and weights != HUNDRED:
        errors["milestones"] = (
            errors.get("milestones", "")
            + f"以查核點權重計算進度時，權重合計須為 100（目前 {weights.normalize():f}）。"
        )
    if progress_method == ProgressMethod.BUDGET and total_budget <= 0:
        errors["total_budget"] = "以預算執行權重計算進度時，須填總經費。"
    years = [b.year for b in budget_list if not starts_on.year <= b.year <= ends_on.year]
    if years:
        errors["budgets"] = f"經費年度 {'、'.join(map(str, years))} 不在計畫期間內。"
    if errors:
        raise ProgramInvalidError(errors)
    with transaction.atomic():
        program = Program.objects.create(
            code=code,
            name=name,
            program_type=program_type,
            agency=agency,
            starts_on=starts_on,
            ends_on=ends_on,
            controlled_from=controlled_from,
            controlled_until=controlled_until,
            control_level=control_level,
            progress_method=progress_method,
            total_budget=total_budget,
            parent=parent,
            description=description,
        )
        program.co_agencies.set(list(co_agencies))
        Milestone.objects.bulk_create(
            Milestone(program=program, sequence=index, name=m.name, planned_on=m.planned_on, weight=m.weight)
            for index, m in enumerate(sorted(milestone_list, key=lambda m: m.planned_on), start=1)
        )
        ProgramBudget.objects.bulk_create(
            ProgramBudget(program=program, year=b.year, source=b.source, amount=b.amount) for b in budget_list
        )
        programs_generation_bump()
        audit_record_for(program, action=AuditAction.CREATE, fields=["code", "name", "agency"], actor=user)
    return program


@dataclass(frozen=True)
class MilestoneEdit:
    """A milestone as the edit form sends it: `id` None for a new one."""

    id: int | None
    name: str
    planned_on: date
    weight: Decimal


def program_update(
    *,
    program: Program,
    user: Any,
    expected_version: int | None,
    name: str,
    ends_on: date,
    control_level: str,
    controlled_until: date | None,
    description: str,
    milestones: Iterable[MilestoneEdit] = (),
) -> Program:
    """Correct a program under control (RDEC staff): name, end, level, release, milestones.

    Milestones are changed or added, never removed here: monthly reports refer to them. A stale
    form (someone saved since it was opened) is refused and nothing changes.
    """
    if not can_review_reports(user):
        raise PermissionDeniedError("只有研考會同仁可以修改列管計畫。")
    edits = list(milestones)
    with transaction.atomic():
        locked = Program.objects.select_for_update().get(pk=program.pk)
        if expected_version is not None and locked.version != expected_version:
            raise ConflictError("這個計畫在您開啟後已被他人修改；為免覆蓋，本次未儲存，請重新載入。")
        existing = {milestone.pk: milestone for milestone in locked.milestones.all()}
        errors: dict[str, str] = {}
        if ends_on < locked.starts_on:
            errors["ends_on"] = "計畫迄日早於起日。"
        if controlled_until is not None and controlled_until < locked.controlled_from:
            errors["controlled_until"] = "解除列管日早於列管起日。"
        unknown = [str(edit.id) for edit in edits if edit.id is not None and edit.id not in existing]
        if unknown:
            errors["milestones"] = "查核點不屬於這個計畫。"
        outside = [edit.name for edit in edits if not locked.starts_on <= edit.planned_on <= ends_on]
        if outside:
            errors["milestones"] = f"查核點「{'、'.join(outside)}」的預定完成日不在計畫期間內。"
        weights = {pk: milestone.weight for pk, milestone in existing.items()}
        weights.update({edit.id: edit.weight for edit in edits if edit.id is not None})
        total = sum(weights.values(), Decimal(0)) + sum((e.weight for e in edits if e.id is None), Decimal(0))
        if locked.progress_method == ProgressMethod.MILESTONE and total != HUNDRED:
            errors["milestones"] = (
                errors.get("milestones", "")
                + f"以查核點權重計算進度時，權重合計須為 100（目前 {total.normalize():f}）。"
            )
        if errors:
            raise ProgramInvalidError(errors)
        changed = [
            field
            for field, value in (
                ("name", name),
                ("ends_on", ends_on),
                ("control_level", control_level),
                ("controlled_until", controlled_until),
                ("description", description),
            )
            if getattr(locked, field) != value
        ]
        locked.name, locked.ends_on, locked.control_level = name, ends_on, ControlLevel(control_level)
        locked.controlled_until, locked.description = controlled_until, description
        next_sequence = max((m.sequence for m in existing.values()), default=0) + 1
        for edit in edits:
            if edit.id is None:
                Milestone.objects.create(
                    program=locked, sequence=next_sequence, name=edit.name, planned_on=edit.planned_on,
                    weight=edit.weight,
                )  # fmt: skip
                next_sequence += 1
                changed.append("milestones")
                continue
            milestone = existing[edit.id]
            if (milestone.name, milestone.planned_on, milestone.weight) != (
                edit.name,
                edit.planned_on,
                edit.weight,
            ):
                milestone.name, milestone.planned_on, milestone.weight = (
                    edit.name,
                    edit.planned_on,
                    edit.weight,
                )
                milestone.save(update_fields=["name", "planned_on", "weight"])
                changed.append("milestones")
        if not changed:
            return locked
        locked.version += 1
        locked.save()
        programs_generation_bump()
        audit_record_for(locked, action=AuditAction.UPDATE, fields=sorted(set(changed)), actor=user)
    return locked


def program_progress_method_set(
    *, program: Program, method: str, user: Any, expected_version: int | None = None
) -> Program:
    """Choose how progress is computed; fixed once the first report is filed."""
    if not can_file_report(user, program):
        raise PermissionDeniedError()
    with transaction.atomic():
        locked = Program.objects.select_for_update().get(pk=program.pk)
        if expected_version is not None and locked.version != expected_version:
            raise ConflictError("這個計畫已被他人修改，請重新載入。")
        if locked.reports.filter(state__in=FILED_STATES).exists():
            raise ApplicationError("已有送出的月報，進度計算方式不能再變更。")
        locked.progress_method = ProgressMethod(method)
        locked.version += 1
        locked.save()
        programs_generation_bump()
        audit_record_for(locked, action=AuditAction.UPDATE, fields=["progress_method"], actor=user)
    return locked


# ---------------------------------------------------------------------------------------------
# Quarterly risk rating (公共建設計畫審議、預警及退場機制: high / medium / low with reasons)
# ---------------------------------------------------------------------------------------------


def risk_ratings_compute(*, quarter: date, today: date | None = None) -> dict[str, int]:
    """Rate every program under control in the quarter starting `quarter`; returns counts by level."""
    today = today or timezone.localdate()
    last_day = month_last(month_add(quarter, 2))
    on = min(last_day, today)
    behind_high = rule_get(key="program.risk_high_behind", on=on).value
    execution_high = rule_get(key="program.risk_high_execution", on=on).value
    red_months = int(rule_get(key="program.risk_red_months", on=on).value)
    steep = rule_get(key="program.risk_steep_curve", on=on).value
    window = int(rule_get(key="program.risk_milestone_window", on=on).value)
    programs = list(
        Program.objects.filter(controlled_from__lte=last_day, starts_on__lte=last_day)
        .exclude(controlled_until__lt=quarter)
        .only("pk", "starts_on", "ends_on")
    )
    months = [quarter, month_add(quarter, 1), month_add(quarter, 2)]
    due_months = [m for m in months if report_due_on(period=m) < today]
    reports: dict[int, list[MonthlyReport]] = {}
    for report in MonthlyReport.objects.filter(period__in=months, state__in=FILED_STATES).only(
        "program_id", "period", "planned_progress", "actual_progress", "execution_rate", "light"
    ):
        reports.setdefault(report.program_id, []).append(report)
    upcoming: dict[int, int] = {}
    horizon = date.fromordinal(on.toordinal() + window)
    for program_id in Milestone.objects.filter(
        completed_on=None, planned_on__gt=on, planned_on__lte=horizon
    ).values_list("program_id", flat=True):
        upcoming[program_id] = upcoming.get(program_id, 0) + 1
    ratings = []
    counts = {level.value: 0 for level in RiskLevel}
    for program in programs:
        high: list[str] = []
        medium: list[str] = []
        own = sorted(reports.get(program.pk, []), key=lambda r: r.period)
        reds = sum(1 for r in own if r.light == Light.RED)
        if reds >= red_months:
            high.append(f"當季紅燈 {reds} 個月")
        if own:
            latest = own[-1]
            gap = latest.planned_progress - latest.actual_progress
            if gap >= behind_high:
                high.append(f"實際進度落後 {gap.normalize():f} 個百分點")
            if latest.execution_rate is not None and latest.execution_rate < execution_high:
                high.append(f"預算執行率 {latest.execution_rate.normalize():f}%")
            if latest.light in (Light.YELLOW, Light.RED) and not high:
                medium.append(f"{month_label(latest.period)}{latest.get_light_display()}")
            remaining = HUNDRED - latest.planned_progress
            if program.ends_on <= month_last(month_add(quarter, 5)) and remaining >= steep:
                medium.append(f"預定進度曲線失衡：距完工不到兩季，尚有 {remaining.normalize():f}% 預定進度")
        # Only months already past their due date count as missing; months a program did not run are not owed.
        owed = [m for m in due_months if month_first(program.starts_on) <= m <= month_first(program.ends_on)]
        missing = len(owed) - len([r for r in own if r.period in owed])
        if missing > 0:
            medium.append(f"當季缺漏月報 {missing} 個月")
        if upcoming.get(program.pk):
            medium.append(f"{upcoming[program.pk]} 個查核點將於 {window} 日內到期")
        level = RiskLevel.HIGH if high else RiskLevel.MEDIUM if medium else RiskLevel.LOW
        reasons = high + medium or ["進度及預算執行正常"]
        counts[level.value] += 1
        ratings.append(RiskRating(program_id=program.pk, quarter=quarter, level=level, reasons=reasons))
    with transaction.atomic():
        RiskRating.objects.filter(quarter=quarter).delete()
        RiskRating.objects.bulk_create(ratings, batch_size=1000)
        programs_generation_bump()
    audit_record(
        action=AuditAction.UPDATE,
        target_type="programs.riskrating",
        target_id=quarter.isoformat(),
        detail=counts,
    )
    return counts
