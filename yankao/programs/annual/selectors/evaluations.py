"""Reads of programs' annual evaluations as each user may see them, and the grade distribution."""

from collections import Counter
from typing import Any

from django.db.models import Q, QuerySet

from yankao.core.exceptions import NotFoundError
from yankao.core.permissions import is_staff_member
from yankao.programs.annual.grades import GRADES, LOWEST_GRADE
from yankao.programs.annual.models import ProgramEvaluation
from yankao.programs.annual.permissions import AGENCY_ROLES, can_view_agency_records, reads_all


def program_evaluations_visible(
    *, user: Any, year: int | None = None, status: str = ""
) -> QuerySet[ProgramEvaluation]:
    evaluations = ProgramEvaluation.objects.select_related("program__agency", "program__program_type")
    if reads_all(user):
        pass
    elif is_staff_member(user) and user.role in AGENCY_ROLES and user.agency_id is not None:
        scope = user.agency.path
        evaluations = evaluations.filter(
            Q(program__agency__path=scope) | Q(program__agency__path__startswith=scope + "/")
        )
    else:
        return evaluations.none()
    if year is not None:
        evaluations = evaluations.filter(year=year)
    if status:
        evaluations = evaluations.filter(status=status)
    return evaluations.order_by("-year", "program__agency__sort_order", "program__code")


def program_evaluation_get(*, user: Any, evaluation_id: int) -> ProgramEvaluation:
    evaluation = (
        ProgramEvaluation.objects.select_related("program__agency", "program__program_type", "reviewer")
        .filter(pk=evaluation_id)
        .first()
    )
    if evaluation is None or not can_view_agency_records(user, evaluation.program.agency):
        raise NotFoundError("找不到這項年度考核。")
    return evaluation


def program_evaluation_years() -> list[int]:
    return sorted(set(ProgramEvaluation.objects.values_list("year", flat=True)), reverse=True)


def grade_distribution(*, year: int) -> dict[str, int]:
    """How many reviewed evaluations of the year earned each grade, best grade first."""
    counts = Counter(
        ProgramEvaluation.objects.filter(year=year, status=ProgramEvaluation.Status.REVIEWED).values_list(
            "grade", flat=True
        )
    )
    order = [str(label) for _, label in (*GRADES, LOWEST_GRADE)]
    return dict(
        sorted(counts.items(), key=lambda pair: order.index(pair[0]) if pair[0] in order else len(order))
    )
