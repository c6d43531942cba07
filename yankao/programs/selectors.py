"""Reads of the monthly control: what a user may see, the exception list, dashboards and statistics.

Dashboards read the figures the services copy onto each program (latest month, light), so a page over
all 1,338 programs reads one row per program, never their tens of thousands of monthly reports.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, F, Q, QuerySet

from yankao.core.exceptions import NotFoundError, PermissionDeniedError
from yankao.core.models import Agency
from yankao.programs.access import can_see_all_programs, can_use_programs, can_view_program
from yankao.programs.caching import programs_cached
from yankao.programs.lights import light_thresholds
from yankao.programs.models import (
    FILED_STATES,
    ControlLevel,
    Light,
    MonthlyReport,
    Program,
    ProgramType,
    ReportEvent,
    ReportState,
    RiskLevel,
    RiskRating,
)
from yankao.programs.periods import month_add, month_first, month_label, month_last
from yankao.programs.services import report_due_on


def programs_visible(*, user: Any) -> QuerySet[Program]:
    """The programs `user` may see: all for RDEC, auditors and inspectors; their agency's scope otherwise."""
    if can_see_all_programs(user):
        return Program.objects.all()
    if not can_use_programs(user) or user.agency_id is None:
        return Program.objects.none()
    path = user.agency.path
    return Program.objects.filter(Q(agency__path=path) | Q(agency__path__startswith=path + "/"))


def program_get_for(*, user: Any, pk: int) -> Program:
    """One program the user may see; NotFoundError (not a refusal) for others' programs."""
    program = Program.objects.select_related("agency", "program_type", "parent").filter(pk=pk).first()
    if program is None or not can_view_program(user, program):
        raise NotFoundError("找不到這個計畫。")
    return program


def report_get_for(*, user: Any, pk: int) -> MonthlyReport:
    report = (
        MonthlyReport.objects.select_related("program", "program__agency", "program__program_type")
        .filter(pk=pk)
        .first()
    )
    if report is None or not can_view_program(user, report.program):
        raise NotFoundError("找不到這份月報。")
    return report


def program_has_filed_report(*, program: Program) -> bool:
    return program.reports.filter(state__in=FILED_STATES).exists()


def program_reports(*, program: Program) -> list[MonthlyReport]:
    return list(program.reports.order_by("-period"))


def report_events(*, report: MonthlyReport) -> list[ReportEvent]:
    return list(report.events.select_related("actor").order_by("occurred_at", "id"))


@dataclass(frozen=True)
class RollUp:
    """A parent program's sub-projects rolled up, weighted by each one's total budget."""

    children: int
    reporting: int
    planned: Decimal | None
    actual: Decimal | None
    execution_rate: Decimal | None
    lights: dict[str, int]


def program_rollup(*, program: Program) -> RollUp | None:
    """The budget-weighted progress of a program's sub-projects (None when it has none)."""
    rows = list(
        program.children.values_list(
            "total_budget", "latest_planned", "latest_actual", "latest_execution_rate", "light"
        )
    )
    if not rows:
        return None
    lights = dict.fromkeys(Light.values, 0)
    for *_, light in rows:
        lights[light] += 1
    filed = [row for row in rows if row[1] is not None and row[2] is not None]
    weight = sum(Decimal(max(row[0], 1)) for row in filed)

    def weighted(index: int) -> Decimal | None:
        values: list[tuple[Decimal, Decimal]] = [
            (Decimal(max(row[0], 1)), Decimal(str(row[index]))) for row in filed if row[index] is not None
        ]
        total = sum((w for w, _ in values), Decimal(0))
        if not values or not total:
            return None
        return (sum((w * v for w, v in values), Decimal(0)) / total).quantize(Decimal("0.01"))

    return RollUp(
        children=len(rows),
        reporting=len(filed),
        planned=weighted(1) if weight else None,
        actual=weighted(2) if weight else None,
        execution_rate=weighted(3),
        lights=lights,
    )


def programs_under_control(*, on: date) -> QuerySet[Program]:
    """Programs under control on `on` (stock): put under control by then and not yet released."""
    return Program.objects.filter(controlled_from__lte=on).filter(
        Q(controlled_until__isnull=True) | Q(controlled_until__gt=on)
    )


@dataclass(frozen=True)
class ReportingWindow:
    """The month agencies are reporting now and the latest month already past its due date."""

    current: date
    current_due: date
    last_due: date


def reporting_window(*, today: date) -> ReportingWindow:
    current = month_add(month_first(today), -1)
    due = report_due_on(period=current)
    return ReportingWindow(
        current=current, current_due=due, last_due=current if today > due else month_add(current, -1)
    )


def _expected(queryset: QuerySet[Program], *, period: date) -> QuerySet[Program]:
    """Programs that owe a report for `period`: under control then and running in that month."""
    return queryset.filter(
        controlled_from__lte=month_last(period), starts_on__lte=month_last(period), ends_on__gte=period
    ).filter(Q(controlled_until__isnull=True) | Q(controlled_until__gt=period))


def programs_owing(*, queryset: QuerySet[Program], period: date) -> QuerySet[Program]:
    """Programs that owe `period`'s report and have not filed it (nor any later month)."""
    return _expected(queryset, period=period).filter(
        Q(latest_period__isnull=True) | Q(latest_period__lt=period)
    )


def programs_overdue(*, queryset: QuerySet[Program], today: date) -> QuerySet[Program]:
    """Programs whose report of the latest month past its due date is not in."""
    window = reporting_window(today=today)
    return _expected(queryset, period=window.last_due).filter(
        Q(latest_period__isnull=True) | Q(latest_period__lt=window.last_due)
    )


# ---------------------------------------------------------------------------------------------
# Management by exception
# ---------------------------------------------------------------------------------------------

SEVERITY = {"red": 5, "high_risk": 4, "overdue": 4, "returned": 3, "yellow": 2, "awaiting_review": 1}
ISSUE_LABELS = {
    "red": "紅燈",
    "high_risk": "高風險",
    "overdue": "月報逾期",
    "returned": "退回待修正",
    "yellow": "黃燈",
    "awaiting_review": "待研考會審查",
}


@dataclass
class ExceptionRow:
    program_id: int
    code: str
    name: str
    agency_name: str
    light: str
    latest_period: date | None
    planned: Decimal | None
    actual: Decimal | None
    execution_rate: Decimal | None
    issues: list[tuple[str, str]] = field(default_factory=list)  # (kind, detail)

    @property
    def severity(self) -> int:
        return max(SEVERITY[kind] for kind, _ in self.issues)

    @property
    def gap(self) -> Decimal | None:
        if self.planned is None or self.actual is None:
            return None
        return self.actual - self.planned


def exceptions_list(*, user: Any, today: date, agency: Agency | None = None) -> list[ExceptionRow]:
    """What needs attention now, most serious first: red and yellow lights, overdue and returned
    reports, high-risk programs, and (for the RDEC) reports waiting for review."""
    queryset = programs_visible(user=user).filter(
        Q(controlled_until__isnull=True) | Q(controlled_until__gt=today)
    )
    if agency is not None:
        queryset = queryset.filter(agency=agency)
    columns = (
        "pk", "code", "name", "agency__short_name", "agency__name", "light",
        "latest_period", "latest_planned", "latest_actual", "latest_execution_rate",
    )  # fmt: skip
    rows: dict[int, ExceptionRow] = {}

    def row_for(values: tuple[Any, ...]) -> ExceptionRow:
        pk = values[0]
        if pk not in rows:
            rows[pk] = ExceptionRow(
                program_id=pk,
                code=values[1],
                name=values[2],
                agency_name=values[3] or values[4],
                light=values[5],
                latest_period=values[6],
                planned=values[7],
                actual=values[8],
                execution_rate=values[9],
            )
        return rows[pk]

    window = reporting_window(today=today)
    overdue_detail = (
        f"{month_label(window.last_due)}月報應於 {report_due_on(period=window.last_due):%m/%d} 前填報"
    )
    for values in queryset.filter(light__in=[Light.RED, Light.YELLOW]).values_list(*columns):
        row = row_for(values)
        detail = f"{month_label(values[6])}：預定 {values[7]}%、實際 {values[8]}%" if values[6] else ""
        if values[9] is not None:
            detail += f"、執行率 {values[9]}%"
        row.issues.append((values[5], detail))
    for values in programs_overdue(queryset=queryset, today=today).values_list(*columns):
        row_for(values).issues.append(("overdue", overdue_detail))
    states = [ReportState.RETURNED, ReportState.SUBMITTED]
    pending_reports = MonthlyReport.objects.filter(state__in=states)
    if agency is not None or not can_see_all_programs(user):
        pending_reports = pending_reports.filter(program__in=queryset)
    report_rows = pending_reports.values_list("program_id", "state", "period").order_by("period")
    pending: dict[int, list[tuple[str, date]]] = {}
    for program_id, state, period in report_rows:
        pending.setdefault(program_id, []).append((state, period))
    latest_quarter = RiskRating.objects.order_by("-quarter").values_list("quarter", flat=True).first()
    high_risk: dict[int, list[str]] = {}
    if latest_quarter is not None:
        for program_id, reasons in RiskRating.objects.filter(
            quarter=latest_quarter, level=RiskLevel.HIGH, program__in=queryset
        ).values_list("program_id", "reasons"):
            high_risk[program_id] = reasons
    extra_ids = (set(pending) | set(high_risk)) - set(rows)
    if extra_ids:
        for values in Program.objects.filter(pk__in=extra_ids).values_list(*columns):
            row_for(values)
    show_review = can_see_all_programs(user)
    for program_id, items in pending.items():
        for state, period in items:
            if state == ReportState.RETURNED:
                rows[program_id].issues.append(("returned", f"{month_label(period)}月報退回，待機關修正"))
            elif show_review:
                rows[program_id].issues.append(("awaiting_review", f"{month_label(period)}月報待審查"))
    for program_id, reasons in high_risk.items():
        rows[program_id].issues.append(("high_risk", "；".join(reasons)))
    result = [row for row in rows.values() if row.issues]
    result.sort(key=lambda row: (-row.severity, row.code))
    return result


def _scope_key(user: Any, agency: Agency | None) -> str:
    scope = "all" if can_see_all_programs(user) else f"agency{user.agency_id}"
    return f"{scope}:{agency.pk if agency else '-'}"


def exceptions_list_cached(*, user: Any, today: date, agency: Agency | None = None) -> list[ExceptionRow]:
    """`exceptions_list`, cached per scope and day until the next write of programs' data."""
    return programs_cached(
        f"exceptions:{_scope_key(user, agency)}:{today.isoformat()}",
        lambda: exceptions_list(user=user, today=today, agency=agency),
    )


# ---------------------------------------------------------------------------------------------
# Dashboards
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgencyLine:
    agency_id: int
    agency_name: str
    total: int
    green: int
    yellow: int
    red: int
    none: int
    execution_rate: Decimal | None


@dataclass(frozen=True)
class Dashboard:
    today: date
    total: int
    by_type: list[tuple[str, int]]
    by_level: list[tuple[str, int]]
    lights: dict[str, int]
    behind: int
    overdue: int
    awaiting_review: int
    returned: int
    execution_rate: Decimal | None
    risk: dict[str, int]
    agencies: list[AgencyLine]
    window: ReportingWindow


def dashboard_build(*, user: Any, today: date, agency: Agency | None = None) -> Dashboard:
    """The RDEC's dashboard (every agency) or one agency's (`agency`, or the user's own scope)."""
    if (
        agency is not None
        and not can_see_all_programs(user)
        and not programs_visible(user=user).filter(agency=agency).exists()
    ):
        raise PermissionDeniedError("您不能查看其他機關的儀表板。")
    base = programs_visible(user=user)
    if agency is not None:
        base = base.filter(agency=agency)
    active = base.filter(Q(controlled_until__isnull=True) | Q(controlled_until__gt=today))
    total = active.count()
    type_names = dict(ProgramType.objects.values_list("pk", "name"))
    by_type = [
        (type_names[pk], count)
        for pk, count in active.values_list("program_type")
        .annotate(n=Count("pk"))
        .order_by("program_type__sort_order")
        .values_list("program_type", "n")
    ]
    level_labels = dict(ControlLevel.choices)
    level_counts = dict(
        active.values_list("control_level").annotate(n=Count("pk")).values_list("control_level", "n")
    )
    by_level = [(str(level_labels[level]), level_counts.get(level, 0)) for level in ControlLevel.values]
    lights = dict.fromkeys(Light.values, 0)
    lights.update(dict(active.values_list("light").annotate(n=Count("pk")).values_list("light", "n")))
    thresholds = light_thresholds(on=today)
    behind = active.filter(latest_planned__gte=F("latest_actual") + thresholds.yellow_behind).count()
    overdue = programs_overdue(queryset=active, today=today).count()
    reports = MonthlyReport.objects.all()
    if agency is not None or not can_see_all_programs(user):
        reports = reports.filter(program__in=active)
    awaiting = reports.filter(state=ReportState.SUBMITTED).count()
    returned = reports.filter(state=ReportState.RETURNED).count()
    rate = active.aggregate(rate=Avg("latest_execution_rate"))["rate"]
    latest_quarter = RiskRating.objects.order_by("-quarter").values_list("quarter", flat=True).first()
    risk = dict.fromkeys(RiskLevel.values, 0)
    if latest_quarter is not None:
        risk.update(
            dict(
                RiskRating.objects.filter(quarter=latest_quarter, program__in=active)
                .values_list("level")
                .annotate(n=Count("pk"))
                .values_list("level", "n")
            )
        )
    agencies = [
        AgencyLine(
            agency_id=row["agency"],
            agency_name=row["agency__short_name"] or row["agency__name"],
            total=row["total"],
            green=row["green"],
            yellow=row["yellow"],
            red=row["red"],
            none=row["none"],
            execution_rate=row["rate"],
        )
        for row in active.values("agency", "agency__short_name", "agency__name", "agency__path")
        .annotate(
            total=Count("pk"),
            green=Count("pk", filter=Q(light=Light.GREEN)),
            yellow=Count("pk", filter=Q(light=Light.YELLOW)),
            red=Count("pk", filter=Q(light=Light.RED)),
            none=Count("pk", filter=Q(light=Light.NONE)),
            rate=Avg("latest_execution_rate"),
        )
        .order_by("agency__path")
    ]
    return Dashboard(
        today=today,
        total=total,
        by_type=by_type,
        by_level=by_level,
        lights=lights,
        behind=behind,
        overdue=overdue,
        awaiting_review=awaiting,
        returned=returned,
        execution_rate=Decimal(rate).quantize(Decimal("0.1")) if rate is not None else None,
        risk=risk,
        agencies=agencies,
        window=reporting_window(today=today),
    )


# ---------------------------------------------------------------------------------------------
# Statistics (stock figures as of a date)
# ---------------------------------------------------------------------------------------------


def dashboard_build_cached(*, user: Any, today: date, agency: Agency | None = None) -> Dashboard:
    """`dashboard_build`, cached per scope and day until the next write of programs' data."""
    return programs_cached(
        f"dashboard:{_scope_key(user, agency)}:{today.isoformat()}",
        lambda: dashboard_build(user=user, today=today, agency=agency),
    )


def program_counts_as_of(*, on: date) -> dict[str, Any]:
    """Programs under control on `on` by type, control level and agency."""
    stock = programs_under_control(on=on)
    by_type = list(
        stock.values_list("program_type__name")
        .annotate(n=Count("pk"))
        .order_by("program_type__sort_order", "program_type__code")
    )
    level_labels = dict(ControlLevel.choices)
    by_level_raw = dict(
        stock.values_list("control_level").annotate(n=Count("pk")).values_list("control_level", "n")
    )
    by_level = [(str(level_labels[level]), by_level_raw.get(level, 0)) for level in ControlLevel.values]
    by_agency = list(
        stock.values_list("agency__short_name", "agency__name", "agency__path")
        .annotate(n=Count("pk"))
        .order_by("-n", "agency__path")
    )
    return {
        "total": stock.count(),
        "by_type": [(name, n) for name, n in by_type],
        "by_level": by_level,
        "by_agency": [(short or name, n) for short, name, _path, n in by_agency],
    }


def month_reports_as_of(*, on: date) -> QuerySet[MonthlyReport]:
    """The filed reports of the last whole month on or before `on` for programs under control then."""
    period = month_first(on) if on == month_last(on) else month_add(month_first(on), -1)
    return MonthlyReport.objects.filter(
        period=period,
        state__in=[ReportState.SUBMITTED, ReportState.ACCEPTED, ReportState.RETURNED],
        program__in=programs_under_control(on=on),
    )


def lights_as_of(*, on: date) -> dict[str, int]:
    lights = dict.fromkeys(Light.values, 0)
    lights.update(
        dict(
            month_reports_as_of(on=on).values_list("light").annotate(n=Count("pk")).values_list("light", "n")
        )
    )
    lights[Light.NONE] = programs_under_control(on=on).count() - sum(
        n for light, n in lights.items() if light != Light.NONE
    )
    return lights


def execution_by_type_as_of(*, on: date) -> list[tuple[str, int, Decimal | None, int]]:
    """Per type: reports of the month, average execution rate, and how many are under the alert."""
    alert = light_thresholds(on=on).execution_alert
    rows = (
        month_reports_as_of(on=on)
        .values_list("program__program_type__name")
        .annotate(
            n=Count("pk"), rate=Avg("execution_rate"), low=Count("pk", filter=Q(execution_rate__lt=alert))
        )
        .order_by("program__program_type__sort_order")
    )
    return [
        (name, n, Decimal(rate).quantize(Decimal("0.1")) if rate is not None else None, low)
        for name, n, rate, low in rows
    ]


def programs_behind_as_of(*, on: date, limit: int = 20) -> list[MonthlyReport]:
    """The month's filed reports furthest behind schedule (gap at or past the yellow threshold)."""
    yellow = light_thresholds(on=on).yellow_behind
    reports = month_reports_as_of(on=on).select_related("program", "program__agency")
    behind = [
        r
        for r in reports.filter(light__in=[Light.RED, Light.YELLOW])
        if r.planned_progress - r.actual_progress >= yellow
    ]
    behind.sort(key=lambda r: r.actual_progress - r.planned_progress)
    return behind[:limit]
