from datetime import UTC, datetime

from yankao.core.audit_chain import GENESIS, chain_hash_next, entry_canonical, entry_hash
from yankao.core.models import AuditAction, AuditEntry


def _entry(**kwargs: object) -> AuditEntry:
    values = {
        "id": 7,
        "occurred_at": datetime(2024, 3, 31, 1, 2, 3, 456789, tzinfo=UTC),
        "actor_id": 3,
        "actor_username": "officer",
        "action": AuditAction.READ_PERSONAL,
        "target_type": "servicedesk.petition",
        "target_id": "42",
        "fields": ["name", "phone"],
        "ip_address": "10.0.0.8",
        "request_id": "abc",
        "detail": {"b": 1, "a": [1, 2]},
    }
    return AuditEntry(**{**values, **kwargs})


def test_the_entry_hash_ignores_key_order_and_time_zone_but_not_content():
    # given the same entry twice, its detail keys and time written differently
    taipei_time = datetime.fromisoformat("2024-03-31T09:02:03.456789+08:00")
    same = _entry(detail={"a": [1, 2], "b": 1}, occurred_at=taipei_time)
    # then both hash alike, and any changed field changes the hash
    assert entry_hash(_entry()) == entry_hash(same)
    for change in ({"actor_username": "liaison"}, {"fields": ["name"]}, {"id": 8}, {"ip_address": None}):
        assert entry_hash(_entry(**change)) != entry_hash(_entry())


def test_the_canonical_form_is_compact_sorted_utf8_json_in_utc():
    text = entry_canonical(_entry(target_type="案件")).decode()
    assert text.startswith('{"action":"read_personal","actor_id":3,')
    assert '"occurred_at":"2024-03-31T01:02:03.456789+00:00"' in text
    assert "案件" in text
    assert " " not in text


def test_each_link_depends_on_the_previous_one():
    # given two entries chained in one order and in the other
    first, second = entry_hash(_entry(id=1)), entry_hash(_entry(id=2))
    forward = chain_hash_next(previous=chain_hash_next(previous=GENESIS, entry_hash=first), entry_hash=second)
    backward = chain_hash_next(
        previous=chain_hash_next(previous=GENESIS, entry_hash=second), entry_hash=first
    )
    # then the heads differ
    assert forward != backward
    assert len(forward) == 64
