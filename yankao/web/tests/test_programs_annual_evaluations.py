"""Enterprise evaluation and programs' annual evaluation pages: panel seats, scores, responses, grades."""

from datetime import date

import pytest

from yankao.core.models import Agency, Role, User
from yankao.programs.annual.grades import enterprise_criteria
from yankao.programs.annual.models import EnterpriseEvaluation, ProgramEvaluation, Recommendation
from yankao.programs.annual.services.enterprise import (
    ScoreInput,
    criterion_scores_submit,
    enterprise_evaluation_open,
    panel_member_add,
)
from yankao.programs.annual.services.evaluations import program_evaluations_open
from yankao.programs.models import Program, ProgramType

pytestmark = pytest.mark.django_db

FERRY = "397802000A"


@pytest.fixture
def ferry_officer(seeded):
    return User.objects.create_user(
        username="ferry_officer", role=Role.OFFICER, agency=Agency.objects.get(code=FERRY)
    )


@pytest.fixture
def evaluation(rdec_staff, inspector):
    evaluation = enterprise_evaluation_open(
        enterprise=Agency.objects.get(code=FERRY), year=2023, user=rdec_staff
    )
    panel_member_add(
        evaluation=evaluation,
        reviewer=inspector,
        is_external=True,
        affiliation="國立中山大學",
        user=rdec_staff,
    )
    return evaluation


def _codes():
    return [c.code for c in enterprise_criteria(on=date(2023, 12, 31))]


def test_reviewer_scores_on_the_page_and_bad_scores_change_nothing(client, inspector, evaluation):
    client.force_login(inspector)
    url = f"/console/programs/annual/enterprises/{evaluation.pk}/"
    page = client.get(url).content.decode()
    assert "我的評分" in page
    bad = {"action": "scores", **{f"score_{code}": "105" for code in _codes()}}
    response = client.post(url, bad)
    assert response.status_code == 400
    assert "請填 0 到 100 的分數" in response.content.decode()
    assert not evaluation.panel.get().scores.exists()
    good = {"action": "scores", **{f"score_{code}": "88" for code in _codes()}}
    assert client.post(url, good).status_code == 302
    assert evaluation.panel.get().scores.count() == len(_codes())


def test_not_seated_and_the_enterprise_before_the_report_see_nothing(
    client, evaluation, officer, ferry_officer
):
    for user in (officer, ferry_officer):
        client.force_login(user)
        assert client.get(f"/console/programs/annual/enterprises/{evaluation.pk}/").status_code == 404


def test_rdec_seats_a_reviewer_by_username_and_issues_the_report(
    client, rdec_staff, inspector, auditor, evaluation, ferry_officer
):
    client.force_login(rdec_staff)
    url = f"/console/programs/annual/enterprises/{evaluation.pk}/"
    response = client.post(url, {"action": "member", "username": "nobody"})
    assert "找不到這個帳號" in response.content.decode()
    assert (
        client.post(
            url, {"action": "member", "username": auditor.username, "affiliation": "府內"}
        ).status_code
        == 302
    )
    for member in evaluation.panel.all():
        criterion_scores_submit(
            member=member, scores={c: ScoreInput(score="91") for c in _codes()}, user=member.user
        )
    evaluation.refresh_from_db()
    response = client.post(
        url,
        {
            "action": "report",
            "version": evaluation.version,
            "report": "經營良好。",
            "recommendations": "加強數位服務\n\n檢討票價",
        },
    )
    assert response.status_code == 302
    evaluation.refresh_from_db()
    assert (evaluation.status, evaluation.grade) == (EnterpriseEvaluation.Status.REPORTED, "優等")
    # the enterprise now sees the report and answers a recommendation
    client.force_login(ferry_officer)
    page = client.get(url).content.decode()
    assert "經營良好" in page
    assert "我的評分" not in page
    first = evaluation.recommendations.get(number=1)
    response = client.post(
        url,
        {
            "action": "respond",
            "recommendation": first.pk,
            "version": first.version,
            "response": "已上線行動支付。",
        },
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.status == Recommendation.Status.RESPONDED
    # a second answer with the old version is refused as a conflict
    response = client.post(
        url, {"action": "respond", "recommendation": first.pk, "version": 1, "response": "重複"}
    )
    assert response.status_code in (400, 409)
    first.refresh_from_db()
    assert first.response == "已上線行動支付。"


def test_recommendations_export(client, rdec_staff, evaluation):
    client.force_login(rdec_staff)
    response = client.get("/console/programs/annual/enterprises/?format=xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')


def test_program_evaluation_pages(client, rdec_staff, officer, officer_of_other_agency):
    program = Program.objects.create(
        code="P-1",
        name="污水下水道建設",
        program_type=ProgramType.objects.first(),
        agency=Agency.objects.get(code="397010000A"),
        starts_on=date(2023, 1, 1),
        ends_on=date(2025, 12, 31),
        controlled_from=date(2023, 1, 1),
    )
    program_evaluations_open(year=2023, user=rdec_staff)
    record = ProgramEvaluation.objects.get(program=program)
    url = f"/console/programs/annual/evaluations/{record.pk}/"
    client.force_login(officer_of_other_agency)
    assert client.get(url).status_code == 404
    client.force_login(officer)
    response = client.post(
        url, {"action": "self", "version": 1, "self_score": "88", "self_assessment": "", "submit": "on"}
    )
    assert response.status_code == 400
    assert "送出自評前請填寫自評說明" in response.content.decode()
    assert (
        client.post(
            url,
            {"action": "self", "version": 1, "self_score": "88", "self_assessment": "達成", "submit": "on"},
        ).status_code
        == 302
    )
    client.force_login(rdec_staff)
    assert (
        client.post(
            url,
            {
                "action": "review",
                "version": 2,
                "decision": "review",
                "review_score": "79.5",
                "review_comment": "尚可",
            },
        ).status_code
        == 302
    )
    record.refresh_from_db()
    assert record.grade == "乙等"
    page = client.get("/console/programs/annual/evaluations/?year=2023").content.decode()
    assert "乙等 1" in page
