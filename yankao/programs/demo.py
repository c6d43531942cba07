"""The demo city's controlled programs: the targets' stock on the as-of date (1,338 in Kaohsiung on
2024-03-31: 119 施政計畫, 208 基本設施補助計畫, 1,011 前瞻基礎建設計畫), programs that came under
control after it, their budgets, milestones and indicators, and monthly reports from 2023 to the
build date with a believable spread of delays, then the quarterly risk ratings.

Everything is planned in memory from the module's own random streams (deterministic for a seed),
lights are judged by `lights.light_judge` with the rule table's thresholds, and rows are inserted in
bulk with progress bars.
"""

import math
import tomllib
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from random import Random
from typing import Any

from django.db import transaction

from yankao.core.demo_framework import DemoContext, demo_generator_register
from yankao.core.models import Agency, Role, User
from yankao.programs.caching import programs_generation_bump
from yankao.programs.lights import (
    LightThresholds,
    execution_rate_compute,
    explanation_reasons,
    light_judge,
    light_thresholds,
)
from yankao.programs.models import (
    BudgetSource,
    ControlLevel,
    Indicator,
    Light,
    Milestone,
    MonthlyReport,
    Program,
    ProgramBudget,
    ProgramType,
    ProgressMethod,
    ReportEvent,
    ReportMilestone,
    ReportState,
    ReviewAction,
    RiskRating,
)
from yankao.programs.periods import month_add, month_first, month_last, quarter_first
from yankao.programs.services import report_due_on, risk_ratings_compute

VERSION = "3"
DATA_FILE = Path(__file__).resolve().parent / "data" / "demo_programs.toml"
REPORTS_FROM = date(2023, 1, 1)
EARLIEST_START = date(2021, 1, 1)
# Delay profiles: share of programs, peak lag in percentage points, execution ratio range.
PROFILES = (
    ("on_track", 0.62, (0.0, 3.0), (0.88, 1.0)),
    ("slight", 0.20, (4.0, 9.0), (0.78, 0.95)),
    ("delayed", 0.12, (9.0, 16.0), (0.62, 0.88)),
    ("severe", 0.06, (16.0, 35.0), (0.42, 0.78)),
)


@cache
def demo_data() -> dict[str, Any]:
    with DATA_FILE.open("rb") as file:
        return tomllib.load(file)


@dataclass
class PlannedReport:
    period: date
    planned: Decimal
    actual: Decimal
    allocated: int
    executed: int
    light: str
    reason: str = ""
    remedy: str = ""
    narrative: str = ""
    state: str = ReportState.ACCEPTED


@dataclass
class PlannedProgram:
    program: Program
    parent_index: int | None = None
    co_agency: Agency | None = None
    milestones: list[Milestone] = field(default_factory=list)
    budgets: list[ProgramBudget] = field(default_factory=list)
    indicator: Indicator | None = None
    reports: list[PlannedReport] = field(default_factory=list)


def _pick(rng: Random, shares: dict[str, float]) -> str:
    keys = list(shares)
    return rng.choices(keys, weights=[shares[key] for key in keys])[0]


def _add_months(day: date, months: int) -> date:
    first = month_add(day, months)
    return month_last(first)


def _name(rng: Random, template: str, *, district: str, data: dict[str, Any]) -> str:
    school_district = district.removesuffix("區")
    return template.format(
        district=district,
        road=rng.choice(data["roads"]),
        place=rng.choice(data["places"]),
        school=f"{school_district}{rng.choice(data['schools'])}" if "{school}" in template else "",
        year=rng.randint(112, 113),
        n=rng.randint(1, 6),
    ).replace(f"{district}{school_district}", school_district)


def _s_curve(fraction: float) -> float:
    fraction = min(max(fraction, 0.0), 1.0)
    return 3 * fraction**2 - 2 * fraction**3


class _Builder:
    def __init__(self, ctx: DemoContext) -> None:
        self.ctx = ctx
        self.data = demo_data()
        self.as_of: date = ctx.target("as_of", date)
        self.build_date = ctx.build_date
        self.agencies = {agency.code: agency for agency in Agency.objects.all()}
        self.districts = [a for a in self.agencies.values() if a.kind == Agency.Kind.DISTRICT_OFFICE]
        self.types = {program_type.code: program_type for program_type in ProgramType.objects.all()}
        self.thresholds: dict[date, LightThresholds] = {}
        self.codes: dict[str, int] = {}
        self.last_month = month_add(month_first(self.build_date), -1)

    def threshold(self, period: date) -> LightThresholds:
        if period not in self.thresholds:
            self.thresholds[period] = light_thresholds(on=month_last(period))
        return self.thresholds[period]

    def code(self, prefix: str, start: date) -> str:
        key = f"{prefix}{start.year - 1911}"
        self.codes[key] = self.codes.get(key, 0) + 1
        return f"{key}{self.codes[key]:04d}"

    def district_name(self, agency: Agency, rng: Random) -> str:
        if agency.kind == Agency.Kind.DISTRICT_OFFICE:
            return agency.name.removeprefix("高雄市").removesuffix("公所")
        return rng.choice(self.districts).name.removeprefix("高雄市").removesuffix("公所")

    def plan(self) -> list[PlannedProgram]:
        planned: list[PlannedProgram] = []
        after = int(self.ctx.target("started_after_as_of_per_year", int, default=0))
        stock_total = sum(int(self.ctx.target(spec["target_key"], int)) for spec in self.data["type"]) or 1
        for spec in self.data["type"]:
            rng = self.ctx.random_for(spec["code"])
            count = int(self.ctx.target(spec["target_key"], int))
            program_type = self.types[spec["code"]]
            parents: list[int] = []
            for name, agency_code in spec.get("parents", []):
                agency = self.agencies[agency_code]
                start = date(2017, 9, 1)
                planned.append(
                    self._program(
                        rng,
                        spec,
                        program_type,
                        agency=agency,
                        name=name,
                        start=start,
                        end=date(2026, 12, 31),
                        years_override=True,
                    )
                )
                parents.append(len(planned) - 1)
            for _ in range(count - len(parents)):
                planned.append(self._one(rng, spec, program_type, after_as_of=False))
                self._parent_pick(rng, planned, parents)
            months_after = max(
                0,
                (self.build_date.year - self.as_of.year) * 12 + self.build_date.month - self.as_of.month - 1,
            )
            share = count / stock_total
            for _ in range(round(after * share * months_after / 12)):
                planned.append(self._one(rng, spec, program_type, after_as_of=True))
                self._parent_pick(rng, planned, parents)
        self._parents_roll_up(planned)
        return planned

    def _parents_roll_up(self, planned: list[PlannedProgram]) -> None:
        """A 前瞻 theme is an 院列管 program whose budget is its sub-projects' together."""
        children: dict[int, list[PlannedProgram]] = {}
        for one in planned:
            if one.parent_index is not None:
                children.setdefault(one.parent_index, []).append(one)
        for index, own in children.items():
            parent = planned[index]
            total = sum(child.program.total_budget for child in own)
            factor = total / max(parent.program.total_budget, 1)
            parent.program.total_budget = total
            parent.program.control_level = ControlLevel.EXECUTIVE_YUAN
            for budget in parent.budgets:
                budget.amount = int(budget.amount * factor / 1000) * 1000
            for report in parent.reports:
                report.allocated = int(report.allocated * factor / 1000) * 1000
                report.executed = min(report.allocated, int(report.executed * factor / 1000) * 1000)
                rate = execution_rate_compute(allocated=report.allocated, executed=report.executed)
                report.light = light_judge(
                    planned=report.planned, actual=report.actual, execution_rate=rate,
                    thresholds=self.threshold(report.period),
                )  # fmt: skip

    @staticmethod
    def _parent_pick(rng: Random, planned: list[PlannedProgram], parents: list[int]) -> None:
        """Most 前瞻 projects are sub-projects of their agency's theme (same owning agency)."""
        child = planned[-1]
        own = [index for index in parents if planned[index].program.agency == child.program.agency]
        if own and rng.random() < 0.8:
            child.parent_index = rng.choice(own)

    def _one(
        self, rng: Random, spec: dict[str, Any], program_type: ProgramType, *, after_as_of: bool
    ) -> PlannedProgram:
        agency_key = _pick(rng, {key: value[0] for key, value in spec["agencies"].items()})
        agency = rng.choice(self.districts) if agency_key == "district_offices" else self.agencies[agency_key]
        template = rng.choice(spec["agencies"][agency_key][1])
        name = _name(rng, template, district=self.district_name(agency, rng), data=self.data)
        if after_as_of:
            span = max(1, (self.last_month - self.as_of).days)
            start = month_first(self.as_of + timedelta(days=rng.randint(1, span)))
        else:
            span = (self.as_of - EARLIEST_START).days
            # more programs start recently: a triangular draw leaning to the as-of date
            start = month_first(EARLIEST_START + timedelta(days=int(rng.triangular(0, span, span))))
        low, high = spec["years"]
        months = rng.randint(low * 12, high * 12)
        end = _add_months(start, months - 1)
        if not after_as_of and end < _add_months(self.as_of, 2):
            end = _add_months(self.as_of, rng.randint(2, 14))  # still running on the as-of date
        one = self._program(rng, spec, program_type, agency=agency, name=name, start=start, end=end)
        if rng.random() < 0.1:
            one.co_agency = rng.choice(
                [a for a in self.agencies.values() if a.kind == Agency.Kind.FIRST_LEVEL]
            )
        return one

    def _program(
        self,
        rng: Random,
        spec: dict[str, Any],
        program_type: ProgramType,
        *,
        agency: Agency,
        name: str,
        start: date,
        end: date,
        years_override: bool = False,
    ) -> PlannedProgram:
        low, high = spec["budget_million"]
        total = int(math.exp(rng.uniform(math.log(low), math.log(high))) * 1000) * 1000
        method = _pick(rng, spec["method_shares"])
        if years_override:
            method = ProgressMethod.ENTERED
        released = month_last(end) + timedelta(days=60)
        program = Program(
            code=self.code(spec["prefix"], start),
            name=name[:200],
            program_type=program_type,
            control_level=_pick(rng, spec["control_shares"]),
            agency=agency,
            starts_on=start,
            ends_on=end,
            controlled_from=max(start, date(2017, 9, 1)),
            controlled_until=released if released < self.build_date else None,
            progress_method=method,
            total_budget=total,
            description=f"{name}（示範資料）",
        )
        one = PlannedProgram(program=program)
        self._budgets(rng, one, spec)
        self._milestones(rng, one)
        one.indicator = Indicator(
            name="完工進度" if "工程" in name else "計畫目標達成率",
            unit="%",
            year=end.year,
            target=Decimal(100),
        )
        self._reports(rng, one)
        return one

    def _budgets(self, rng: Random, one: PlannedProgram, spec: dict[str, Any]) -> None:
        program = one.program
        years = list(range(program.starts_on.year, program.ends_on.year + 1))
        weights = [rng.uniform(0.6, 1.4) for _ in years]
        for year, weight in zip(years, weights, strict=True):
            amount = program.total_budget * weight / sum(weights)
            for source, share in spec["sources"].items():
                one.budgets.append(
                    ProgramBudget(
                        year=year, source=BudgetSource(source), amount=int(amount * share / 1000) * 1000
                    )
                )

    def _milestones(self, rng: Random, one: PlannedProgram) -> None:
        program = one.program
        count = rng.randint(3, 6)
        days = (program.ends_on - program.starts_on).days
        weights = [rng.randint(10, 30) for _ in range(count)]
        scale = Decimal(100) / sum(weights)
        rounded = [(Decimal(w) * scale).quantize(Decimal("0.01")) for w in weights]
        rounded[-1] += Decimal(100) - sum(rounded)
        names = ["完成規劃設計", "工程上網招標", "決標及開工", "主體工程完成50%", "主體工程完成", "完工驗收"]
        for index in range(count):
            planned_on = program.starts_on + timedelta(days=int(days * (index + 1) / count))
            one.milestones.append(
                Milestone(
                    sequence=index + 1,
                    name=names[min(index * len(names) // count, len(names) - 1)]
                    if index < count - 1
                    else "完工驗收",
                    planned_on=planned_on,
                    weight=rounded[index],
                )
            )

    def _reports(self, rng: Random, one: PlannedProgram) -> None:
        program = one.program
        profile = rng.choices(PROFILES, weights=[p[1] for p in PROFILES])[0]
        peak = rng.uniform(*profile[2])
        ratio_low, ratio_high = profile[3]
        recovering = rng.random() < 0.3
        total_months = max(
            1,
            (program.ends_on.year - program.starts_on.year) * 12
            + program.ends_on.month
            - program.starts_on.month
            + 1,
        )
        delay_days = int(peak * 6)
        for milestone in one.milestones:
            done = milestone.planned_on + timedelta(days=max(0, int(rng.gauss(delay_days, 10))))
            if done < self.build_date - timedelta(days=7):
                milestone.completed_on = done
        first = max(month_first(program.starts_on), REPORTS_FROM, month_first(program.controlled_from))
        last = min(month_first(program.ends_on), self.last_month)
        if program.controlled_until is not None:
            last = min(last, month_first(program.controlled_until))
        actual_prev = Decimal(0)
        executed_prev = 0
        period = first
        while period <= last:
            index = (period.year - program.starts_on.year) * 12 + period.month - program.starts_on.month
            fraction = (index + 1) / total_months
            planned_value = 100 * _s_curve(fraction)
            lag = peak * math.sqrt(fraction) * ((1 - fraction) if recovering else 1.0)
            actual_value = max(0.0, min(100.0, planned_value - lag + rng.gauss(0, 0.8)))
            allocated = int(program.total_budget * min(1.0, planned_value / 100 * 1.04 + 0.02) / 1000) * 1000
            ratio = min(1.0, rng.uniform(ratio_low, ratio_high) + (0.05 if fraction > 0.9 else 0))
            executed = max(executed_prev, min(allocated, int(allocated * ratio / 1000) * 1000))
            end = month_last(period)
            if program.progress_method == ProgressMethod.MILESTONE:
                planned = sum((m.weight for m in one.milestones if m.planned_on <= end), Decimal(0))
                actual = sum(
                    (
                        m.weight
                        for m in one.milestones
                        if m.completed_on is not None and m.completed_on <= end
                    ),
                    Decimal(0),
                )
            elif program.progress_method == ProgressMethod.BUDGET:
                planned = (Decimal(allocated) * 100 / Decimal(program.total_budget)).quantize(Decimal("0.01"))
                actual = (Decimal(executed) * 100 / Decimal(program.total_budget)).quantize(Decimal("0.01"))
            else:
                planned = Decimal(planned_value).quantize(Decimal("0.01"))
                actual = max(actual_prev, Decimal(actual_value).quantize(Decimal("0.01")))
            planned, actual = min(planned, Decimal(100)), min(actual, Decimal(100))
            actual_prev = actual
            executed_prev = executed
            rate = execution_rate_compute(allocated=allocated, executed=executed)
            thresholds = self.threshold(period)
            light = light_judge(planned=planned, actual=actual, execution_rate=rate, thresholds=thresholds)
            report = PlannedReport(
                period=period,
                planned=planned,
                actual=actual,
                allocated=allocated,
                executed=executed,
                light=light,
            )
            if explanation_reasons(
                planned=planned,
                actual=actual,
                execution_rate=rate,
                milestones_behind=0,
                thresholds=thresholds,
            ):
                report.reason = rng.choice(self.data["reasons"])
                report.remedy = rng.choice(self.data["remedies"])
            report.narrative = rng.choice(self.data["narratives"]).format(part=rng.choice(self.data["parts"]))
            one.reports.append(report)
            period = month_add(period, 1)
        self._recent_states(rng, one)

    def _recent_states(self, rng: Random, one: PlannedProgram) -> None:
        """The last months are still moving: some not filed, some waiting for review, a few returned."""
        if not one.reports:
            return
        latest = one.reports[-1]
        if latest.period == self.last_month:
            due = report_due_on(period=latest.period) if latest.period not in _DUE else _DUE[latest.period]
            _DUE[latest.period] = due
            roll = rng.random()
            missing_share = 0.07 if self.build_date > due else 0.45
            if roll < missing_share:
                one.reports.pop()
            elif roll < missing_share + 0.04:
                latest.state = ReportState.DRAFT
            elif roll < missing_share + 0.10:
                latest.state = ReportState.RETURNED
            elif roll < missing_share + 0.55:
                latest.state = ReportState.SUBMITTED
        if (
            len(one.reports) >= 2
            and one.reports[-2].period == month_add(self.last_month, -1)
            and rng.random() < 0.15
        ):
            one.reports[-2].state = ReportState.SUBMITTED


_DUE: dict[date, date] = {}


def programs_demo_build(ctx: DemoContext) -> None:
    builder = _Builder(ctx)
    with ctx.progress(total=1, what="規劃計畫", unit="批") as bar:
        planned = builder.plan()
        bar.update(1)
    staff = _staff_by_agency()
    reviewer = User.objects.filter(role=Role.RDEC_STAFF).order_by("pk").values_list("pk", flat=True).first()
    with transaction.atomic():
        parents = [one for index, one in enumerate(planned) if any(p.parent_index == index for p in planned)]
        for one in planned:
            _latest_copy(one)
        ctx.bulk_insert(Program, (one.program for one in parents), total=len(parents))
        for one in planned:
            if one.parent_index is not None:
                one.program.parent = planned[one.parent_index].program
        others = [one for one in planned if one.program.pk is None]
        ctx.bulk_insert(Program, (one.program for one in others), total=len(others))
        through = Program.co_agencies.through
        ctx.bulk_insert(
            through,
            (
                through(program_id=one.program.pk, agency_id=one.co_agency.pk)
                for one in planned
                if one.co_agency
            ),
        )
        ctx.bulk_insert(
            ProgramBudget, _with_program(planned, "budgets"), total=sum(len(o.budgets) for o in planned)
        )
        ctx.bulk_insert(
            Milestone, _with_program(planned, "milestones"), total=sum(len(o.milestones) for o in planned)
        )
        ctx.bulk_insert(Indicator, _indicators(planned), total=len(planned))
        total = sum(len(one.reports) for one in planned)
        reports = list(_monthly_reports(planned, staff=staff, reviewer=reviewer))
        ctx.bulk_insert(MonthlyReport, reports, total=total)
        ctx.bulk_insert(ReportEvent, _events(reports, reviewer=reviewer), total=total * 2)
    quarters = []
    quarter = quarter_first(REPORTS_FROM)
    while quarter <= quarter_first(builder.last_month):
        quarters.append(quarter)
        quarter = month_add(quarter, 3)
    for quarter in ctx.progress(quarters, what="季風險評等", unit="季"):
        risk_ratings_compute(quarter=quarter, today=ctx.build_date)
    programs_generation_bump()
    ctx.write(f"programs: {len(planned)} programs, {total} monthly reports")


def _latest_copy(one: PlannedProgram) -> None:
    filed = [r for r in one.reports if r.state != ReportState.DRAFT]
    if filed:
        last = filed[-1]
        one.program.latest_period = last.period
        one.program.latest_planned = last.planned
        one.program.latest_actual = last.actual
        one.program.latest_execution_rate = execution_rate_compute(
            allocated=last.allocated, executed=last.executed
        )
        one.program.light = last.light
    else:
        one.program.light = Light.NONE


def _with_program(planned: list[PlannedProgram], attribute: str) -> Any:
    for one in planned:
        for row in getattr(one, attribute):
            row.program = one.program
            yield row


def _indicators(planned: list[PlannedProgram]) -> Any:
    for one in planned:
        if one.indicator is not None:
            one.indicator.program = one.program
            yield one.indicator


def _staff_by_agency() -> dict[int, int]:
    staff: dict[int, int] = {}
    for agency_id, pk in (
        User.objects.filter(role__in=[Role.OFFICER, Role.LIAISON], agency__isnull=False)
        .order_by("pk")
        .values_list("agency_id", "pk")
    ):
        staff.setdefault(agency_id, pk)
    return staff


def _monthly_reports(planned: list[PlannedProgram], *, staff: dict[int, int], reviewer: int | None) -> Any:
    from datetime import datetime, time

    from yankao.core.roc_dates import TAIWAN

    for one in planned:
        program = one.program
        for report in one.reports:
            due = _DUE.get(report.period) or report_due_on(period=report.period)
            _DUE[report.period] = due
            filed = report.state != ReportState.DRAFT
            submitted_at = datetime.combine(
                due - timedelta(days=2 + program.pk % 4), time(10, program.pk % 60), TAIWAN
            )
            reviewed = report.state in (ReportState.ACCEPTED, ReportState.RETURNED)
            yield MonthlyReport(
                program=program,
                period=report.period,
                due_on=due,
                state=report.state,
                planned_progress=report.planned,
                actual_progress=report.actual,
                budget_allocated=report.allocated,
                budget_executed=report.executed,
                execution_rate=execution_rate_compute(allocated=report.allocated, executed=report.executed),
                light=report.light,
                narrative=report.narrative,
                delay_reason=report.reason,
                remedy=report.remedy,
                submitted_at=submitted_at if filed else None,
                submitted_by_id=staff.get(program.agency_id) if filed else None,
                reviewed_at=submitted_at + timedelta(days=5) if reviewed else None,
                reviewed_by_id=reviewer if reviewed else None,
                review_comment="落後原因請補充具體改善期程。" if report.state == ReportState.RETURNED else "",
            )


def _events(reports: list[MonthlyReport], *, reviewer: int | None) -> Any:
    for report in reports:
        if report.state == ReportState.DRAFT:
            continue
        snapshot = {"planned_progress": str(report.planned_progress), "actual_progress": str(report.actual_progress),
                    "light": report.light, "state": ReportState.SUBMITTED}  # fmt: skip
        yield ReportEvent(
            report=report, action=ReviewAction.SUBMIT, actor_id=report.submitted_by_id, snapshot=snapshot
        )
        if report.state in (ReportState.ACCEPTED, ReportState.RETURNED):
            action = ReviewAction.ACCEPT if report.state == ReportState.ACCEPTED else ReviewAction.RETURN
            yield ReportEvent(
                report=report, action=action, actor_id=reviewer, comment=report.review_comment,
                snapshot={**snapshot, "state": report.state},
            )  # fmt: skip


def programs_demo_reset(ctx: DemoContext) -> None:
    with transaction.atomic():
        ReportEvent.objects.all().delete()
        ReportMilestone.objects.all().delete()
        MonthlyReport.history.all().delete()
        MonthlyReport.objects.all().delete()
        RiskRating.objects.all().delete()
        Milestone.objects.all().delete()
        Indicator.objects.all().delete()
        ProgramBudget.objects.all().delete()
        Program.co_agencies.through.objects.all().delete()
        Program.history.all().delete()
        Program.objects.filter(parent__isnull=False).delete()
        Program.objects.all().delete()
        programs_generation_bump()


def programs_demo_has_data() -> bool:
    return Program.objects.exists()


demo_generator_register(
    name="programs",
    version=VERSION,
    build=programs_demo_build,
    reset=programs_demo_reset,
    has_data=programs_demo_has_data,
    depends_on=("core",),
    description="列管計畫（施政、基本設施補助、前瞻）及其查核點、經費與2023年起的每月進度",
)
