"""The 1999 console over HTTP: who may use it, logging calls, the side panels, the dashboard."""

import re
from html import unescape

import pytest

from yankao.bullying.models import BullyingReport
from yankao.cases.models import Case
from yankao.servicedesk.hotline_services import call_log
from yankao.servicedesk.models import Call

URL = "/console/hotline/"


def _token(client) -> str:
    html = client.get(URL).content.decode()
    return unescape(re.search(r'name="token" value="([^"]+)"', html)[1])


def _fields(client, **overrides):
    data = {
        "token": _token(client),
        "phone": "0912-345-678",
        "caller_name": "",
        "category": "路燈故障",
        "summary": "中山路路燈不亮",
        "answer": "",
        "location_text": "中山一路100號前",
        "district": "",
        "outcome": "dispatched",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    "persona", ["officer", "liaison", "rdec_staff", "auditor", "officer_of_other_agency", "citizen"]
)
def test_the_console_is_for_operators_only(client, request, persona):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    assert client.get(URL).status_code == 403
    assert client.post("/console/hotline/caller/", {"phone": "0912345678"}).status_code == 403


def test_visitors_are_sent_to_the_login_page(client, seeded):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_the_console_shows_its_shortcuts_and_the_category_list(client, operator):
    client.force_login(operator)
    html = client.get(URL).content.decode()
    for keys in ("Alt+1", "Alt+A", "Alt+D", "Alt+P", "Alt+T", "Alt+N"):
        assert f"<kbd>{keys}</kbd>" in html
    assert '<option value="道路坑洞">' in html


def test_an_operator_dispatches_a_call_and_gets_the_case_number_to_read_out(client, operator):
    client.force_login(operator)
    response = client.post(URL, _fields(client), follow=True)
    assert response.status_code == 200
    call = Call.objects.get()
    assert call.outcome == "dispatched"
    assert call.case is not None
    assert call.case.kind == "dispatch"
    html = response.content.decode()
    assert call.case.number in html
    assert "查詢碼" in html


def test_a_call_answered_on_the_spot_needs_the_answer_and_keeps_what_was_typed(client, operator):
    client.force_login(operator)
    response = client.post(URL, _fields(client, outcome="answered"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "當場答復請記下答復內容" in html
    assert "中山路路燈不亮" in html  # the summary is still there
    assert Call.objects.count() == 0


def test_a_resubmitted_form_logs_the_call_once(client, operator):
    client.force_login(operator)
    data = _fields(client, outcome="answered", answer="已告知報修專線")
    client.post(URL, data)
    client.post(URL, data)
    assert Call.objects.count() == 1


def test_an_unknown_category_is_refused(client, operator):
    client.force_login(operator)
    response = client.post(URL, _fields(client, category="不存在的類別"))
    assert response.status_code == 400
    assert "查無類別" in response.content.decode()


def test_a_forged_token_is_refused(client, operator):
    client.force_login(operator)
    response = client.post(URL, _fields(client, token="forged"))
    assert response.status_code == 400
    assert Call.objects.count() == 0


def test_the_caller_panel_shows_earlier_cases_of_a_known_number(client, operator):
    client.force_login(operator)
    client.post(URL, _fields(client), follow=True)
    number = Case.objects.get().number
    html = client.post("/console/hotline/caller/", {"phone": "0912345678"}).content.decode()
    assert number in html
    assert 'data-caller="known"' in html
    html = client.post("/console/hotline/caller/", {"phone": "0922000111"}).content.decode()
    assert 'data-caller="new"' in html


def test_the_duplicates_panel_answers_as_the_operator_types(client, operator):
    client.force_login(operator)
    short = client.post("/console/hotline/duplicates/", {"summary": "路燈"}).content.decode()
    assert "輸入來電摘要後" in short
    response = client.post(
        "/console/hotline/duplicates/", {"summary": "中山路路燈不亮好幾天", "category": "路燈故障"}
    )
    assert response.status_code == 200


def test_officers_see_the_calls_behind_their_cases_only(client, operator, officer, officer_of_other_agency):
    from django.utils import timezone

    result = call_log(
        operator=operator,
        started_at=timezone.now(),
        outcome="dispatched",
        category_code="road_pothole",
        phone="0912345678",
        summary="民族路坑洞",
    )
    url = f"/console/hotline/cases/{result.case.number}/calls/"
    client.force_login(officer)
    html = client.get(url).content.decode()
    assert "0912***678" in html
    assert "0912345678" not in html
    client.force_login(officer_of_other_agency)
    assert client.get(url).status_code == 404


def test_the_dashboard_counts_todays_calls(client, operator, rdec_staff, officer):
    from django.utils import timezone

    call_log(
        operator=operator,
        started_at=timezone.now(),
        outcome="answered",
        category_code="street_light",
        answer="已說明",
    )
    client.force_login(rdec_staff)
    response = client.get("/console/hotline/dashboard/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "今日來電" in html
    assert "<svg" in html
    partial = client.get("/console/hotline/dashboard/", headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in partial
    client.force_login(officer)
    assert client.get("/console/hotline/dashboard/").status_code == 403


def test_a_bullying_report_by_phone_is_handed_over_and_the_desk_keeps_only_the_reference(client, operator):
    client.force_login(operator)
    response = client.post(
        URL, _fields(client, outcome="transferred", category="教育", summary="孩子在學校被同學霸凌")
    )
    assert response.status_code == 302
    call = Call.objects.get()
    case = Case.objects.get()
    assert call.transferred_reference
    assert call.transferred_reference == case.transferred_reference
    assert case.state == "transferred"
    assert "霸凌" not in case.subject + case.description
    assert BullyingReport.objects.filter(number=call.transferred_reference).exists()
    page = client.get(URL).content.decode()
    assert call.transferred_reference in page  # the operator is told where it went
