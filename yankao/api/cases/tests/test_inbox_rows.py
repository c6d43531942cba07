"""The JSON inbox keeps each row's encoding per case version: a poll never shows a stale case."""

import json
import time

import pytest

from yankao.api.cases import inbox_rows
from yankao.cases.models import Category
from yankao.cases.services import case_accept
from yankao.core.services.users import user_token_rotate


@pytest.fixture
def fresh_rows():
    inbox_rows._ROWS.clear()
    yield
    inbox_rows._ROWS.clear()


def _rows(client, headers, **params) -> dict[str, dict]:
    response = client.get("/api/v1/cases", params, headers=headers)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return {row["number"]: row for row in response.json()["results"]}


def test_a_case_taken_up_between_two_polls_shows_its_new_state(client, officer, fresh_rows, file_case):
    case = file_case()
    headers = {"Authorization": f"Token {user_token_rotate(user=officer)}"}
    before = _rows(client, headers)[case.number]
    assert (before["state"], before["state_label"], before["officer"]) == ("assigned", "已分派", None)
    assert inbox_rows._ROWS, "the row is kept for the next poll"

    case_accept(case=case, user=officer)
    after = _rows(client, headers)[case.number]
    assert (after["state"], after["state_label"], after["officer"]) == (
        "in_progress",
        "處理中",
        officer.username,
    )
    assert after["version"] == before["version"] + 1


def test_a_kept_row_is_the_same_text_as_a_freshly_encoded_one(client, officer, fresh_rows, file_case):
    for subject in ("路燈不亮", "行人\u2028專用道", '招牌"掉落"'):
        file_case(subject)
    headers = {"Authorization": f"Token {user_token_rotate(user=officer)}"}
    fresh = client.get("/api/v1/cases", headers=headers).content
    kept = client.get("/api/v1/cases", headers=headers).content
    assert kept == fresh
    # A line separator would end a JavaScript string: escaped, as DRF's renderer does.
    assert b"\\u2028" in kept
    assert {row["subject"] for row in json.loads(kept)["results"]} >= {"行人\u2028專用道", '招牌"掉落"'}


def test_each_language_has_its_own_rows(client, officer, fresh_rows, file_case):
    case = file_case()
    headers = {"Authorization": f"Token {user_token_rotate(user=officer)}"}
    chinese = _rows(client, headers)[case.number]
    english = _rows(client, {**headers, "Accept-Language": "en"})[case.number]
    assert chinese["state_label"] == "已分派"
    assert english["state_label"] == "Dispatched"


def test_a_renamed_category_shows_once_the_kept_rows_have_aged_out(
    client, officer, fresh_rows, file_case, monkeypatch
):
    case = file_case()
    headers = {"Authorization": f"Token {user_token_rotate(user=officer)}"}
    assert _rows(client, headers)[case.number]["category"]["name"] != "道路坑洞（新名稱）"
    category = Category.objects.get(code="road_pothole")
    category.name = "道路坑洞（新名稱）"
    category.save()
    assert _rows(client, headers)[case.number]["category"]["name"] != "道路坑洞（新名稱）", "kept for now"
    later = time.time() + inbox_rows.ROW_MAX_AGE_SECONDS
    monkeypatch.setattr(inbox_rows.time, "time", lambda: later)
    assert _rows(client, headers)[case.number]["category"]["name"] == "道路坑洞（新名稱）"


def test_the_kept_rows_are_bounded(client, officer, fresh_rows, file_case, monkeypatch):
    for subject in ("一", "二", "三"):
        file_case(subject)
    monkeypatch.setattr(inbox_rows, "ROWS_KEPT_MAX", 2)
    headers = {"Authorization": f"Token {user_token_rotate(user=officer)}"}
    assert len(_rows(client, headers)) == 3
    assert len(inbox_rows._ROWS) <= 2
