from datetime import date

import pytest
from django.test import Client

from yankao.bullying.models import BullyingReport, State
from yankao.bullying.services import bullying_screening_decide
from yankao.bullying.tests.conftest import STUDENT, SUMMARY_MARK, file_petition, file_report  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_investigator(investigator) -> Client:
    client = Client()
    client.force_login(investigator)
    return client


def test_intake_registers_a_report_with_its_clocks_and_masks_the_names(as_investigator):
    response = as_investigator.post(
        "/console/bullying/new/",
        {
            "source": "education_line",
            "received_on": "113/05/27",
            "received_time": "10:00",
            "school": "高雄市立鳳鳴國民中學",
            "summary": f"學生於{SUMMARY_MARK}",
            "reporter_name": "蔣雨晴",
            "victim_name": STUDENT,
            "victim_detail": "七年三班",
        },
    )
    report = BullyingReport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/console/bullying/{report.number}/"
    page = as_investigator.get(response["Location"]).content.decode()
    assert "教育局反霸凌專線" in page
    assert SUMMARY_MARK in page
    assert STUDENT not in page
    assert "龔○澐" in page
    assert "民國113年6月25日" in page  # 20 working days' notice, past Dragon Boat


def test_intake_with_contradictory_facts_is_refused_and_nothing_is_stored(as_investigator):
    response = as_investigator.post(
        "/console/bullying/new/",
        {
            "source": "other",
            "received_on": "113/05/27",
            "received_time": "10:00",
            "school": "某國中",
            "summary": "內容",
            "is_anonymous": "on",
            "reporter_name": "具名者",
        },
    )
    assert response.status_code == 400
    assert "匿名檢舉不應填寫" in response.content.decode()
    assert not BullyingReport.objects.exists()


def test_a_stale_form_is_refused_with_the_change_explained(as_investigator, file_report, investigator):  # noqa: F811
    report = file_report()
    shown = report.version
    bullying_screening_decide(report=report, user=investigator, accept=True, decided_on=date(2024, 5, 28))
    response = as_investigator.post(
        f"/console/bullying/{report.number}/not_accept/",
        {
            "not_accept-version": shown,
            "not_accept-decided_on": "113/05/28",
            "not_accept-ground": "no_content",
            "not_accept-unanimous": "on",
        },
    )
    assert response.status_code == 409
    assert "為免覆蓋" in response.content.decode()
    report.refresh_from_db()
    assert report.state == State.ACCEPTED


def test_a_step_not_allowed_now_is_refused_with_a_clear_message(as_investigator, file_report):  # noqa: F811
    report = file_report()
    response = as_investigator.post(
        f"/console/bullying/{report.number}/close/",
        {"close-version": report.version, "close-closed_on": "113/06/01"},
    )
    assert response.status_code == 400
    assert "「待審查」時不能「結案」" in response.content.decode()


def test_the_handler_of_a_petition_hands_it_over_and_keeps_only_the_reference(file_petition, officer):  # noqa: F811
    petition = file_petition(channel="hotline", description=f"{STUDENT}在學校{SUMMARY_MARK}").case
    client = Client()
    client.force_login(officer)
    response = client.post("/console/bullying/handoff/", {"number": petition.number}, follow=True)
    report = BullyingReport.objects.get(transferred_from=petition.number)
    assert report.number in response.content.decode()
    assert report.source == "hotline"
    page = client.get(f"/console/cases/{petition.number}/").content.decode()
    assert SUMMARY_MARK not in page


def test_someone_who_does_not_handle_the_petition_cannot_hand_it_over(file_petition, officer_of_other_agency):  # noqa: F811
    petition = file_petition().case
    client = Client()
    client.force_login(officer_of_other_agency)
    response = client.post("/console/bullying/handoff/", {"number": petition.number})
    assert response.status_code == 400
    assert "無權處理" in response.content.decode()
    assert not BullyingReport.objects.exists()


def test_the_dashboard_and_api_show_the_three_tables(as_investigator, file_report, rdec_staff):  # noqa: F811
    file_report()
    client = Client()
    client.force_login(rdec_staff)
    page = client.get("/console/bullying/dashboard/?date_from=113/01/01&date_to=113/12/31").content.decode()
    assert "疑似校園霸凌案件通報來源" in page
    assert "市府反霸凌信箱" in page
    data = client.get("/api/v1/bullying/statistics?from=2024-01-01&to=2024-12-31").json()
    assert data["total"] == 1
    assert data["pending"] == 1
    assert {"name": "市府反霸凌信箱", "count": 1} in data["by_source"]
    bad = client.get("/api/v1/bullying/statistics?from=2024-12-31&to=2024-01-01")
    assert bad.status_code == 400


def test_the_register_lists_a_years_reports_without_content(as_investigator, file_report):  # noqa: F811
    from yankao.bullying.tests.conftest import taipei

    old = file_report(received_at=taipei(2023, 3, 1, 9, 0))
    new = file_report(received_at=taipei(2024, 5, 27, 9, 0))
    page = as_investigator.get("/console/bullying/?year=112").content.decode()
    assert old.number in page
    assert new.number not in page
    assert SUMMARY_MARK not in page
    assert STUDENT not in page
