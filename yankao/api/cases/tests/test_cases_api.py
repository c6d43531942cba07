"""The cases API: inbox by cursor, detail without personal data, idempotent intake, reply with a version."""

import pytest

from yankao.cases.models import Case, Category
from yankao.cases.services import Petitioner, case_accept, case_intake
from yankao.cases.workflow import State
from yankao.core.services.users import user_token_rotate


def _auth(user) -> dict[str, str]:
    return {"Authorization": f"Token {user_token_rotate(user=user)}"}


PETITION = {
    "category": "road_pothole",
    "channel": "hotline",
    "subject": "人孔蓋鬆動",
    "description": "中山路上人孔蓋踩踏會晃動。",
    "petitioner": {"name": "陳大文", "phone": "0922333444"},
}


def test_the_inbox_pages_by_cursor_and_masks_the_petitioner(client, officer, file_case):
    cases = [file_case() for _ in range(3)]
    headers = _auth(officer)
    first = client.get("/api/v1/cases", {"limit": 2}, headers=headers)
    assert first.status_code == 200
    body = first.json()
    assert len(body["results"]) == 2
    assert body["next_cursor"]
    second = client.get("/api/v1/cases", {"limit": 2, "after": body["next_cursor"]}, headers=headers).json()
    numbers = [row["number"] for row in body["results"] + second["results"]]
    assert sorted(numbers) == sorted(c.number for c in cases)
    assert second["next_cursor"] is None
    assert "王小明" not in first.content.decode()
    assert body["results"][0]["petitioner_name_masked"].startswith("王")


def test_a_bad_limit_is_a_chinese_400(client, officer):
    response = client.get("/api/v1/cases", {"limit": 0}, headers=_auth(officer))
    assert response.status_code == 400
    assert "每頁筆數" in response.json()["limit"][0]


def test_the_detail_has_the_timeline_but_no_personal_data(client, officer, file_case):
    case = file_case()
    response = client.get(f"/api/v1/cases/{case.number}", headers=_auth(officer))
    assert response.status_code == 200
    body = response.json()
    assert body["number"] == case.number
    assert body["events"][0]["kind"] == "intake"
    text = response.content.decode()
    assert "王小明" not in text
    assert "0912345678" not in text
    assert "petitioner_phone" not in text


def test_intake_with_an_idempotency_key_returns_the_same_case_on_retry(client, operator):
    headers = {**_auth(operator), "Idempotency-Key": "call-20240501-0001"}
    first = client.post("/api/v1/petitions", PETITION, content_type="application/json", headers=headers)
    assert first.status_code == 201
    again = client.post("/api/v1/petitions", PETITION, content_type="application/json", headers=headers)
    assert again.status_code == 200
    assert again.json()["case"]["number"] == first.json()["case"]["number"]
    assert again.json()["tracking_code"] == first.json()["tracking_code"]
    assert again.json()["created"] is False
    assert Case.objects.filter(subject="人孔蓋鬆動").count() == 1
    assert first.json()["case"]["agency"]["code"] == "397010000A"


def test_another_clients_key_never_returns_someone_elses_case(client, operator, rdec_staff):
    key = {"Idempotency-Key": "same-key"}
    one = client.post(
        "/api/v1/petitions", PETITION, content_type="application/json", headers={**_auth(operator), **key}
    )
    two = client.post(
        "/api/v1/petitions", PETITION, content_type="application/json", headers={**_auth(rdec_staff), **key}
    )
    assert two.status_code == 201
    assert one.json()["case"]["number"] != two.json()["case"]["number"]


def test_intake_validation_errors_are_chinese_and_nothing_is_written(client, operator):
    before = Case.objects.count()
    bad = {**PETITION, "category": "nope", "subject": "", "petitioner": {"name": ""}}
    response = client.post("/api/v1/petitions", bad, content_type="application/json", headers=_auth(operator))
    assert response.status_code == 400
    errors = response.json()
    assert "不明的類別代碼" in errors["category"][0]
    assert "主旨" in errors["subject"][0]
    assert "姓名" in str(errors["petitioner"])
    assert Case.objects.count() == before


def test_the_auditor_may_not_register(client, auditor):
    response = client.post(
        "/api/v1/petitions", PETITION, content_type="application/json", headers=_auth(auditor)
    )
    assert response.status_code == 403


def test_reply_with_the_shown_version_and_409_on_a_stale_one(client, officer, file_case):
    case = file_case()
    case = case_accept(case=case, user=officer, expected_version=case.version)
    headers = _auth(officer)
    stale = client.post(
        f"/api/v1/cases/{case.number}/reply",
        {"version": case.version - 1, "reply": "已修補"},
        content_type="application/json",
        headers=headers,
    )
    assert stale.status_code == 409
    assert stale.json()["code"] == "conflict"
    ok = client.post(
        f"/api/v1/cases/{case.number}/reply",
        {"version": case.version, "reply": "已修補"},
        content_type="application/json",
        headers=headers,
    )
    assert ok.status_code == 200
    assert ok.json()["state"] == State.REPLIED


@pytest.mark.parametrize("path", ["/api/v1/cases", "/api/v1/petitions"])
def test_the_routes_are_in_the_openapi_document(client, db, path):
    assert path in client.get("/api/v1/openapi.json").json()["paths"]


def test_the_inbox_rows_have_exactly_the_documented_shape(client, officer):
    """The list is built without serializers for speed; it must match the CaseSummary schema."""
    import json

    from yankao.api.cases.views import CaseSummarySerializer
    from yankao.cases.models import Case

    case_intake(
        kind="petition",
        channel="counter",
        category=Category.objects.get(code="road_pothole"),
        subject="路面坑洞",
        description="中正路坑洞",
        petitioner=Petitioner(name="王小明", phone="0912345678"),
    )
    client.force_login(officer)
    row = client.get("/api/v1/cases").json()["results"][0]
    documented = json.loads(json.dumps(CaseSummarySerializer(Case.objects.get()).data))
    assert row == documented


def test_a_registered_petition_is_answered_in_the_documented_shape(client, operator):
    import json

    from yankao.api.cases.views import CaseSummarySerializer
    from yankao.cases.models import Case

    client.force_login(operator)
    body = {
        "category": "road_pothole",
        "channel": "hotline",
        "subject": "路面坑洞",
        "description": "中正路坑洞",
        "petitioner": {"name": "王小明", "phone": "0912345678"},
    }
    answer = client.post("/api/v1/petitions", body, content_type="application/json").json()
    assert answer["case"] == json.loads(json.dumps(CaseSummarySerializer(Case.objects.get()).data))
    assert answer["created"] is True
