"""Who may see and act on a 工務局 case, by every route: console pages, actions, downloads, exports, API.

An officer of another agency is answered 404 everywhere (the case's existence is not revealed); the
auditor reads everything and changes nothing, personal data staying masked; the 1999 operator
registers cases but does not handle them.
"""

import pytest

from yankao.cases.models import Case, Category, Extension
from yankao.cases.services import Petitioner, Upload, case_accept, case_extension_request, case_intake
from yankao.core.services.users import user_token_rotate
from yankao.web.views.case_page import ACTIONS

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
    b"\x00\x00\x00\x0cIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture
def public_works_case(db, officer) -> Case:
    """An accepted 工務局 case with an attachment and a pending extension request."""
    case = case_intake(
        kind="petition",
        channel="web",
        category=Category.objects.get(code="road_pothole"),
        subject="路面坑洞",
        description="建國路口坑洞",
        petitioner=Petitioner(name="王小明", phone="0912345678"),
        attachments=[Upload(name="photo.png", content=PNG, content_type="image/png")],
    ).case
    case = case_accept(case=case, user=officer, expected_version=case.version)
    case_extension_request(case=case, user=officer, working_days=3, reason="會勘")
    return Case.objects.get(pk=case.pk)


def _csv(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8-sig")


# --- officer of another agency ---------------------------------------------------------------


def test_other_agency_does_not_find_it_in_the_inbox_or_the_export(
    client, officer_of_other_agency, public_works_case
):
    client.force_login(officer_of_other_agency)
    assert public_works_case.number not in client.get("/console/cases/").content.decode()
    searched = client.get("/console/cases/", {"search": public_works_case.number, "state": "all"})
    assert searched.context["rows"] == []
    assert public_works_case.number not in _csv(client.get("/console/cases/export.csv", {"state": "all"}))


def test_other_agency_gets_404_for_the_case_page_and_the_attachment(
    client, officer_of_other_agency, public_works_case
):
    client.force_login(officer_of_other_agency)
    attachment = public_works_case.attachments.get()
    assert client.get(f"/console/cases/{public_works_case.number}/").status_code == 404
    assert (
        client.get(f"/console/cases/{public_works_case.number}/attachments/{attachment.pk}/").status_code
        == 404
    )
    assert (
        client.post(f"/console/cases/{public_works_case.number}/reveal/", {"reason": "x"}).status_code == 404
    )


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_other_agency_gets_404_for_every_action(client, officer_of_other_agency, public_works_case, action):
    client.force_login(officer_of_other_agency)
    extension = public_works_case.extensions.get()
    data = {
        "version": public_works_case.version,
        "extension": extension.pk,
        "decision": "approve",
        "reply": "x",
        "reason": "x",
        "message": "x",
        "note": "x",
        "working_days": 3,
        "to_agency": "397017000A",
        "ground": "no_content",
        "into": public_works_case.number,
        "earlier": public_works_case.number,
    }
    response = client.post(f"/console/cases/{public_works_case.number}/{action}/", data)
    assert response.status_code == 404
    assert Case.objects.get(pk=public_works_case.pk).version == public_works_case.version


def test_other_agency_cannot_bulk_accept_or_export_it(client, officer_of_other_agency, public_works_case):
    client.force_login(officer_of_other_agency)
    value = f"{public_works_case.number}:{public_works_case.version}"
    for action in ("accept", "export"):
        response = client.post("/console/cases/bulk/", {"action": action, "numbers": [value]})
        assert response.status_code == 404


def test_other_agency_cannot_decide_its_extension(client, officer_of_other_agency, public_works_case):
    client.force_login(officer_of_other_agency)
    extension = public_works_case.extensions.get()
    assert public_works_case.number not in client.get("/console/extensions/").content.decode()
    response = client.post(
        f"/console/extensions/{extension.pk}/decide/", {"extension": extension.pk, "decision": "approve"}
    )
    assert response.status_code == 404
    assert Extension.objects.get(pk=extension.pk).decision == Extension.Decision.PENDING


def test_other_agency_gets_nothing_from_the_api(client, officer_of_other_agency, public_works_case):
    headers = {"Authorization": f"Token {user_token_rotate(user=officer_of_other_agency)}"}
    listed = client.get(
        "/api/v1/cases", {"state": "all", "search": public_works_case.number}, headers=headers
    )
    assert listed.json()["results"] == []
    assert client.get(f"/api/v1/cases/{public_works_case.number}", headers=headers).status_code == 404
    reply = client.post(
        f"/api/v1/cases/{public_works_case.number}/reply",
        {"version": public_works_case.version, "reply": "x"},
        content_type="application/json",
        headers=headers,
    )
    assert reply.status_code == 404
    assert Case.objects.get(pk=public_works_case.pk).version == public_works_case.version


def test_the_liaison_of_the_agency_may_decide_it(client, liaison, public_works_case):
    client.force_login(liaison)
    assert public_works_case.number in client.get("/console/extensions/").content.decode()


# --- auditor: reads everything, changes nothing, personal data masked ------------------------


def test_the_auditor_reads_page_api_and_export_masked(client, auditor, public_works_case):
    client.force_login(auditor)
    page = client.get(f"/console/cases/{public_works_case.number}/")
    assert page.status_code == 200
    assert "王小明" not in page.content.decode()
    assert public_works_case.number in client.get("/console/cases/").content.decode()
    export = _csv(client.get("/console/cases/export.csv"))
    assert public_works_case.number in export
    assert "王小明" not in export
    headers = {"Authorization": f"Token {user_token_rotate(user=auditor)}"}
    assert client.get(f"/api/v1/cases/{public_works_case.number}", headers=headers).status_code == 200


def test_the_auditor_may_download_no_attachment_revealing_nothing_personal(
    client, auditor, public_works_case
):
    # Attachments are what the citizen sent: photos can show faces and plates, so they stay with handlers.
    client.force_login(auditor)
    attachment = public_works_case.attachments.get()
    response = client.get(f"/console/cases/{public_works_case.number}/attachments/{attachment.pk}/")
    assert response.status_code == 403


def test_the_auditor_changes_nothing_by_any_route(client, auditor, public_works_case):
    client.force_login(auditor)
    number, version = public_works_case.number, public_works_case.version
    assert client.post(f"/console/cases/{number}/reveal/", {"reason": "稽核"}).status_code == 403
    for action in ACTIONS:
        response = client.post(
            f"/console/cases/{number}/{action}/", {"version": version, "reply": "x", "note": "x"}
        )
        assert response.status_code in (400, 403), action
    bulk = client.post("/console/cases/bulk/", {"action": "accept", "numbers": [f"{number}:{version}"]})
    assert bulk.status_code == 302
    extension = public_works_case.extensions.get()
    assert (
        client.post(
            f"/console/extensions/{extension.pk}/decide/", {"extension": extension.pk, "decision": "approve"}
        ).status_code
        == 404
    )
    headers = {"Authorization": f"Token {user_token_rotate(user=auditor)}"}
    reply = client.post(
        f"/api/v1/cases/{number}/reply",
        {"version": version, "reply": "x"},
        content_type="application/json",
        headers=headers,
    )
    assert reply.status_code == 403
    assert Case.objects.get(pk=public_works_case.pk).version == version


# --- operator: registers, does not handle -----------------------------------------------------


def test_the_operator_registers_but_does_not_handle(client, operator, public_works_case):
    headers = {"Authorization": f"Token {user_token_rotate(user=operator)}"}
    created = client.post(
        "/api/v1/petitions",
        {
            "category": "street_light",
            "channel": "hotline",
            "subject": "路燈不亮",
            "description": "整排路燈不亮",
            "petitioner": {"name": "林先生", "phone": "0933111222"},
        },
        content_type="application/json",
        headers=headers,
    )
    assert created.status_code == 201
    client.force_login(operator)
    assert client.get(f"/console/cases/{public_works_case.number}/").status_code == 404
    response = client.post(
        f"/console/cases/{public_works_case.number}/reply/",
        {"version": public_works_case.version, "reply": "x"},
    )
    assert response.status_code == 404
    api_reply = client.post(
        f"/api/v1/cases/{public_works_case.number}/reply",
        {"version": public_works_case.version, "reply": "x"},
        content_type="application/json",
        headers=headers,
    )
    assert api_reply.status_code == 404
