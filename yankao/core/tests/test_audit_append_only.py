import pytest
from django.urls import reverse

from yankao.core.models import AuditEntry, AuditSeal
from yankao.core.services.audit import audit_record, audit_seal_pending


@pytest.fixture
def sealed_entry(db: object) -> AuditEntry:
    entry = audit_record(action="update", target_type="core.rule", target_id=1, fields=["value"])
    audit_seal_pending(grace_seconds=0)
    return entry


def test_the_model_refuses_to_change_or_delete_an_entry_or_a_seal(sealed_entry):
    # given a sealed entry loaded through the ORM
    seal = AuditSeal.objects.get(entry_id=sealed_entry.pk)
    sealed_entry.actor_username = "someone_else"
    seal.chain_hash = "0" * 64
    # then saving or deleting either is refused
    for record in (sealed_entry, seal):
        with pytest.raises(PermissionError):
            record.save()
        with pytest.raises(PermissionError):
            record.delete()
    assert AuditEntry.objects.get(pk=sealed_entry.pk).actor_username == ""


def test_querysets_refuse_bulk_update_and_delete(sealed_entry):
    for model in (AuditEntry, AuditSeal):
        with pytest.raises(PermissionError):
            model.objects.all().update(pk=0)
        with pytest.raises(PermissionError):
            model.objects.all().delete()
    assert AuditEntry.objects.count() == AuditSeal.objects.count() == 1


def test_the_admin_lets_an_rdec_admin_read_but_not_add_change_or_delete(client, rdec_admin, sealed_entry):
    # given an RDEC administrator, even one who is also a superuser
    rdec_admin.is_superuser = True
    rdec_admin.save()
    client.force_login(rdec_admin)
    # when they open the audit trail in the admin
    listing = client.get(reverse("admin:core_auditentry_changelist"))
    page = client.get(reverse("admin:core_auditentry_change", args=[sealed_entry.pk]))
    # then they can read it
    assert listing.status_code == 200
    assert page.status_code == 200
    assert b"core.rule" in page.content
    # but adding, changing and deleting are forbidden, for entries and seals alike
    assert client.get(reverse("admin:core_auditentry_add")).status_code == 403
    assert client.post(reverse("admin:core_auditentry_change", args=[sealed_entry.pk]), {}).status_code == 403
    assert (
        client.post(
            reverse("admin:core_auditentry_delete", args=[sealed_entry.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    seal = AuditSeal.objects.get(entry_id=sealed_entry.pk)
    assert (
        client.post(reverse("admin:core_auditseal_delete", args=[seal.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert AuditEntry.objects.filter(pk=sealed_entry.pk, actor_username="").exists()
    assert AuditSeal.objects.filter(pk=seal.pk).exists()
