from datetime import date
from decimal import Decimal

import pytest

from yankao.core.exceptions import ApplicationError, ConflictError, PermissionDeniedError
from yankao.core.models import Agency, Role, User
from yankao.programs.annual.grades import enterprise_criteria
from yankao.programs.annual.models import EnterpriseEvaluation, Recommendation
from yankao.programs.annual.selectors.enterprise import (
    enterprise_evaluations_visible,
    recommendations_visible,
    scores_visible,
)
from yankao.programs.annual.services.enterprise import (
    ScoreInput,
    ScoresInvalidError,
    criterion_scores_submit,
    enterprise_evaluation_open,
    enterprise_evaluation_report,
    panel_member_add,
    recommendation_respond,
    recommendation_review,
)
from yankao.programs.annual.tests.conftest import FERRY

pytestmark = pytest.mark.django_db


@pytest.fixture
def ferry_officer(seeded):
    return User.objects.create_user(
        username="ferry_officer", password="x", role=Role.OFFICER, agency=Agency.objects.get(code=FERRY)
    )


@pytest.fixture
def expert(seeded):
    return User.objects.create_user(
        username="expert", password="x", role=Role.INSPECTOR, agency=None, display_name="陳教授"
    )


def _all(score):
    return {c.code: ScoreInput(score=score) for c in enterprise_criteria(on=date(2023, 12, 31))}


def _scored(rdec_staff, inspector, expert, ferry):
    evaluation = enterprise_evaluation_open(enterprise=ferry, year=2023, user=rdec_staff)
    internal = panel_member_add(evaluation=evaluation, reviewer=inspector, is_external=False, user=rdec_staff)
    external = panel_member_add(
        evaluation=evaluation, reviewer=expert, is_external=True, affiliation="國立中山大學", user=rdec_staff
    )
    return evaluation, internal, external


def test_criteria_weights_come_from_the_rules_and_add_to_100():
    criteria = enterprise_criteria(on=date(2023, 12, 31))
    assert sum(c.weight for c in criteria) == 100
    assert criteria[0].name == "經營績效"


def test_only_municipal_enterprises_are_evaluated(rdec_staff, public_works):
    with pytest.raises(ApplicationError, match="不是市營事業"):
        enterprise_evaluation_open(enterprise=public_works, year=2023, user=rdec_staff)


def test_panel_scores_give_the_weighted_total_and_grade_and_tracked_recommendations(
    rdec_staff, inspector, expert, ferry, ferry_officer
):
    evaluation, internal, external = _scored(rdec_staff, inspector, expert, ferry)
    criterion_scores_submit(member=internal, scores=_all("90"), user=inspector)
    with pytest.raises(ApplicationError, match="陳教授"):
        enterprise_evaluation_report(
            evaluation=evaluation,
            report="r",
            recommendations=["a"],
            user=rdec_staff,
            expected_version=evaluation.version,
        )
    scores = _all("80")
    scores["operations"] = ScoreInput(score="70", comment="載客率偏低")
    criterion_scores_submit(member=external, scores=scores, user=expert)
    evaluation = enterprise_evaluation_report(
        evaluation=evaluation,
        report="整體經營穩定，惟載客率仍待提升。",
        recommendations=["研擬旗津航線轉型方案", "", "強化船舶汰舊換新財務規劃"],
        user=rdec_staff,
        expected_version=evaluation.version,
        reported_on=date(2024, 5, 15),
    )
    # operations 40 % × mean(90, 70)=80 → 32; the other 60 % × 85 → 51; total 83 → 甲等 (bands unconfirmed).
    assert evaluation.total_score == Decimal("83.00")
    assert evaluation.grade == "甲等"
    recommendations = list(evaluation.recommendations.all())
    assert [r.number for r in recommendations] == [1, 2]
    # 2 months from 2024-05-15 (rule, unconfirmed) end on 2024-07-15.
    assert recommendations[0].due_on == date(2024, 7, 15)
    assert set(recommendations_visible(user=ferry_officer)) == set(recommendations)


def test_bad_scores_refused_whole(rdec_staff, inspector, expert, ferry):
    _evaluation, internal, _ = _scored(rdec_staff, inspector, expert, ferry)
    scores = _all("101")
    with pytest.raises(ScoresInvalidError) as error:
        criterion_scores_submit(member=internal, scores=scores, user=inspector)
    assert len(error.value.errors) == 4
    assert not internal.scores.exists()


def test_a_reviewer_scores_only_their_own_seat_and_sees_only_their_panel(
    rdec_staff, inspector, expert, ferry, officer
):
    evaluation, internal, external = _scored(rdec_staff, inspector, expert, ferry)
    with pytest.raises(PermissionDeniedError):
        criterion_scores_submit(member=external, scores=_all("80"), user=inspector)
    criterion_scores_submit(member=internal, scores=_all("90"), user=inspector)
    criterion_scores_submit(member=external, scores=_all("70"), user=expert)
    assert {s.member.user for s in scores_visible(user=inspector, evaluation=evaluation)} == {inspector}
    assert list(enterprise_evaluations_visible(user=expert)) == [evaluation]
    assert not enterprise_evaluations_visible(user=officer).exists()


def test_enterprise_sees_its_evaluation_only_once_reported(
    rdec_staff, inspector, expert, ferry, ferry_officer
):
    evaluation, internal, external = _scored(rdec_staff, inspector, expert, ferry)
    assert not enterprise_evaluations_visible(user=ferry_officer).exists()
    criterion_scores_submit(member=internal, scores=_all("90"), user=inspector)
    criterion_scores_submit(member=external, scores=_all("90"), user=expert)
    enterprise_evaluation_report(
        evaluation=evaluation,
        report="r",
        recommendations=["a"],
        user=rdec_staff,
        expected_version=evaluation.version,
    )
    assert list(enterprise_evaluations_visible(user=ferry_officer)) == [evaluation]


def test_recommendation_is_tracked_until_acted_on_and_accepted(
    rdec_staff, inspector, expert, ferry, ferry_officer, officer
):
    evaluation, internal, external = _scored(rdec_staff, inspector, expert, ferry)
    criterion_scores_submit(member=internal, scores=_all("95"), user=inspector)
    criterion_scores_submit(member=external, scores=_all("92"), user=expert)
    evaluation = enterprise_evaluation_report(
        evaluation=evaluation,
        report="r",
        recommendations=["建議一"],
        user=rdec_staff,
        expected_version=evaluation.version,
    )
    assert evaluation.grade == "優等"
    recommendation = evaluation.recommendations.get()
    with pytest.raises(PermissionDeniedError):
        recommendation_respond(recommendation=recommendation, response="x", user=officer, expected_version=1)
    recommendation = recommendation_respond(
        recommendation=recommendation, response="已完成評估報告。", user=ferry_officer, expected_version=1
    )
    recommendation = recommendation_review(
        recommendation=recommendation,
        accept=False,
        note="請附執行時程。",
        user=rdec_staff,
        expected_version=recommendation.version,
    )
    assert recommendation.status == Recommendation.Status.OPEN
    with pytest.raises(ConflictError):
        recommendation_respond(
            recommendation=recommendation, response="y", user=ferry_officer, expected_version=1
        )
    recommendation = recommendation_respond(
        recommendation=recommendation,
        response="已附時程。",
        user=ferry_officer,
        expected_version=recommendation.version,
    )
    recommendation_review(
        recommendation=recommendation,
        accept=True,
        note="",
        user=rdec_staff,
        expected_version=recommendation.version,
    )
    evaluation.refresh_from_db()
    assert evaluation.status == EnterpriseEvaluation.Status.CLOSED
