"""The demo of the yearly cycle: annual plan rounds, programs' annual evaluation, tracked items and
municipal enterprise evaluations, in the state they would be in on the build date.

Sizes come from `[programs_annual]` of the targets file, and the revitalisation meetings and site
visits from `[programs].revitalisation_meetings` (the report's 14, 2023-10 to 2024-03). Deadlines
and grades use the module's own rules (rule_get, deadline_from_rule, grade_for_score). The demo owns
every row of this module's tables: its reset empties them (a demo database holds no other).
"""

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from random import Random
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction

from yankao.core.demo_framework import DemoContext, demo_generator_register
from yankao.core.durations import deadline_from_rule
from yankao.core.models import Agency, Role, User
from yankao.core.selectors.rules import rule_get
from yankao.programs.annual.grades import (
    ENTERPRISE_BANDS,
    EVALUATION_BANDS,
    enterprise_criteria,
    grade_for_score,
)
from yankao.programs.annual.models import (
    CriterionScore,
    EnterpriseEvaluation,
    PanelMember,
    PlanItem,
    PlanItemEvent,
    PlanRound,
    ProgramEvaluation,
    Recommendation,
    TrackedItem,
    TrackedItemUpdate,
)
from yankao.programs.models import Program

VERSION = "1"
WORDS_FILE = Path(__file__).resolve().parent / "data" / "demo_plan.toml"
TAIPEI = ZoneInfo("Asia/Taipei")
RDEC_CODE = "397027000A"
YOUTH_CODE = "397032000A"  # 青年局: partner of the RDEC for local revitalisation (report)
# Internal reviewers of enterprise panels come from these agencies' liaisons (unverified choice).
INTERNAL_REVIEWER_AGENCIES = ("397003000A", "397005000A", "397029000A")
TWO = Decimal("0.01")
UNIVERSITIES = (
    "國立中山大學",
    "國立高雄大學",
    "國立高雄科技大學",
    "國立成功大學",
)  # outside experts' affiliations


@cache
def _words() -> dict[str, Any]:
    return tomllib.loads(WORDS_FILE.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Plan:
    first_plan_year: int
    plan_items: int
    round_opens: tuple[int, int]  # month, day in the year before the plan year
    plan_approved: tuple[int, int]
    evaluation_year: int
    just_transition_agencies: int
    revitalisation_teams: int
    revitalisation_events: int
    revitalisation_visits: int
    enterprise_first_year: int
    reviewers_internal: int
    reviewers_external: int
    recommendations: int


def _month_day(ctx: DemoContext, key: str) -> tuple[int, int]:
    text = ctx.target(key, str)
    try:
        month, day = (int(part) for part in text.split("-"))
        date(2024, month, day)
    except ValueError:
        raise ctx.targets_error(key, f'應為「月-日」，例如 "02-15"，實際是 {text!r}') from None
    return month, day


def _plan(ctx: DemoContext) -> Plan:
    programs = ctx.targets_of("programs")
    plan = Plan(
        first_plan_year=ctx.target("first_plan_year", int),
        plan_items=ctx.target("plan_items_per_year", int),
        round_opens=_month_day(ctx, "preliminary_round_opens"),
        plan_approved=_month_day(ctx, "plan_approved"),
        evaluation_year=ctx.target("evaluation_year", int),
        just_transition_agencies=ctx.target("just_transition_agencies", int),
        revitalisation_teams=ctx.target("revitalisation_teams", int),
        revitalisation_events=ctx.target("revitalisation_meetings", int, table=programs),
        revitalisation_visits=ctx.target("revitalisation_visits", int),
        enterprise_first_year=ctx.target("enterprise_first_year", int),
        reviewers_internal=ctx.target("reviewers_internal", int),
        reviewers_external=ctx.target("reviewers_external", int),
        recommendations=ctx.target("recommendations_per_evaluation", int),
    )
    for key in (
        "plan_items_per_year",
        "just_transition_agencies",
        "revitalisation_teams",
        "recommendations_per_evaluation",
    ):
        if ctx.target(key, int) < 0:
            raise ctx.targets_error(key, "不可為負數")
    if plan.revitalisation_visits > plan.revitalisation_events:
        raise ctx.targets_error("revitalisation_visits", "不可多於 [programs] 的 revitalisation_meetings")
    return plan


class _People:
    """The demo accounts that act in this module (made by core's demo generator)."""

    def __init__(self) -> None:
        users = User.objects.filter(is_active=True).exclude(role=Role.CITIZEN).select_related("agency")
        self.by_username = {user.username: user for user in users}
        rdec = self.by_username.get("rdec_staff") or next(
            (u for u in users if u.role in (Role.RDEC_STAFF, Role.RDEC_ADMIN)), None
        )
        if rdec is None:
            raise RuntimeError("示範資料缺少研考會同仁帳號，請先建置 core。")
        self.rdec: User = rdec

    def liaison(self, agency: Agency) -> User:
        """The agency's demo liaison, or the RDEC on its behalf when the agency has no demo staff."""
        return self.by_username.get(f"demo.{agency.code.lower()}.01", self.rdec)


def _moment(day: date, rng: Random) -> datetime:
    return datetime.combine(day, time(rng.randint(8, 17), rng.randint(0, 59)), tzinfo=TAIPEI)


def _between(rng: Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, max((last - first).days, 0)))


# --- annual plan rounds -------------------------------------------------------------------------------


def _rounds(ctx: DemoContext, plan: Plan, people: _People) -> tuple[int, int]:
    rng = ctx.random_for("plan")
    words = _words()
    agencies = list(
        Agency.objects.filter(kind=Agency.Kind.FIRST_LEVEL, is_active=True)
        .exclude(code=RDEC_CODE)
        .order_by("sort_order")
    )
    rounds = items_made = 0
    year = plan.first_plan_year
    while True:
        opens_on = date(year - 1, *plan.round_opens)
        if opens_on > ctx.build_date or plan.plan_items == 0 or not agencies:
            break
        period = rule_get(key="programs_annual.preliminary_round_period", on=opens_on)
        deadline = deadline_from_rule(rule=period, start=opens_on)
        assert isinstance(deadline, date)
        approved_on = date(year - 1, *plan.plan_approved)
        approved = ctx.build_date >= approved_on
        compiled = not approved and ctx.build_date > deadline + timedelta(days=45)
        status = (
            PlanRound.Status.APPROVED
            if approved
            else (PlanRound.Status.COMPILED if compiled else PlanRound.Status.OPEN)
        )
        plan_round = PlanRound.objects.create(
            year=year,
            title=f"{year - 1911}年度施政計畫先期作業",
            opens_on=opens_on,
            deadline=deadline,
            status=status,
            compiled_at=_moment(min(approved_on - timedelta(days=30), ctx.build_date), rng)
            if status != PlanRound.Status.OPEN
            else None,
            approved_on=approved_on if approved else None,
        )
        rounds += 1
        # Every agency has at least one item; the rest go to agencies by a random weight.
        weights = [rng.uniform(0.5, 2.0) for _ in agencies]
        counts = [1] * len(agencies)
        for index in rng.choices(
            range(len(agencies)), weights=weights, k=max(plan.plan_items - len(agencies), 0)
        ):
            counts[index] += 1
        item_rows: list[PlanItem] = []
        histories: list[list[tuple[str, date, str, bool]]] = []
        for agency, count in zip(agencies, counts, strict=True):
            titles = list(words["titles"].get(agency.code, []))
            generic = [t.format(short=agency.display_short_name) for t in words["generic"]["titles"]]
            pool = titles + [t for t in generic if t not in titles]
            for sequence in range(1, count + 1):
                title = pool[(sequence - 1) % len(pool)] + (
                    "" if sequence <= len(pool) else f"（第{sequence - len(pool) + 1}期）"
                )
                item_status, history = _item_story(
                    rng, opens_on=opens_on, deadline=deadline, build_date=ctx.build_date, round_status=status
                )
                item_rows.append(
                    PlanItem(
                        plan_round=plan_round,
                        agency=agency,
                        sequence=sequence,
                        title=title,
                        goal=rng.choice(words["generic"]["goals"]),
                        content=rng.choice(words["generic"]["contents"]),
                        indicators=rng.choice(words["generic"]["indicators"]),
                        budget_thousands=Decimal(
                            rng.choice((5, 10, 20, 50, 80, 120, 300, 600)) * 1000 + rng.randint(0, 999)
                        ),
                        status=item_status,
                        submitted_at=next(
                            (_moment(d, rng) for a, d, _, _ in reversed(history) if a == "submit"), None
                        ),
                        review_comment=next(
                            (n for a, _, n, _ in reversed(history) if a in ("return", "accept")), ""
                        ),
                        created_by=people.liaison(agency),
                        version=len(history),
                    )
                )
                histories.append(history)
        created = PlanItem.objects.bulk_create(item_rows)
        events = [
            PlanItemEvent(
                item=item,
                action=action,
                actor=people.rdec if by_rdec else item.created_by,
                occurred_at=_moment(day, rng),
                note=note,
            )
            for item, history in zip(created, histories, strict=True)
            for action, day, note, by_rdec in history
        ]
        ctx.bulk_insert(PlanItemEvent, events, total=len(events))
        items_made += len(created)
        year += 1
    return rounds, items_made


def _item_story(
    rng: Random, *, opens_on: date, deadline: date, build_date: date, round_status: str
) -> tuple[str, list[tuple[str, date, str, bool]]]:
    """An item's history up to the build date: (action, day, note, by the RDEC)."""
    comments = _words()["generic"]["return_comments"]
    # Every item exists by the build date: the later ones as drafts just begun.
    created = min(_between(rng, opens_on, deadline - timedelta(days=3)), build_date)
    history: list[tuple[str, date, str, bool]] = [("create", created, "", False)]
    submitted = _between(rng, created, deadline)
    if submitted > build_date:
        return PlanItem.Status.DRAFT, history
    history.append(("submit", submitted, "", False))
    reviewed = submitted + timedelta(days=rng.randint(3, 20))
    if rng.random() < 0.3:  # a third come back once for correction
        if reviewed > build_date and round_status == PlanRound.Status.OPEN:
            return PlanItem.Status.SUBMITTED, history
        history.append(("return", reviewed, rng.choice(comments), True))
        resubmitted = reviewed + timedelta(days=rng.randint(2, 10))
        if resubmitted > build_date and round_status == PlanRound.Status.OPEN:
            return PlanItem.Status.RETURNED, history
        history += [("edit", resubmitted, "", False), ("submit", resubmitted, "重新提報", False)]
        reviewed = resubmitted + timedelta(days=rng.randint(3, 15))
    if reviewed > build_date and round_status == PlanRound.Status.OPEN:
        return PlanItem.Status.SUBMITTED, history
    history.append(("accept", min(reviewed, build_date), "", True))
    return PlanItem.Status.ACCEPTED, history


# --- programs' annual evaluation ------------------------------------------------------------------------


def _program_evaluations(ctx: DemoContext, plan: Plan, people: _People) -> int:
    year = plan.evaluation_year
    opened = date(year + 1, 1, 10)  # the EY timetable: self-assessment from 10 January (domain-rules §3.1)
    if ctx.build_date < opened:
        return 0
    rng = ctx.random_for("evaluations")
    programs = list(
        Program.objects.filter(controlled_from__lte=date(year, 12, 31), parent__isnull=True)
        .exclude(controlled_until__lt=date(year, 1, 1))
        .order_by("code")
        .values_list("pk", "latest_actual", "latest_planned")
    )
    on = date(year, 12, 31)
    rows = []
    for pk, actual, planned in programs:
        # Programs ahead of plan assess themselves higher; the RDEC trims most self-assessments a little.
        gap = float((actual or 0) - (planned or 0))
        self_score = Decimal(str(min(98.0, max(60.0, rng.gauss(86 + gap / 4, 4))))).quantize(TWO)
        review_score = Decimal(str(max(55.0, float(self_score) - abs(rng.gauss(2.5, 2.5))))).quantize(TWO)
        self_day = _between(rng, opened, date(year + 1, 3, 25))
        review_day = _between(rng, date(year + 1, 3, 26), date(year + 1, 6, 30))
        row = ProgramEvaluation(program_id=pk, year=year)
        if self_day <= ctx.build_date:
            row.status, row.self_score, row.self_assessment = (
                ProgramEvaluation.Status.SELF_ASSESSED,
                self_score,
                "年度目標大致達成，執行情形詳如自評報告。",
            )
            row.self_submitted_at = _moment(self_day, rng)
            if review_day <= ctx.build_date:
                row.status, row.review_score, row.reviewer = (
                    ProgramEvaluation.Status.REVIEWED,
                    review_score,
                    people.rdec,
                )
                row.grade = grade_for_score(score=review_score, on=on, bands=EVALUATION_BANDS).label
                row.reviewed_at = _moment(review_day, rng)
                row.review_comment = (
                    "執行良好，請持續追蹤查核點。"
                    if review_score >= 80
                    else "進度落後，請檢討原因並提出改善措施。"
                )
        elif rng.random() < 0.5:
            row.self_score = self_score  # a draft saved, not yet sent
        rows.append(row)
    return ctx.bulk_insert(ProgramEvaluation, rows, total=len(rows))


# --- tracked items ------------------------------------------------------------------------------------


def _updates(
    rng: Random, *, item: TrackedItem, people: _People, until: date, phrases: Sequence[str]
) -> list[TrackedItemUpdate]:
    """Periodic updates from the start to `until`; about one item in five falls behind on its last."""
    rule = rule_get(
        key="programs_annual.tracked_update_interval", qualifier=f"kind:{item.kind}", on=item.started_on
    )
    updates = []
    since = item.started_on
    lagging = rng.random() < 0.2
    while True:
        due = deadline_from_rule(rule=rule, start=since)
        assert isinstance(due, date)
        reported = due - timedelta(days=rng.randint(0, 10))
        if reported > until or (lagging and due + timedelta(days=45) > until):
            break
        updates.append(
            TrackedItemUpdate(
                item=item,
                reported_on=reported,
                progress=rng.choice(phrases),
                author=people.liaison(item.agency),
            )
        )
        since = reported
    item.last_update_on = updates[-1].reported_on if updates else None
    return updates


def _tracked(ctx: DemoContext, plan: Plan, people: _People) -> int:
    rng = ctx.random_for("tracked")
    words = _words()
    agencies = {a.code: a for a in Agency.objects.filter(is_active=True)}
    first_level = sorted(
        (a for a in agencies.values() if a.kind == Agency.Kind.FIRST_LEVEL), key=lambda a: a.sort_order
    )
    districts = [a for a in agencies.values() if a.kind == Agency.Kind.DISTRICT_OFFICE]
    youth = agencies.get(YOUTH_CODE) or first_level[0]
    rdec = agencies.get(RDEC_CODE) or first_level[0]
    items: list[TrackedItem] = []
    # 公正轉型對策: "將彙整各機關淨零-公正轉型對策並追蹤納管" after the March 2024 workshop.
    start = date(2024, 3, 29)
    if ctx.build_date >= start:
        for agency in rng.sample(first_level, min(plan.just_transition_agencies, len(first_level))):
            for title in rng.sample(words["just_transition"]["titles"], rng.randint(1, 2)):
                items.append(
                    TrackedItem(
                        kind=TrackedItem.Kind.JUST_TRANSITION,
                        title=title,
                        agency=agency,
                        started_on=start,
                        due_on=date(rng.choice((2025, 2026, 2027)), 12, 31),
                    )
                )
    # Revitalisation teams: the twelve at the February 2024 exchange, supported with the Youth Bureau.
    teams = words["revitalisation"]["teams"]
    for index in range(plan.revitalisation_teams):
        started = date(2024, 2, 27)
        if ctx.build_date < started:
            break
        name = teams[index % len(teams)] + ("" if index < len(teams) else f"（{index // len(teams) + 1}）")
        items.append(
            TrackedItem(
                kind=TrackedItem.Kind.REVITALISATION_TEAM,
                title=name,
                agency=youth,
                started_on=started,
                due_on=date(2026, 12, 31),
                description="輔導媒合資源，協助團隊提案及申請補助。",
            )
        )
    # Meetings and site visits, 2023-10 to 2024-03 (the report's 14); the visits fall in 2024.
    events = plan.revitalisation_events
    for index in range(events):
        visit = index >= events - plan.revitalisation_visits
        held = (
            _between(rng, date(2024, 1, 8), date(2024, 3, 29))
            if visit
            else _between(rng, date(2023, 10, 2), date(2024, 3, 29))
        )
        while held.weekday() >= 5:
            held -= timedelta(days=1)
        if held > ctx.build_date:
            continue
        kind = TrackedItem.Kind.REVITALISATION_VISIT if visit else TrackedItem.Kind.REVITALISATION_MEETING
        items.append(
            TrackedItem(
                kind=kind,
                title=rng.choice(words["revitalisation"]["visits" if visit else "meetings"]),
                agency=rng.choice(districts) if visit and districts else rdec,
                started_on=held,
                held_on=held,
                due_on=held + timedelta(days=60),
                location="" if not visit else "偏鄉創生據點",
            )
        )
    pairs: list[tuple[TrackedItem, list[TrackedItemUpdate]]] = []
    for item in items:
        phrases = words[
            "just_transition" if item.kind == TrackedItem.Kind.JUST_TRANSITION else "revitalisation"
        ]["progress"]
        done = (
            item.kind in (TrackedItem.Kind.REVITALISATION_MEETING, TrackedItem.Kind.REVITALISATION_VISIT)
            and item.due_on < ctx.build_date
        )
        item_updates = _updates(
            rng,
            item=item,
            people=people,
            until=min(ctx.build_date, item.due_on) if done else ctx.build_date,
            phrases=phrases,
        )
        if done:
            item.status, item.completed_on = (
                TrackedItem.Status.DONE,
                item.due_on - timedelta(days=rng.randint(0, 20)),
            )
        pairs.append((item, item_updates))
    created = TrackedItem.objects.bulk_create(items)
    # bulk_create gave the items their keys: the updates built on them now point at them.
    rows = [update for _, item_updates in pairs for update in item_updates]
    ctx.bulk_insert(TrackedItemUpdate, rows, total=len(rows))
    return len(created)


# --- municipal enterprise evaluations -------------------------------------------------------------------


def _enterprise(ctx: DemoContext, plan: Plan, people: _People) -> int:
    rng = ctx.random_for("enterprise")
    words = _words()["enterprise"]
    enterprises = list(
        Agency.objects.filter(kind=Agency.Kind.MUNICIPAL_ENTERPRISE, is_active=True).order_by("sort_order")
    )
    internal_pool = [people.liaison(a) for a in Agency.objects.filter(code__in=INTERNAL_REVIEWER_AGENCIES)]
    internal_pool = [u for u in internal_pool if u != people.rdec] or [people.rdec]
    external_pool = [
        people.by_username[n]
        for n in sorted(people.by_username)
        if people.by_username[n].role == Role.INSPECTOR
    ]
    # The persona first, so the demo login `inspector` sits on every panel and sees it.
    external_pool.sort(key=lambda u: (u.username != "inspector", u.username))
    made = 0
    for year in range(plan.enterprise_first_year, ctx.build_date.year):
        on = date(year, 12, 31)
        criteria = enterprise_criteria(on=on)
        scoring_from, reported_on = date(year + 1, 3, 1), date(year + 1, 5, 15)
        if ctx.build_date < scoring_from:
            continue
        for enterprise in enterprises:
            evaluation = EnterpriseEvaluation.objects.create(enterprise=enterprise, year=year)
            made += 1
            quality = rng.gauss(82, 5)
            members = [
                PanelMember(
                    evaluation=evaluation,
                    user=user,
                    is_external=external,
                    affiliation="" if not external else "大學教授（外部委員）",
                )
                for users, external in (
                    (internal_pool[: plan.reviewers_internal], False),
                    (external_pool[: plan.reviewers_external], True),
                )
                for user in users
            ]
            members = PanelMember.objects.bulk_create(members)
            scores, all_in = [], True
            for member in members:
                day = _between(rng, scoring_from, reported_on - timedelta(days=10))
                if day > ctx.build_date:
                    all_in = False
                    continue
                member.submitted_at = _moment(day, rng)
                member.save(update_fields=["submitted_at"])
                for criterion in criteria:
                    value = Decimal(str(min(99.0, max(60.0, rng.gauss(quality, 4))))).quantize(Decimal(1))
                    scores.append(CriterionScore(member=member, criterion=criterion.code, score=value))
            CriterionScore.objects.bulk_create(scores)
            if not all_in or reported_on > ctx.build_date or not members:
                continue
            total = Decimal(0)
            for criterion in criteria:
                values = [s.score for s in scores if s.criterion == criterion.code]
                total += sum(values, Decimal(0)) / len(values) * criterion.weight / 100
            total = total.quantize(TWO)
            period = rule_get(key="programs_annual.recommendation_response_period", on=reported_on)
            due = deadline_from_rule(rule=period, start=reported_on)
            assert isinstance(due, date)
            recommendations = []
            for number, text in enumerate(
                rng.sample(
                    words["recommendations"], min(plan.recommendations, len(words["recommendations"]))
                ),
                start=1,
            ):
                row = Recommendation(evaluation=evaluation, number=number, text=text, due_on=due)
                responded = due - timedelta(days=rng.randint(-20, 30))
                if responded <= ctx.build_date and rng.random() < 0.9:
                    row.status, row.response, row.responded_at = (
                        Recommendation.Status.RESPONDED,
                        rng.choice(words["responses"]),
                        _moment(responded, rng),
                    )
                    closed = responded + timedelta(days=rng.randint(10, 60))
                    if closed <= ctx.build_date and rng.random() < 0.85:
                        row.status, row.closed_on = Recommendation.Status.CLOSED, closed
                recommendations.append(row)
            Recommendation.objects.bulk_create(recommendations)
            evaluation.report = rng.choice(words["reports"])
            evaluation.total_score = total
            evaluation.grade = grade_for_score(score=total, on=on, bands=ENTERPRISE_BANDS).label
            evaluation.reported_on = reported_on
            evaluation.status = (
                EnterpriseEvaluation.Status.CLOSED
                if all(r.status == Recommendation.Status.CLOSED for r in recommendations)
                else EnterpriseEvaluation.Status.REPORTED
            )
            evaluation.version = 2
            evaluation.save()
    return made


def programs_annual_demo_build(ctx: DemoContext) -> None:
    plan = _plan(ctx)
    people = _People()
    rounds, items = _rounds(ctx, plan, people)
    evaluations = _program_evaluations(ctx, plan, people)
    tracked = _tracked(ctx, plan, people)
    enterprise = _enterprise(ctx, plan, people)
    ctx.write(
        f"      施政計畫先期作業 {rounds} 年度（{items} 項）、計畫年度考核 {evaluations} 件、"
        f"列管事項 {tracked} 件、市營事業績效考核 {enterprise} 件"
    )


def programs_annual_demo_reset(ctx: DemoContext) -> None:
    with transaction.atomic():
        for model in (
            CriterionScore,
            PanelMember,
            Recommendation,
            EnterpriseEvaluation,
            TrackedItemUpdate,
            TrackedItem,
            ProgramEvaluation,
            PlanItemEvent,
            PlanItem,
            PlanRound,
        ):
            model._default_manager.all().delete()


def programs_annual_demo_has_data() -> bool:
    return PlanRound.objects.exists() or TrackedItem.objects.exists() or EnterpriseEvaluation.objects.exists()


demo_generator_register(
    name="programs_annual",
    version=VERSION,
    build=programs_annual_demo_build,
    reset=programs_annual_demo_reset,
    has_data=programs_annual_demo_has_data,
    depends_on=("core", "programs"),
    description="施政計畫先期作業與核定本、計畫年度考核、公正轉型與地方創生列管事項、市營事業績效考核",
)
