"""The yearly cycle's demo: a small city from core's tiny targets plus [programs] and [programs_annual]."""

from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command

from yankao.core.models import Agency
from yankao.programs.annual.grades import grade_for_score
from yankao.programs.annual.models import (
    EnterpriseEvaluation,
    PlanItem,
    PlanRound,
    ProgramEvaluation,
    Recommendation,
    TrackedItem,
)
from yankao.programs.annual.selectors.plan import plan_content
from yankao.programs.annual.selectors.tracked import revitalisation_events_count

TINY = Path(__file__).resolve().parents[3] / "core" / "tests" / "data" / "tiny.toml"
BUILD_DATE = date(2024, 9, 20)
TABLES = """
[programs]
as_of = 2024-03-31
policy_programs = 3
infrastructure_subsidy_programs = 4
forward_looking_programs = 6
started_after_as_of_per_year = 10
revitalisation_meetings = 14

[programs_annual]
first_plan_year = 2024
plan_items_per_year = 40
preliminary_round_opens = "02-15"
plan_approved = "12-20"
evaluation_year = 2023
just_transition_agencies = 5
revitalisation_teams = 12
revitalisation_visits = 2
enterprise_first_year = 2022
reviewers_internal = 2
reviewers_external = 3
recommendations_per_evaluation = 4
"""

pytestmark = pytest.mark.django_db


def build(tmp_path: Path, *args: str) -> None:
    targets = tmp_path / "targets.toml"
    targets.write_text(TINY.read_text(encoding="utf-8") + TABLES, encoding="utf-8")
    call_command(
        "demo", "--targets", str(targets), "--state", str(tmp_path / "demo.json"),
        "--build-date", BUILD_DATE.isoformat(), "--only", "programs_annual", "--no-progress", *args, verbosity=0,
    )  # fmt: skip


def test_the_demo_follows_the_targets_and_the_build_date(tmp_path, seeded):
    build(tmp_path)
    # 113 (plan year 2024) approved on 2023-12-20; 114 opened 2024-02-15, deadline passed, not yet approved.
    rounds = {r.year: r for r in PlanRound.objects.all()}
    assert set(rounds) == {2024, 2025}
    assert rounds[2024].status == PlanRound.Status.APPROVED
    assert rounds[2025].status == PlanRound.Status.COMPILED
    assert PlanItem.objects.filter(plan_round=rounds[2024]).count() == 40
    sections = plan_content(plan_round=rounds[2024]).sections
    orders = [Agency.objects.get(name=s.agency_name).sort_order for s in sections]
    assert orders == sorted(orders)
    # The report's 14 meetings and site visits, 2023-10 to 2024-03, two of them visits.
    assert revitalisation_events_count(date_from=date(2023, 10, 1), date_to=date(2024, 3, 31)) == 14
    assert TrackedItem.objects.filter(kind=TrackedItem.Kind.REVITALISATION_VISIT).count() == 2
    assert TrackedItem.objects.filter(kind=TrackedItem.Kind.REVITALISATION_TEAM).count() == 12
    assert (
        TrackedItem.objects.filter(kind=TrackedItem.Kind.JUST_TRANSITION).values("agency").distinct().count()
        == 5
    )
    # Enterprise evaluations of 2022 and 2023, reported in May of the next year, grades by the bands.
    evaluations = EnterpriseEvaluation.objects.all()
    assert evaluations.count() == 2 * Agency.objects.filter(kind=Agency.Kind.MUNICIPAL_ENTERPRISE).count()
    for evaluation in evaluations:
        assert evaluation.panel.count() <= 5
        assert (
            evaluation.grade
            == grade_for_score(
                score=evaluation.total_score,
                on=date(evaluation.year, 12, 31),
                bands="programs_annual.enterprise_grade_min",
            ).label
        )
    assert (
        Recommendation.objects.filter(evaluation__year=2023)
        .exclude(status=Recommendation.Status.CLOSED)
        .exists()
    )
    # Programs' 2023 evaluation: self-assessed by 3/25, reviewed by 6/30: all reviewed on 2024-09-20.
    assert ProgramEvaluation.objects.exists()
    assert set(ProgramEvaluation.objects.values_list("status", flat=True)) == {
        ProgramEvaluation.Status.REVIEWED
    }


def test_reset_and_rebuild_give_the_same_data(tmp_path, seeded):
    build(tmp_path)
    first = list(
        PlanItem.objects.order_by("plan_round__year", "agency__sort_order", "sequence").values_list(
            "title", "budget_thousands", "status"
        )
    )
    build(tmp_path, "--reset")
    again = list(
        PlanItem.objects.order_by("plan_round__year", "agency__sort_order", "sequence").values_list(
            "title", "budget_thousands", "status"
        )
    )
    assert first == again
