from rest_framework.authtoken.models import Token

from yankao.core.models import AuditEntry


def test_staff_see_that_they_have_no_token_then_rotate_and_see_it_once(client, officer):
    client.force_login(officer)
    assert "您目前沒有 API 權杖" in client.get("/console/api-token/").content.decode()
    response = client.post("/console/api-token/")
    key = Token.objects.get(user=officer).key
    assert key in response.content.decode()
    # shown only once
    assert key not in client.get("/console/api-token/").content.decode()


def test_rotating_revokes_the_old_token_and_is_audited(client, officer):
    client.force_login(officer)
    client.post("/console/api-token/")
    first = Token.objects.get(user=officer).key
    client.post("/console/api-token/")
    assert Token.objects.filter(user=officer).count() == 1
    assert Token.objects.get(user=officer).key != first
    entries = AuditEntry.objects.filter(target_type="core.user", target_id=str(officer.pk), action="update")
    assert entries.count() == 2
    assert all(first not in str(entry.detail) for entry in entries)


def test_a_citizen_gets_no_token_page(client, citizen):
    client.force_login(citizen)
    assert client.get("/console/api-token/").status_code == 403
