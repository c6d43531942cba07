"""Figures of the yearly cycle as of a date, for the council report and statistics pages.

Stock figures only (what stands on the report's as-of date), computed from the data: the plan
approved by then, the revitalisation meetings and visits of the half-year ending then, the teams
and countermeasures under tracking then, and the latest enterprise evaluations reported by then.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q

from yankao.programs.annual.models import (
    EnterpriseEvaluation,
    PlanItem,
    PlanRound,
    Recommendation,
    TrackedItem,
)

HALF_YEAR_MONTHS = 6


@dataclass(frozen=True)
class PlanFigures:
    approved: PlanRound | None
    approved_items: int
    approved_agencies: int
    next_round: PlanRound | None
    next_round_items: int  # submitted or further, by the as-of date


def plan_figures_as_of(*, on: date) -> PlanFigures:
    approved = PlanRound.objects.filter(approved_on__lte=on).order_by("-year").first()
    items = (
        PlanItem.objects.filter(plan_round=approved, status=PlanItem.Status.ACCEPTED)
        if approved
        else PlanItem.objects.none()
    )
    next_round = (
        PlanRound.objects.filter(opens_on__lte=on).exclude(approved_on__lte=on).order_by("year").first()
    )
    next_items = (
        PlanItem.objects.filter(plan_round=next_round, submitted_at__date__lte=on).count()
        if next_round
        else 0
    )
    return PlanFigures(
        approved=approved,
        approved_items=items.count(),
        approved_agencies=items.values("agency").distinct().count(),
        next_round=next_round,
        next_round_items=next_items,
    )


def half_year_start(on: date) -> date:
    """The first day of the six whole months ending with `on`'s month (2024-03-31 → 2023-10-01)."""
    month = on.month - HALF_YEAR_MONTHS + 1
    year = on.year + (month - 1) // 12
    return date(year, (month - 1) % 12 + 1, 1)


@dataclass(frozen=True)
class TrackedFigures:
    events_from: date
    meetings: int
    visits: int
    teams: int
    countermeasures: int
    countermeasure_agencies: int


def tracked_figures_as_of(*, on: date) -> TrackedFigures:
    start = half_year_start(on)
    held = TrackedItem.objects.filter(held_on__gte=start, held_on__lte=on).exclude(
        status=TrackedItem.Status.CANCELLED
    )
    counts = held.aggregate(
        meetings=Count("id", filter=Q(kind=TrackedItem.Kind.REVITALISATION_MEETING)),
        visits=Count("id", filter=Q(kind=TrackedItem.Kind.REVITALISATION_VISIT)),
    )
    # Under tracking on the date: started by then and not closed before it.
    standing = TrackedItem.objects.filter(started_on__lte=on).exclude(
        Q(status__in=[TrackedItem.Status.DONE, TrackedItem.Status.CANCELLED]) & Q(completed_on__lt=on)
    )
    countermeasures = standing.filter(kind=TrackedItem.Kind.JUST_TRANSITION)
    return TrackedFigures(
        events_from=start,
        meetings=counts["meetings"],
        visits=counts["visits"],
        teams=standing.filter(kind=TrackedItem.Kind.REVITALISATION_TEAM).count(),
        countermeasures=countermeasures.count(),
        countermeasure_agencies=countermeasures.values("agency").distinct().count(),
    )


@dataclass(frozen=True)
class EnterpriseRow:
    enterprise: str
    year: int
    total: float | None
    grade: str
    recommendations: int
    closed: int


def enterprise_rows_as_of(*, on: date) -> list[EnterpriseRow]:
    """Each enterprise's latest evaluation reported by `on`, with how many recommendations were closed by then."""
    reported = (
        EnterpriseEvaluation.objects.filter(reported_on__lte=on)
        .select_related("enterprise")
        .order_by("-year")
    )
    latest_year = reported.values_list("year", flat=True).first()
    if latest_year is None:
        return []
    rows = []
    for evaluation in reported.filter(year=latest_year).order_by("enterprise__sort_order"):
        recommendations = Recommendation.objects.filter(evaluation=evaluation)
        rows.append(
            EnterpriseRow(
                enterprise=evaluation.enterprise.name,
                year=evaluation.year,
                total=float(evaluation.total_score) if evaluation.total_score is not None else None,
                grade=evaluation.grade,
                recommendations=recommendations.count(),
                closed=recommendations.filter(closed_on__lte=on).count(),
            )
        )
    return rows
