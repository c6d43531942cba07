"""The programs API: each agency reads its own programs; the RDEC reads all and the exception list."""

from datetime import date

from yankao.core.services.users import user_token_rotate
from yankao.programs.tests.factories import ENVIRONMENT, program_make


def _auth(user) -> dict[str, str]:
    return {"Authorization": f"Token {user_token_rotate(user=user)}"}


def test_an_agency_reads_only_its_programs_and_rdec_reads_all(
    client, officer, officer_of_other_agency, rdec_staff
):
    mine = program_make(
        starts_on=date(2025, 1, 1), controlled_from=date(2025, 1, 1), ends_on=date(2028, 1, 1)
    )
    theirs = program_make(
        agency_code=ENVIRONMENT,
        starts_on=date(2025, 1, 1),
        controlled_from=date(2025, 1, 1),
        ends_on=date(2028, 1, 1),
    )
    body = client.get("/api/v1/programs", headers=_auth(officer)).json()
    assert [row["code"] for row in body["results"]] == [mine.code]
    assert body["results"][0]["light"] == "none"
    everything = client.get("/api/v1/programs", {"agency": ENVIRONMENT}, headers=_auth(rdec_staff)).json()
    assert [row["code"] for row in everything["results"]] == [theirs.code]
    exceptions = client.get("/api/v1/programs/exceptions", headers=_auth(officer_of_other_agency)).json()
    assert {row["code"] for row in exceptions} == {theirs.code}
    assert exceptions[0]["issues"][0]["kind"] == "overdue"


def test_the_1999_desk_has_no_programs(client, operator):
    assert client.get("/api/v1/programs", headers=_auth(operator)).status_code == 403
