import pytest

from yankao.conftest import PERSONA_PASSWORD
from yankao.core.models import AuditAction, AuditEntry


@pytest.mark.django_db
def test_sign_in_sign_out_and_a_failed_attempt_are_in_the_audit_trail(client, officer):
    # when the officer fails once, signs in, then signs out
    client.post("/login/", {"username": "officer", "password": "wrong-password"})
    client.post("/login/", {"username": "officer", "password": PERSONA_PASSWORD})
    client.post("/logout/")
    # then each is recorded, and no password is
    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions[-3:] == [AuditAction.LOGIN_FAILED, AuditAction.LOGIN, AuditAction.LOGOUT]
    failed = AuditEntry.objects.get(action=AuditAction.LOGIN_FAILED)
    assert failed.detail == {"username": "officer"}
    assert "wrong-password" not in str(AuditEntry.objects.values_list("detail", "fields"))
    login = AuditEntry.objects.get(action=AuditAction.LOGIN)
    assert (login.actor_username, login.target_id) == ("officer", str(officer.pk))
