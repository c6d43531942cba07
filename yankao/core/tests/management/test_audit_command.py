from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from yankao.core import audit_chain
from yankao.core.models import AuditEntry, AuditSeal
from yankao.core.services.audit import audit_record, audit_seal_pending


def _sealed_entries(n: int) -> list[AuditEntry]:
    entries = [
        audit_record(action="read_personal", target_type="servicedesk.petition", target_id=i, fields=["name"])
        for i in range(n)
    ]
    audit_seal_pending(now=timezone.now() + timedelta(minutes=1))
    return entries


def _sql(statement: str, params: list[object]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _verify(*args: str) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("audit", "verify", "--no-progress", *args, stdout=out)
    except CommandError as error:
        return error.returncode, out.getvalue() + str(error)
    return 0, out.getvalue()


@pytest.mark.django_db
def test_an_intact_trail_verifies_and_prints_its_head():
    # given five sealed entries
    _sealed_entries(5)
    head = AuditSeal.objects.order_by("-seq").first()
    # when verified
    code, output = _verify()
    # then all is well and the head is printed for anchoring elsewhere
    assert code == 0
    assert "已驗證 5 個封存" in output
    assert f"head 5:{head.chain_hash}" in output
    assert "未發現異常" in output


@pytest.mark.django_db
def test_a_raw_sql_update_of_an_entry_is_reported_with_its_id():
    # given sealed entries, one of which someone changes directly in the database
    entries = _sealed_entries(3)
    _sql("UPDATE core_auditentry SET actor_username = %s WHERE id = %s", ["someone_else", entries[1].pk])
    # when verified
    code, output = _verify()
    # then verify fails and names the tampered entry
    assert code != 0
    assert f"tampered entry {entries[1].pk}" in output
    assert "遭竄改的紀錄（內容與封存不符）：1 筆" in output


@pytest.mark.django_db
def test_a_raw_sql_delete_of_an_entry_is_reported_with_its_id():
    entries = _sealed_entries(3)
    _sql("DELETE FROM core_auditentry WHERE id = %s", [entries[0].pk])
    code, output = _verify()
    assert code != 0
    assert f"deleted entry {entries[0].pk}" in output


@pytest.mark.django_db
def test_a_deleted_or_changed_seal_is_a_broken_link():
    # given sealed entries whose second seal is deleted and whose third seal's hash is changed
    entries = _sealed_entries(4)
    _sql("DELETE FROM core_auditseal WHERE seq = %s", [2])
    _sql("UPDATE core_auditseal SET entry_hash = %s WHERE seq = %s", ["f" * 64, 4])
    # when verified, unsealed entries counting as overdue at once
    code, output = _verify("--unsealed-after", "0")
    # then both breaks are reported, and the entry that lost its seal shows as unsealed
    assert code != 0
    assert "broken link at seq 3, 4" in output
    assert f"unsealed entry {entries[1].pk}" in output


@pytest.mark.django_db
def test_an_entry_left_unsealed_past_the_tolerance_is_reported():
    # given an entry written an hour ago that no sealer has seen
    entry = audit_record(action="update", target_type="core.rule", target_id=1)
    an_hour_ago = connection.ops.adapt_datetimefield_value(timezone.now() - timedelta(hours=1))
    _sql("UPDATE core_auditentry SET occurred_at = %s WHERE id = %s", [an_hour_ago, entry.pk])
    # when verified
    code, output = _verify()
    # then it is reported; a fresh unsealed entry is not
    assert code != 0
    assert f"unsealed entry {entry.pk}" in output
    audit_record(action="update", target_type="core.rule", target_id=2)
    assert f"unsealed entry {entry.pk}" in _verify()[1]
    assert f"unsealed entry {entry.pk + 1}" not in _verify()[1]


@pytest.mark.django_db
def test_a_chain_rewritten_consistently_is_caught_only_by_an_anchored_head():
    # given a sealed trail whose head was recorded elsewhere
    entries = _sealed_entries(3)
    head = AuditSeal.objects.order_by("-seq").first()
    anchor = f"{head.seq}:{head.chain_hash}"
    # when someone changes an entry and recomputes every seal after it
    _sql("UPDATE core_auditentry SET target_id = %s WHERE id = %s", ["999", entries[0].pk])
    previous = audit_chain.GENESIS
    for seal in AuditSeal.objects.order_by("seq"):
        digest = audit_chain.entry_hash(AuditEntry.objects.get(pk=seal.entry_id))
        previous = audit_chain.chain_hash_next(previous=previous, entry_hash=digest)
        _sql(
            "UPDATE core_auditseal SET entry_hash = %s, chain_hash = %s WHERE seq = %s",
            [digest, previous, seal.seq],
        )
    # then the chain alone looks intact, but not against the anchored head
    assert _verify()[0] == 0
    code, output = _verify("--anchor", anchor)
    assert code != 0
    assert "雜湊鏈未經過保存的鏈頭" in output


@pytest.mark.django_db
def test_seal_subcommand_seals_pending_entries():
    # given two entries past a zero-second grace period
    audit_record(action="update", target_type="core.rule", target_id=1)
    audit_record(action="update", target_type="core.rule", target_id=2)
    out = StringIO()
    # when sealed from the command line
    call_command("audit", "seal", "--grace", "0", stdout=out)
    # then both are sealed and the trail verifies
    assert "已封存 2 筆" in out.getvalue()
    assert _verify()[0] == 0


@pytest.mark.django_db
def test_a_malformed_anchor_is_a_clear_error():
    with pytest.raises(CommandError, match="格式應為"):
        call_command("audit", "verify", "--no-progress", "--anchor", "abc")
