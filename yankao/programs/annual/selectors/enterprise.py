"""Reads of municipal enterprise evaluations: the RDEC and auditors see all, a reviewer their panels,
an enterprise its own evaluations once reported (scores stay with the panel until then)."""

from typing import Any

from django.db.models import Q, QuerySet

from yankao.core.exceptions import NotFoundError
from yankao.core.models import Agency
from yankao.core.permissions import is_staff_member
from yankao.programs.annual.models import CriterionScore, EnterpriseEvaluation, PanelMember, Recommendation
from yankao.programs.annual.permissions import AGENCY_ROLES, acts_for_agency, reads_all


def enterprise_evaluations_visible(*, user: Any) -> QuerySet[EnterpriseEvaluation]:
    evaluations = EnterpriseEvaluation.objects.select_related("enterprise")
    if reads_all(user):
        return evaluations
    if not is_staff_member(user):
        return evaluations.none()
    seat = Q(panel__user=user)
    if user.role in AGENCY_ROLES and user.agency_id is not None:
        scope = user.agency.path
        own = (Q(enterprise__path=scope) | Q(enterprise__path__startswith=scope + "/")) & ~Q(
            status=EnterpriseEvaluation.Status.SCORING
        )
        return evaluations.filter(seat | own).distinct()
    return evaluations.filter(seat).distinct()


def enterprise_evaluation_get(*, user: Any, evaluation_id: int) -> EnterpriseEvaluation:
    evaluation = enterprise_evaluations_visible(user=user).filter(pk=evaluation_id).first()
    if evaluation is None:
        raise NotFoundError("找不到這項市營事業績效考核。")
    return evaluation


def panel_seat_of(*, user: Any, evaluation: EnterpriseEvaluation) -> PanelMember | None:
    return PanelMember.objects.filter(evaluation=evaluation, user=user).select_related("user").first()


def scores_visible(*, user: Any, evaluation: EnterpriseEvaluation) -> QuerySet[CriterionScore]:
    """Every reviewer's scores for the RDEC and auditors; a reviewer sees only their own."""
    scores = CriterionScore.objects.filter(member__evaluation=evaluation).select_related("member__user")
    if reads_all(user):
        return scores
    return scores.filter(member__user=user)


def enterprise_candidates() -> QuerySet[Agency]:
    return Agency.objects.filter(kind=Agency.Kind.MUNICIPAL_ENTERPRISE, is_active=True).order_by(
        "sort_order", "path"
    )


def recommendations_visible(*, user: Any, status: str = "") -> QuerySet[Recommendation]:
    """Recommendations of issued reports: all for the RDEC and auditors, an enterprise its own."""
    items = Recommendation.objects.select_related("evaluation__enterprise")
    if not reads_all(user):
        if not (is_staff_member(user) and user.role in AGENCY_ROLES and user.agency_id is not None):
            return items.none()
        scope = user.agency.path
        items = items.filter(
            Q(evaluation__enterprise__path=scope) | Q(evaluation__enterprise__path__startswith=scope + "/")
        )
    if status:
        items = items.filter(status=status)
    return items.order_by("status", "due_on", "evaluation_id", "number")


def recommendation_can_respond(*, user: Any, recommendation: Recommendation) -> bool:
    return recommendation.status == Recommendation.Status.OPEN and acts_for_agency(
        user, recommendation.evaluation.enterprise
    )
