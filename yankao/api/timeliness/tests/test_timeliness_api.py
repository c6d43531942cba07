"""The timeliness API: figures within the token owner's scope."""

import io
from datetime import date

from yankao.core.services.users import user_token_rotate
from yankao.timeliness.models import MappingProfile
from yankao.timeliness.services import register_import

ROWS = (
    "397010000A,A1,養護工程處,一般公文,普通件,113/02/07,113/02/21",
    "397010000A,A2,養護工程處,一般公文,普通件,113/02/07,113/02/23",
    "397017000A,B1,空氣品質科,人民陳情案,,113/02/01,113/03/21",
)
PERIOD = {"from": "113/01/01", "to": "2024-12-31"}


def _auth(user) -> dict[str, str]:
    return {"Authorization": f"Token {user_token_rotate(user=user)}"}


def _import(user) -> None:
    text = "\n".join(["機關代碼,文號,承辦單位,類別,速別,收文日期,發文日期", *ROWS]) + "\n"
    register_import(
        actor=user,
        profile=MappingProfile.objects.get(name="yankao-標準格式"),
        file=io.BytesIO(text.encode()),
        filename="r.csv",
        as_of=date(2024, 12, 31),
    )


def test_rdec_reads_every_agency_and_an_agency_its_own(client, rdec_staff, liaison):
    _import(rdec_staff)
    city = client.get(
        "/api/v1/timeliness/figures", {**PERIOD, "group": "agency"}, headers=_auth(rdec_staff)
    ).json()
    assert {row["name"]: row["on_time_rate"] for row in city} == {
        "高雄市政府工務局": "50.0",
        "高雄市政府環境保護局": "100.0",
    }
    own = client.get("/api/v1/timeliness/figures", {**PERIOD, "group": "unit"}, headers=_auth(liaison)).json()
    assert [(row["name"], row["total"], row["overdue"], row["average_days_used"]) for row in own] == [
        ("養護工程處", 2, 1, "7.00")
    ]


def test_bad_group_and_other_roles_are_refused(client, rdec_staff, operator):
    response = client.get("/api/v1/timeliness/figures", {**PERIOD, "group": "x"}, headers=_auth(rdec_staff))
    assert response.status_code == 400
    assert "group" in response.json()["detail"]
    refused = client.get("/api/v1/timeliness/figures", {**PERIOD, "group": "agency"}, headers=_auth(operator))
    assert refused.status_code == 403
