from yankao.programs.models import ProgramType


def test_rdec_administrators_add_a_program_type_and_staff_cannot(client, rdec_admin, rdec_staff) -> None:
    client.force_login(rdec_staff)
    assert client.get("/admin/programs/programtype/").status_code in (302, 403)
    client.force_login(rdec_admin)
    response = client.post(
        "/admin/programs/programtype/add/",
        {
            "code": "green_transport",
            "name": "公共運輸補助計畫",
            "short_name": "運輸",
            "sort_order": 40,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert ProgramType.objects.get(code="green_transport").name == "公共運輸補助計畫"
