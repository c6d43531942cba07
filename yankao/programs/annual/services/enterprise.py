"""Municipal enterprise performance evaluation (市營事業績效考核).

The RDEC opens a year's evaluation of an enterprise and seats a panel of reviewers from city
agencies and outside experts. Each reviewer scores every criterion in force (dated rules with
weights); once all have scored, the RDEC issues the panel's report with its recommendations. The
total is the weighted mean of the reviewers' scores and its grade follows the rule table's bands.
The enterprise answers each recommendation with what it has done; the RDEC closes it or sends it
back, and the evaluation closes when every recommendation is closed.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from yankao.core.durations import deadline_from_rule
from yankao.core.exceptions import ApplicationError, ConflictError, PermissionDeniedError
from yankao.core.models import Agency, AuditAction
from yankao.core.selectors.rules import rule_get
from yankao.core.services.audit import audit_record_for
from yankao.core.working_days import taiwan_date
from yankao.programs.annual.grades import ENTERPRISE_BANDS, enterprise_criteria, grade_for_score
from yankao.programs.annual.models import CriterionScore, EnterpriseEvaluation, PanelMember, Recommendation
from yankao.programs.annual.permissions import acts_for_agency, is_rdec

_TWO_PLACES = Decimal("0.01")


class ScoresInvalidError(ApplicationError):
    def __init__(self, errors: dict[str, list[str]]) -> None:
        first = next(iter(errors.values()))[0]
        super().__init__(first, code="invalid", extra={"errors": errors})
        self.errors = errors


def evaluation_rule_date(evaluation: EnterpriseEvaluation) -> date:
    """The date that selects the criteria and bands: the last day of the evaluated year."""
    return date(evaluation.year, 12, 31)


def enterprise_evaluation_open(*, enterprise: Agency, year: int, user: Any) -> EnterpriseEvaluation:
    if not is_rdec(user):
        raise PermissionDeniedError("只有研考會同仁可以辦理市營事業績效考核。")
    if enterprise.kind != Agency.Kind.MUNICIPAL_ENTERPRISE:
        raise ApplicationError(f"「{enterprise.name}」不是市營事業，不適用市營事業績效考核。")
    if EnterpriseEvaluation.objects.filter(enterprise=enterprise, year=year).exists():
        raise ApplicationError(f"{enterprise.name} {year - 1911}年度的績效考核已經建立。")
    enterprise_criteria(on=date(year, 12, 31))  # refuse now if the criteria are not set for that year
    with transaction.atomic():
        evaluation = EnterpriseEvaluation(enterprise=enterprise, year=year)
        evaluation.full_clean()
        evaluation.save()
        audit_record_for(evaluation, action=AuditAction.CREATE, fields=["enterprise", "year"], actor=user)
    return evaluation


def panel_member_add(
    *, evaluation: EnterpriseEvaluation, reviewer: Any, is_external: bool, user: Any, affiliation: str = ""
) -> PanelMember:
    """Seat a reviewer on the panel (while scoring is open)."""
    if not is_rdec(user):
        raise PermissionDeniedError("只有研考會同仁可以組成考評小組。")
    if not getattr(reviewer, "is_active", False) or reviewer.role == "citizen":
        raise ApplicationError("委員須為有效的市府系統帳號（外部委員請先建立帳號）。")
    if reviewer.agency_id is not None and reviewer.agency_id == evaluation.enterprise_id:
        raise ApplicationError("受評事業的人員不能擔任本案考評委員。")
    with transaction.atomic():
        locked = EnterpriseEvaluation.objects.select_for_update().get(pk=evaluation.pk)
        if locked.status != EnterpriseEvaluation.Status.SCORING:
            raise ApplicationError("考評報告已函送，不能再調整考評小組。")
        if PanelMember.objects.filter(evaluation=locked, user=reviewer).exists():
            raise ApplicationError(f"{reviewer} 已是本案考評委員。")
        member = PanelMember(
            evaluation=locked, user=reviewer, is_external=is_external, affiliation=affiliation.strip()
        )
        member.full_clean()
        member.save()
        audit_record_for(
            locked, action=AuditAction.UPDATE, fields=["panel"], detail={"member": reviewer.pk}, actor=user
        )
    return member


@dataclass(frozen=True)
class ScoreInput:
    score: str | Decimal | int | None
    comment: str = ""


def criterion_scores_submit(*, member: PanelMember, scores: dict[str, ScoreInput], user: Any) -> PanelMember:
    """A reviewer scores every criterion in force (0–100); resubmitting replaces their scores until the report."""
    if member.user_id != getattr(user, "pk", None):
        raise PermissionDeniedError("只有委員本人可以填寫評分。")
    evaluation = member.evaluation
    criteria = enterprise_criteria(on=evaluation_rule_date(evaluation))
    errors: dict[str, list[str]] = {}
    parsed: dict[str, tuple[Decimal, str]] = {}
    for criterion in criteria:
        given = scores.get(criterion.code)
        value = _score_parse(given.score if given else None)
        if value is None:
            errors.setdefault(criterion.code, []).append(
                f"「{criterion.name}」請填 0 到 100 的分數（至多兩位小數）。"
            )
            continue
        parsed[criterion.code] = (value, (given.comment if given else "").strip())
    unknown = sorted(set(scores) - {c.code for c in criteria})
    if unknown:
        errors.setdefault("__all__", []).append(f"不明的評分項目：{'、'.join(unknown)}。")
    if errors:
        raise ScoresInvalidError(errors)
    with transaction.atomic():
        locked_evaluation = EnterpriseEvaluation.objects.select_for_update().get(pk=evaluation.pk)
        if locked_evaluation.status != EnterpriseEvaluation.Status.SCORING:
            raise ApplicationError("考評報告已函送，評分不能再修改。")
        CriterionScore.objects.filter(member=member).delete()
        CriterionScore.objects.bulk_create(
            CriterionScore(member=member, criterion=code, score=value, comment=comment)
            for code, (value, comment) in parsed.items()
        )
        member.submitted_at = timezone.now()
        member.save(update_fields=["submitted_at"])
        audit_record_for(
            locked_evaluation,
            action=AuditAction.UPDATE,
            fields=["scores"],
            detail={"member": member.pk},
            actor=user,
        )
    return member


@dataclass(frozen=True)
class PanelResult:
    total: Decimal
    by_criterion: dict[str, Decimal]  # the panel's mean per criterion


def panel_result(*, evaluation: EnterpriseEvaluation) -> PanelResult:
    """The weighted mean of the reviewers' scores; needs every seated reviewer to have scored."""
    criteria = enterprise_criteria(on=evaluation_rule_date(evaluation))
    members = list(evaluation.panel.all())
    if not members:
        raise ApplicationError("考評小組尚無委員。")
    waiting = [str(m.user) for m in members if m.submitted_at is None]
    if waiting:
        raise ApplicationError(f"尚有委員未完成評分：{'、'.join(waiting)}。")
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for score in CriterionScore.objects.filter(member__evaluation=evaluation):
        sums[score.criterion] += score.score
    means = {c.code: (sums[c.code] / len(members)).quantize(_TWO_PLACES, ROUND_HALF_UP) for c in criteria}
    total = sum((sums[c.code] / len(members) * c.weight / 100 for c in criteria), Decimal(0))
    return PanelResult(total=total.quantize(_TWO_PLACES, ROUND_HALF_UP), by_criterion=means)


def enterprise_evaluation_report(
    *,
    evaluation: EnterpriseEvaluation,
    report: str,
    recommendations: list[str],
    user: Any,
    expected_version: int,
    reported_on: date | None = None,
) -> EnterpriseEvaluation:
    """Issue the panel's report to the enterprise; each recommendation is tracked from then on."""
    if not is_rdec(user):
        raise PermissionDeniedError("只有研考會同仁可以函送考評報告。")
    report = report.strip()
    texts = [text.strip() for text in recommendations if text.strip()]
    errors: dict[str, list[str]] = {}
    if not report:
        errors["report"] = ["請填寫考評報告內容。"]
    if errors:
        raise ScoresInvalidError(errors)
    reported_on = reported_on or taiwan_date(timezone.now())
    with transaction.atomic():
        locked = _evaluation_locked(evaluation, expected_version=expected_version)
        if locked.status != EnterpriseEvaluation.Status.SCORING:
            raise ApplicationError("考評報告已經函送。")
        result = panel_result(evaluation=locked)
        grade = grade_for_score(score=result.total, on=evaluation_rule_date(locked), bands=ENTERPRISE_BANDS)
        period = rule_get(key="programs_annual.recommendation_response_period", on=reported_on)
        due = deadline_from_rule(rule=period, start=reported_on)
        assert isinstance(due, date)
        Recommendation.objects.bulk_create(
            Recommendation(evaluation=locked, number=number, text=text, due_on=due)
            for number, text in enumerate(texts, start=1)
        )
        locked.report = report
        locked.total_score = result.total
        locked.grade = grade.label
        locked.reported_on = reported_on
        locked.status = EnterpriseEvaluation.Status.REPORTED if texts else EnterpriseEvaluation.Status.CLOSED
        locked.version += 1
        locked.full_clean()
        locked.save()
        audit_record_for(
            locked,
            action=AuditAction.TRANSITION,
            fields=["status", "report", "total_score", "grade"],
            detail={"to": locked.status},
            actor=user,
        )
    return locked


def recommendation_respond(
    *, recommendation: Recommendation, response: str, user: Any, expected_version: int
) -> Recommendation:
    """The enterprise says what it has done about a recommendation."""
    response = response.strip()
    if not response:
        raise ScoresInvalidError({"response": ["請填寫辦理情形。"]})
    with transaction.atomic():
        locked = _recommendation_locked(recommendation, expected_version=expected_version)
        if not acts_for_agency(user, locked.evaluation.enterprise):
            raise PermissionDeniedError("只有受評事業可以回復辦理情形。")
        if locked.status != Recommendation.Status.OPEN:
            raise ApplicationError("這項建議已回復或已解除追蹤。")
        locked.response = response
        locked.responded_at = timezone.now()
        locked.status = Recommendation.Status.RESPONDED
        locked.version += 1
        locked.save()
        audit_record_for(
            locked,
            action=AuditAction.TRANSITION,
            fields=["status", "response"],
            detail={"to": "responded"},
            actor=user,
        )
    return locked


def recommendation_review(
    *, recommendation: Recommendation, accept: bool, note: str, user: Any, expected_version: int
) -> Recommendation:
    """The RDEC closes a recommendation the enterprise has acted on, or sends it back to keep working."""
    if not is_rdec(user):
        raise PermissionDeniedError("只有研考會同仁可以審查辦理情形。")
    note = note.strip()
    if not accept and not note:
        raise ScoresInvalidError({"note": ["請說明為何仍須繼續辦理。"]})
    with transaction.atomic():
        locked = _recommendation_locked(recommendation, expected_version=expected_version)
        if locked.status != Recommendation.Status.RESPONDED:
            raise ApplicationError("只有已回復辦理情形的建議可以審查。")
        locked.review_note = note
        if accept:
            locked.status = Recommendation.Status.CLOSED
            locked.closed_on = taiwan_date(timezone.now())
        else:
            locked.status = Recommendation.Status.OPEN
        locked.version += 1
        locked.save()
        audit_record_for(
            locked, action=AuditAction.TRANSITION, fields=["status"], detail={"to": locked.status}, actor=user
        )
        evaluation = EnterpriseEvaluation.objects.select_for_update().get(pk=locked.evaluation_id)
        if accept and not evaluation.recommendations.exclude(status=Recommendation.Status.CLOSED).exists():
            evaluation.status = EnterpriseEvaluation.Status.CLOSED
            evaluation.version += 1
            evaluation.save(update_fields=["status", "version", "updated_at"])
            audit_record_for(
                evaluation,
                action=AuditAction.TRANSITION,
                fields=["status"],
                detail={"to": "closed"},
                actor=user,
            )
    return locked


def _score_parse(value: Any) -> Decimal | None:
    if value is None:
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    if not number.is_finite() or number < 0 or number > 100 or number != number.quantize(_TWO_PLACES):
        return None
    return number


def _evaluation_locked(evaluation: EnterpriseEvaluation, *, expected_version: int) -> EnterpriseEvaluation:
    locked = (
        EnterpriseEvaluation.objects.select_for_update().select_related("enterprise").get(pk=evaluation.pk)
    )
    if locked.version != expected_version:
        raise ConflictError(
            f"{locked} 的考核在您開啟後已有人更新；本次動作未執行，請重新載入。",
            extra={"current_version": locked.version},
        )
    return locked


def _recommendation_locked(recommendation: Recommendation, *, expected_version: int) -> Recommendation:
    locked = (
        Recommendation.objects.select_for_update()
        .select_related("evaluation__enterprise")
        .get(pk=recommendation.pk)
    )
    if locked.version != expected_version:
        raise ConflictError(
            f"建議事項第 {locked.number} 項在您開啟後已有人更新（目前：{Recommendation.Status(locked.status).label}）；"
            "本次動作未執行，請重新載入。",
            extra={"current_version": locked.version},
        )
    return locked
