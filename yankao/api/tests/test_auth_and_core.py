import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token

from yankao.core.models import AuditEntry
from yankao.core.services.users import user_token_rotate


def test_me_requires_authentication_with_a_chinese_message(client, db):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert "身分驗證" in response.json()["detail"]


def test_a_token_authenticates_a_staff_client(client, officer):
    key = user_token_rotate(user=officer)
    response = client.get("/api/v1/me", headers={"Authorization": f"Token {key}"})
    assert response.status_code == 200
    assert response.json() == {
        "username": "officer",
        "display_name": "officer",
        "role": "officer",
        "role_label": "機關承辦人",
        "agency": {"code": "397010000A", "name": "高雄市政府工務局"},
        "city_wide": False,
    }


def test_a_wrong_token_is_401_in_chinese(client, officer):
    user_token_rotate(user=officer)
    response = client.get("/api/v1/me", headers={"Authorization": "Token not-a-real-key"})
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert "權杖無效" in response.json()["detail"]


def test_a_rotated_token_no_longer_works(client, officer):
    old = user_token_rotate(user=officer)
    user_token_rotate(user=officer)
    assert client.get("/api/v1/me", headers={"Authorization": f"Token {old}"}).status_code == 401


def test_api_errors_follow_the_clients_language(client, db):
    response = client.get("/api/v1/me", headers={"Accept-Language": "en"})
    assert response.json()["detail"].startswith("Authentication required")


def test_me_for_a_city_wide_role(client, auditor):
    key = user_token_rotate(user=auditor)
    body = client.get("/api/v1/me", headers={"Authorization": f"Token {key}"}).json()
    assert body["city_wide"] is True
    assert body["role_label"] == "稽核人員"


def test_token_command_issues_a_token_and_audits_it(officer, capsys):
    call_command("token", "issue", "officer")
    key = capsys.readouterr().out.strip()
    assert Token.objects.get(user=officer).key == key
    assert AuditEntry.objects.filter(target_type="core.user", target_id=str(officer.pk)).exists()


def test_token_command_refuses_an_unknown_user_in_chinese(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="找不到使用者「nobody」"):
        call_command("token", "issue", "nobody")


def test_citizens_get_no_token(citizen):
    from yankao.core.exceptions import PermissionDeniedError

    with pytest.raises(PermissionDeniedError):
        user_token_rotate(user=citizen)


def test_agencies_is_public_and_lists_the_tree_parents_first(client, db):
    response = client.get("/api/v1/agencies")
    assert response.status_code == 200
    rows = response.json()
    seen: set[str] = set()
    for row in rows:
        assert set(row) == {"code", "name", "name_en", "short_name", "kind", "kind_label", "parent", "depth"}
        assert row["parent"] is None or row["parent"] in seen
        seen.add(row["code"])
    root = rows[0]
    assert root["parent"] is None
    assert root["depth"] == 0
    assert root["name"] == "高雄市政府"
    public_works = next(row for row in rows if row["code"] == "397010000A")
    assert public_works["parent"] == "397000000A"
    assert public_works["kind"] == "first_level"
    assert sum(row["kind"] == "district_office" for row in rows) == 38


def test_working_days_counts_and_lists_the_days_off(client, db):
    # 2024-02-08..14 were days off (Lunar New Year); 2024-02-17 was a make-up working Saturday.
    response = client.get("/api/v1/calendar/working-days", {"from": "2024-02-05", "to": "2024-02-18"})
    assert response.status_code == 200
    body = response.json()
    assert body["from"] == "2024-02-05"
    assert body["to"] == "2024-02-18"
    off = [day["date"] for day in body["days_off"]]
    assert off == [
        "2024-02-08",
        "2024-02-09",
        "2024-02-10",
        "2024-02-11",
        "2024-02-12",
        "2024-02-13",
        "2024-02-14",
        "2024-02-18",
    ]
    assert body["day_off_count"] == 8
    assert body["working_day_count"] == 14 - 8


def test_working_days_accepts_roc_dates(client, db):
    body = client.get("/api/v1/calendar/working-days", {"from": "113/04/01", "to": "113/04/07"}).json()
    assert body["from"] == "2024-04-01"
    assert "2024-04-04" in [day["date"] for day in body["days_off"]]


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"from": "2024-02-31", "to": "2024-03-01"}, "起始日"),
        ({"from": "2024-01-01", "to": "not a date"}, "結束日"),
        ({"to": "2024-01-01"}, "請提供起始日"),
        ({"from": "2024-03-01", "to": "2024-02-01"}, "早於起始日"),
        ({"from": "1990-01-01", "to": "1990-01-05"}, "已知範圍"),
    ],
)
def test_working_days_bad_dates_are_400_with_a_chinese_message(client, db, params, fragment):
    response = client.get("/api/v1/calendar/working-days", params)
    assert response.status_code == 400
    assert fragment in response.json()["detail"]


def test_staff_read_the_rule_version_in_force_on_a_date(client, officer):
    client.force_login(officer)
    old = client.get("/api/v1/rules/bullying.acceptance_notice", {"on": "113/04/18"}).json()
    new = client.get("/api/v1/rules/bullying.acceptance_notice", {"on": "2024-04-19"}).json()
    assert (old["unit"], old["effective_from"]) == ("calendar_days", "2020-07-21")
    assert (new["unit"], new["value"], new["status"]) == ("working_days", "20.0000", "confirmed")


def test_a_rule_with_no_version_in_force_is_a_clear_error(client, officer):
    client.force_login(officer)
    response = client.get("/api/v1/rules/bullying.team_formation", {"on": "2019-01-01"})
    assert response.status_code == 400
    assert "尚未生效" in response.json()["detail"]
    response = client.get("/api/v1/rules/no.such.rule", {"on": "2024-01-01"})
    assert "不存在" in response.json()["detail"]
    response = client.get("/api/v1/rules/bullying.team_formation", {"on": "113/02/30"})
    assert response.status_code == 400
    assert "判定日" in response.json()["detail"]


def test_rules_are_for_staff_only(client):
    assert client.get("/api/v1/rules/bullying.team_formation", {"on": "2024-05-01"}).status_code == 401
