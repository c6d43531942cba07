from datetime import date
from decimal import Decimal

import pytest

from yankao.core.exceptions import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from yankao.core.models import Rule
from yankao.programs.annual.grades import grade_for_score
from yankao.programs.annual.models import ProgramEvaluation
from yankao.programs.annual.selectors.evaluations import grade_distribution, program_evaluation_get
from yankao.programs.annual.services.evaluations import (
    EvaluationInvalidError,
    program_evaluation_return,
    program_evaluation_review,
    program_evaluation_self_assess,
    program_evaluations_open,
)
from yankao.programs.annual.tests.conftest import program_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def evaluation(rdec_staff, public_works):
    program_make(agency=public_works)
    assert program_evaluations_open(year=2023, user=rdec_staff) == 1
    return ProgramEvaluation.objects.get()


@pytest.mark.parametrize(
    ("score", "grade"), [("95", "優等"), ("90", "優等"), ("89.99", "甲等"), ("70", "乙等"), ("69.5", "丙等")]
)
def test_grade_bands_from_the_rule_table(score, grade):
    assert grade_for_score(score=Decimal(score), on=date(2023, 12, 31)).label == grade


def test_a_new_band_version_applies_from_its_date():
    Rule.objects.create(
        key="programs_annual.evaluation_grade_min",
        qualifier="grade:excellent",
        title="t",
        value=92,
        unit="points",
        effective_from=date(2024, 1, 1),
        status="unconfirmed",
    )
    from yankao.core.selectors.rules import rule_cache

    rule_cache.clear()
    assert grade_for_score(score=Decimal(91), on=date(2023, 12, 31)).label == "優等"
    assert grade_for_score(score=Decimal(91), on=date(2024, 12, 31)).label == "甲等"


def test_self_assessment_then_review_gives_the_grade(evaluation, officer, rdec_staff):
    evaluation = program_evaluation_self_assess(
        evaluation=evaluation, score="88", assessment="進度達成 98%。", user=officer, expected_version=1
    )
    evaluation = program_evaluation_review(
        evaluation=evaluation,
        score="84.5",
        comment="執行良好。",
        user=rdec_staff,
        expected_version=evaluation.version,
    )
    assert (evaluation.status, evaluation.grade) == (ProgramEvaluation.Status.REVIEWED, "甲等")
    assert grade_distribution(year=2023) == {"甲等": 1}


def test_return_then_resubmit(evaluation, officer, rdec_staff):
    evaluation = program_evaluation_self_assess(
        evaluation=evaluation, score="88", assessment="簡述", user=officer, expected_version=1
    )
    with pytest.raises(EvaluationInvalidError):
        program_evaluation_return(
            evaluation=evaluation, comment="", user=rdec_staff, expected_version=evaluation.version
        )
    evaluation = program_evaluation_return(
        evaluation=evaluation,
        comment="請補充經費執行說明。",
        user=rdec_staff,
        expected_version=evaluation.version,
    )
    evaluation = program_evaluation_self_assess(
        evaluation=evaluation,
        score="86",
        assessment="補充說明",
        user=officer,
        expected_version=evaluation.version,
    )
    assert evaluation.status == ProgramEvaluation.Status.SELF_ASSESSED


def test_agency_and_role_checks(evaluation, officer_of_other_agency, officer, auditor):
    with pytest.raises(PermissionDeniedError):
        program_evaluation_self_assess(
            evaluation=evaluation,
            score="80",
            assessment="x",
            user=officer_of_other_agency,
            expected_version=1,
        )
    with pytest.raises(NotFoundError):
        program_evaluation_get(user=officer_of_other_agency, evaluation_id=evaluation.pk)
    assert program_evaluation_get(user=auditor, evaluation_id=evaluation.pk) == evaluation
    with pytest.raises(PermissionDeniedError):
        program_evaluation_review(
            evaluation=evaluation, score="80", comment="", user=officer, expected_version=1
        )


def test_invalid_scores_and_stale_versions(evaluation, officer, liaison, rdec_staff):
    with pytest.raises(EvaluationInvalidError):
        program_evaluation_self_assess(
            evaluation=evaluation, score="120", assessment="x", user=officer, expected_version=1
        )
    program_evaluation_self_assess(
        evaluation=evaluation, score="80", assessment="x", user=officer, expected_version=1, submit=False
    )
    with pytest.raises(ConflictError):
        program_evaluation_self_assess(
            evaluation=evaluation, score="85", assessment="y", user=liaison, expected_version=1
        )
    with pytest.raises(ApplicationError):
        program_evaluation_review(
            evaluation=evaluation, score="80", comment="", user=rdec_staff, expected_version=2
        )


def test_opening_twice_adds_only_new_programs(rdec_staff, public_works, evaluation):
    program_make(agency=public_works, code="P-0002", name="第二個計畫")
    assert program_evaluations_open(year=2023, user=rdec_staff) == 1
