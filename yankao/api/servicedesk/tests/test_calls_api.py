"""The calls API: an operator logs a call (idempotent), everyone reads only the calls of their scope."""

from datetime import timedelta

from django.utils import timezone

from yankao.core.services.users import user_token_rotate
from yankao.servicedesk.models import Call


def _auth(user) -> dict[str, str]:
    return {"Authorization": f"Token {user_token_rotate(user=user)}"}


def _body(**overrides):
    body = {
        "started_at": (timezone.now() - timedelta(minutes=4)).isoformat(),
        "outcome": "dispatched",
        "category": "road_pothole",
        "phone": "0912-345-678",
        "summary": "民族一路坑洞",
        "location_text": "民族一路100號",
    }
    body.update(overrides)
    return body


def test_an_operator_logs_a_dispatched_call_and_a_retry_returns_it(client, operator):
    headers = {**_auth(operator), "Idempotency-Key": "cti-1"}
    first = client.post("/api/v1/calls", _body(), content_type="application/json", headers=headers)
    assert first.status_code == 201
    body = first.json()
    assert body["created"] is True
    assert body["call"]["case_number"].startswith("D")
    assert body["call"]["caller_phone_masked"] == "0912***678"
    assert body["tracking_code"]
    again = client.post("/api/v1/calls", _body(), content_type="application/json", headers=headers)
    assert again.status_code == 200
    assert again.json()["call"]["id"] == body["call"]["id"]
    assert Call.objects.count() == 1


def test_bad_input_names_the_field_in_chinese_and_writes_nothing(client, operator):
    response = client.post(
        "/api/v1/calls",
        _body(outcome="answered", answer=""),
        content_type="application/json",
        headers=_auth(operator),
    )
    assert response.status_code == 400
    assert "answer" in response.json()["errors"]
    assert "當場答復" in response.json()["detail"]
    assert Call.objects.count() == 0


def test_only_operators_log_calls(client, officer):
    response = client.post("/api/v1/calls", _body(), content_type="application/json", headers=_auth(officer))
    assert response.status_code == 403


def test_officers_read_only_the_calls_behind_their_cases(client, operator, officer, officer_of_other_agency):
    client.post("/api/v1/calls", _body(), content_type="application/json", headers=_auth(operator))
    client.post(
        "/api/v1/calls",
        _body(outcome="answered", category="tax", answer="已說明"),
        content_type="application/json",
        headers=_auth(operator),
    )
    dispatched, answered = Call.objects.get(outcome="dispatched"), Call.objects.get(outcome="answered")
    mine = client.get("/api/v1/calls", headers=_auth(officer)).json()["results"]
    assert [row["id"] for row in mine] == [dispatched.pk]
    assert client.get(f"/api/v1/calls/{answered.pk}", headers=_auth(officer)).status_code == 404
    assert client.get("/api/v1/calls", headers=_auth(officer_of_other_agency)).json()["results"] == []
    everything = client.get("/api/v1/calls", {"limit": 1}, headers=_auth(operator)).json()
    assert len(everything["results"]) == 1
    assert everything["next_before"] == everything["results"][0]["id"]
    rest = client.get("/api/v1/calls", {"before": everything["next_before"]}, headers=_auth(operator)).json()
    assert len(rest["results"]) == 1


def test_list_filters_are_checked(client, operator):
    assert client.get("/api/v1/calls", {"limit": 0}, headers=_auth(operator)).status_code == 400
    assert client.get("/api/v1/calls", {"outcome": "lost"}, headers=_auth(operator)).status_code == 400
    assert client.get("/api/v1/calls", {"from": "not a date"}, headers=_auth(operator)).status_code == 400
