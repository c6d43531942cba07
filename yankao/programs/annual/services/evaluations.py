"""Annual evaluation of programs (年度考核): self-assessment by the owner agency, review by the RDEC.

As the Executive Yuan's 個案計畫評核 does (domain-rules §3.1): the agency assesses itself
(score and narrative), the RDEC reviews and gives the final score, and the grade follows the
rule table's bands in force on 31 December of the evaluated year. The RDEC may return a
self-assessment for completion instead of scoring it.
"""

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from yankao.core.exceptions import ApplicationError, ConflictError, PermissionDeniedError
from yankao.core.models import AuditAction
from yankao.core.services.audit import audit_record, audit_record_for
from yankao.programs.annual.grades import EVALUATION_BANDS, grade_for_score
from yankao.programs.annual.models import ProgramEvaluation
from yankao.programs.annual.permissions import acts_for_agency, is_rdec
from yankao.programs.models import Program

_TWO_PLACES = Decimal("0.01")


class EvaluationInvalidError(ApplicationError):
    def __init__(self, errors: dict[str, list[str]]) -> None:
        first = next(iter(errors.values()))[0]
        super().__init__(first, code="invalid", extra={"errors": errors})
        self.errors = errors


def program_evaluations_open(*, year: int, user: Any, programs: list[Program] | None = None) -> int:
    """Open the year's evaluation for the given programs (default: every program under control during the year)."""
    if not is_rdec(user):
        raise PermissionDeniedError("只有研考會同仁可以開辦年度考核。")
    if programs is None:
        first, last = date(year, 1, 1), date(year, 12, 31)
        programs = list(
            Program.objects.filter(controlled_from__lte=last).exclude(controlled_until__lt=first).only("pk")
        )
    with transaction.atomic():
        existing = set(ProgramEvaluation.objects.filter(year=year).values_list("program_id", flat=True))
        created = ProgramEvaluation.objects.bulk_create(
            ProgramEvaluation(program=program, year=year)
            for program in programs
            if program.pk not in existing
        )
        audit_record(
            action=AuditAction.CREATE,
            target_type=ProgramEvaluation._meta.label_lower,
            target_id=f"year:{year}",
            detail={"year": year, "count": len(created)},
            actor=user,
        )
    return len(created)


def program_evaluation_self_assess(
    *,
    evaluation: ProgramEvaluation,
    score: Any,
    assessment: str,
    user: Any,
    expected_version: int,
    submit: bool = True,
) -> ProgramEvaluation:
    """The owner agency saves (or submits) its self-assessment."""
    parsed = _score_parse(score)
    assessment = assessment.strip()
    errors: dict[str, list[str]] = {}
    if parsed is None:
        errors["self_score"] = ["自評分數請填 0 到 100（至多兩位小數）。"]
    if submit and not assessment:
        errors["self_assessment"] = ["送出自評前請填寫自評說明（目標達成情形、執行成效與檢討）。"]
    if errors:
        raise EvaluationInvalidError(errors)
    with transaction.atomic():
        locked = _locked(evaluation, expected_version=expected_version)
        if not acts_for_agency(user, locked.program.agency):
            raise PermissionDeniedError("您只能填寫本機關計畫的自評。")
        if locked.status not in (ProgramEvaluation.Status.DRAFT, ProgramEvaluation.Status.RETURNED):
            raise ApplicationError(
                f"考核狀態為「{ProgramEvaluation.Status(locked.status).label}」，不能修改自評。"
            )
        locked.self_score = parsed
        locked.self_assessment = assessment
        if submit:
            locked.status = ProgramEvaluation.Status.SELF_ASSESSED
            locked.self_submitted_at = timezone.now()
        locked.version += 1
        locked.full_clean()
        locked.save()
        audit_record_for(
            locked, action=AuditAction.UPDATE, fields=["self_score", "self_assessment", "status"], actor=user
        )
    return locked


def program_evaluation_review(
    *, evaluation: ProgramEvaluation, score: Any, comment: str, user: Any, expected_version: int
) -> ProgramEvaluation:
    """The RDEC gives the final score; the grade comes from the bands in force on 31 December of the year."""
    if not is_rdec(user):
        raise PermissionDeniedError("只有研考會同仁可以評核。")
    parsed = _score_parse(score)
    if parsed is None:
        raise EvaluationInvalidError({"review_score": ["評核分數請填 0 到 100（至多兩位小數）。"]})
    with transaction.atomic():
        locked = _locked(evaluation, expected_version=expected_version)
        if locked.status != ProgramEvaluation.Status.SELF_ASSESSED:
            raise ApplicationError("只有機關已送出自評的考核可以評核。")
        grade = grade_for_score(score=parsed, on=date(locked.year, 12, 31), bands=EVALUATION_BANDS)
        locked.review_score = parsed
        locked.review_comment = comment.strip()
        locked.grade = grade.label
        locked.reviewer = user
        locked.reviewed_at = timezone.now()
        locked.status = ProgramEvaluation.Status.REVIEWED
        locked.version += 1
        locked.full_clean()
        locked.save()
        audit_record_for(
            locked,
            action=AuditAction.TRANSITION,
            fields=["review_score", "grade", "status"],
            detail={"to": "reviewed"},
            actor=user,
        )
    return locked


def program_evaluation_return(
    *, evaluation: ProgramEvaluation, comment: str, user: Any, expected_version: int
) -> ProgramEvaluation:
    """The RDEC sends a self-assessment back for completion, saying what is missing."""
    if not is_rdec(user):
        raise PermissionDeniedError("只有研考會同仁可以退回自評。")
    comment = comment.strip()
    if not comment:
        raise EvaluationInvalidError({"review_comment": ["退回補正時請說明須補充的內容。"]})
    with transaction.atomic():
        locked = _locked(evaluation, expected_version=expected_version)
        if locked.status != ProgramEvaluation.Status.SELF_ASSESSED:
            raise ApplicationError("只有機關已送出自評的考核可以退回。")
        locked.review_comment = comment
        locked.status = ProgramEvaluation.Status.RETURNED
        locked.version += 1
        locked.save()
        audit_record_for(
            locked, action=AuditAction.TRANSITION, fields=["status"], detail={"to": "returned"}, actor=user
        )
    return locked


def _score_parse(value: Any) -> Decimal | None:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite() or number < 0 or number > 100 or number != number.quantize(_TWO_PLACES):
        return None
    return number


def _locked(evaluation: ProgramEvaluation, *, expected_version: int) -> ProgramEvaluation:
    locked = (
        ProgramEvaluation.objects.select_for_update().select_related("program__agency").get(pk=evaluation.pk)
    )
    if locked.version != expected_version:
        raise ConflictError(
            f"「{locked.program.name}」的年度考核在您開啟後已有人更新（目前：{ProgramEvaluation.Status(locked.status).label}）；"
            "為免覆蓋，本次動作未執行。請重新載入後再操作。",
            extra={"current_version": locked.version},
        )
    return locked
