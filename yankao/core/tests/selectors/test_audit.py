from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from yankao.core.exceptions import InvalidDateError, PermissionDeniedError
from yankao.core.models import AuditEntry
from yankao.core.selectors.audit import audit_entry_list_for_user
from yankao.core.services.audit import audit_record, audit_seal_pending


def _entry(
    actor, action="update", target_type="core.rule", target_id="1", at: datetime | None = None
) -> AuditEntry:
    entry = audit_record(
        actor=actor, action=action, target_type=target_type, target_id=target_id, fields=["value"]
    )
    if at is not None:
        # Entries cannot be changed through the application; the test sets up history with raw SQL.
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE core_auditentry SET occurred_at = %s WHERE id = %s",
                [connection.ops.adapt_datetimefield_value(at), entry.pk],
            )
    return entry


def _taipei(*args: int) -> datetime:
    return timezone.make_aware(datetime(*args))


def _ids(page) -> list[int]:
    return [row.entry.pk for row in page.rows]


def test_the_auditor_sees_entries_filtered_by_actor_action_and_target_newest_first(auditor, officer, liaison):
    # given entries by two people on two kinds of record
    first = _entry(officer, action="read_personal", target_type="servicedesk.petition", target_id="7")
    _entry(liaison, action="read_personal", target_type="servicedesk.petition", target_id="7")
    _entry(officer, action="update", target_type="core.rule", target_id="3")
    last = _entry(officer, action="read_personal", target_type="servicedesk.petition", target_id="7")
    # when the auditor asks what officer read of petition 7
    page = audit_entry_list_for_user(
        user=auditor,
        actor_username="officer",
        action="read_personal",
        target_type="servicedesk.petition",
        target_id="7",
    )
    # then exactly those entries come back, newest first
    assert _ids(page) == [last.pk, first.pk]
    assert page.older_before_id is None


@pytest.mark.parametrize(("date_from", "date_to"), [("2024-03-01", "2024-03-31"), ("113/03/01", "113/03/31")])
def test_the_date_range_takes_whole_days_in_taipei_in_iso_or_roc(auditor, officer, date_from, date_to):
    # given entries just outside and just inside March 2024, Taipei time
    _entry(officer, at=_taipei(2024, 2, 29, 23, 59, 59))
    inside = [
        _entry(officer, at=_taipei(2024, 3, 1, 0, 0)),
        _entry(officer, at=_taipei(2024, 3, 31, 23, 59, 59)),
    ]
    _entry(officer, at=_taipei(2024, 4, 1, 0, 0))
    # when the auditor filters by March
    page = audit_entry_list_for_user(user=auditor, date_from=date_from, date_to=date_to)
    # then only March's entries are listed
    assert sorted(_ids(page)) == [e.pk for e in inside]


def test_pages_are_cut_by_id_without_counting_the_table(auditor, officer, django_assert_num_queries):
    # given five entries
    entries = [_entry(officer, target_id=str(i)) for i in range(5)]
    # when the auditor pages through two at a time
    with django_assert_num_queries(2) as captured:  # the page, and the seals of its entries
        first = audit_entry_list_for_user(user=auditor, limit=2)
    second = audit_entry_list_for_user(user=auditor, limit=2, before_id=first.older_before_id)
    third = audit_entry_list_for_user(user=auditor, limit=2, before_id=second.older_before_id)
    # then each entry appears once, newest first, the last page says there is nothing older
    assert _ids(first) + _ids(second) + _ids(third) == [e.pk for e in reversed(entries)]
    assert third.older_before_id is None
    assert not any("COUNT(" in query["sql"].upper() for query in captured.captured_queries)


def test_each_row_shows_whether_its_entry_is_sealed_intact_altered_or_pending(auditor, officer):
    # given two sealed entries, one changed since, and one written after sealing
    changed, intact = _entry(officer), _entry(officer)
    audit_seal_pending(now=timezone.now() + timedelta(minutes=1))
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditentry SET target_id = %s WHERE id = %s", ["666", changed.pk])
    pending = _entry(officer)
    # when the auditor lists them
    rows = {row.entry.pk: row for row in audit_entry_list_for_user(user=auditor).rows}
    # then each shows its state
    assert rows[intact.pk].seal_status == "sealed"
    assert rows[intact.pk].seal_seq == 2
    assert rows[changed.pk].seal_status == "altered"
    assert rows[pending.pk].seal_status == "pending"


def test_the_rdec_admin_may_read_the_trail(rdec_admin, officer):
    entry = _entry(officer)
    assert entry.pk in _ids(audit_entry_list_for_user(user=rdec_admin))


@pytest.mark.parametrize("persona", ["officer", "liaison", "rdec_staff", "inspector", "citizen"])
def test_anyone_else_is_refused(request, persona):
    user = request.getfixturevalue(persona)
    with pytest.raises(PermissionDeniedError, match="稽核人員"):
        audit_entry_list_for_user(user=user)


def test_a_malformed_or_reversed_date_range_is_a_clear_error(auditor):
    with pytest.raises(InvalidDateError, match="起日：「113/13/01」"):
        audit_entry_list_for_user(user=auditor, date_from="113/13/01")
    with pytest.raises(InvalidDateError, match="起日不可晚於迄日"):
        audit_entry_list_for_user(user=auditor, date_from=date(2024, 4, 1), date_to=date(2024, 3, 1))
