"""rows_insert stores what save() would store, on each database."""

from datetime import UTC, datetime

import pytest

from yankao.core.models import AuditEntry, CalendarOverride
from yankao.core.row_insert import rows_insert

pytestmark = pytest.mark.django_db


def _entry(**overrides) -> AuditEntry:
    values = {
        "occurred_at": datetime(2026, 11, 27, 1, 2, 3, 456789, tzinfo=UTC),
        "actor_username": "officer",
        "action": "create",
        "target_type": "cases.case",
        "target_id": "17",
        "fields": ["petitioner_name_encrypted", "subject"],
        "ip_address": "10.0.0.8",
        "detail": {"number": "P1151127-0001", "note": "中文與\u2028分行"},
    }
    return AuditEntry(**{**values, **overrides})


def test_the_rows_read_back_as_saved_ones_do(officer) -> None:
    saved = _entry(actor=officer)
    saved.save()
    rows_insert(rows=[_entry(actor=officer, target_id="18"), _entry(ip_address=None, detail={}, fields=[])])
    first, second = AuditEntry.objects.exclude(pk=saved.pk).order_by("id")
    compared = (
        "occurred_at",
        "actor_id",
        "actor_username",
        "action",
        "target_type",
        "fields",
        "ip_address",
        "detail",
    )
    assert [getattr(first, name) for name in compared] == [getattr(saved, name) for name in compared]
    assert first.target_id == "18"
    assert (second.actor_id, second.ip_address, second.detail, second.fields) == (None, None, {}, [])


def test_auto_now_fields_are_filled_as_save_fills_them() -> None:
    from django.utils import timezone

    before = timezone.now()
    kind = CalendarOverride.Kind.values[0]
    day = datetime(2031, 12, 1).date()
    rows_insert(rows=[CalendarOverride(date=day, is_working_day=False, kind=kind, reason="測試")])
    override = CalendarOverride.objects.get(date=day)
    assert (override.is_working_day, override.kind, override.reason, override.verified) == (
        False,
        kind,
        "測試",
        True,
    )
    assert override.created_at >= before
    assert override.updated_at >= before


def test_nothing_to_insert_is_no_statement(django_assert_num_queries) -> None:
    with django_assert_num_queries(0):
        rows_insert(rows=[])


def test_rows_of_two_models_are_refused() -> None:
    with pytest.raises(TypeError):
        rows_insert(rows=[_entry(), CalendarOverride(reason="x")])
    assert not AuditEntry.objects.exists()


def test_each_row_gets_its_key_and_a_later_save_updates_it() -> None:
    kind = CalendarOverride.Kind.values[0]
    first = CalendarOverride(date=datetime(2031, 12, 2).date(), is_working_day=False, kind=kind, reason="一")
    second = CalendarOverride(date=datetime(2031, 12, 3).date(), is_working_day=True, kind=kind, reason="二")
    rows_insert(rows=[first, second])
    assert CalendarOverride.objects.get(pk=first.pk).reason == "一"
    assert CalendarOverride.objects.get(pk=second.pk).reason == "二"
    second.reason = "二（更正）"
    second.save()
    assert CalendarOverride.objects.filter(date__year=2031).count() == 2
    assert CalendarOverride.objects.get(pk=second.pk).reason == "二（更正）"


def test_a_batch_writes_its_rows_together_when_it_ends(officer) -> None:
    from yankao.core.row_insert import rows_insert_batch

    kind = CalendarOverride.Kind.values[0]
    override = CalendarOverride(
        date=datetime(2031, 12, 4).date(), is_working_day=True, kind=kind, reason="補班"
    )
    entries = [_entry(actor=officer, target_id="21"), _entry(target_id="22")]
    with rows_insert_batch():
        rows_insert(rows=entries)
        with rows_insert_batch():  # an inner block is sent by the outer one
            rows_insert(rows=[override])
        assert not AuditEntry.objects.exists()
        assert not CalendarOverride.objects.filter(reason="補班").exists()
    assert [AuditEntry.objects.get(pk=entry.pk).target_id for entry in entries] == ["21", "22"]
    assert CalendarOverride.objects.get(pk=override.pk).reason == "補班"


def test_a_batch_that_raises_writes_nothing() -> None:
    from yankao.core.row_insert import rows_insert_batch

    def service() -> None:
        with rows_insert_batch():
            rows_insert(rows=[_entry()])
            raise RuntimeError("the service failed half-way")

    with pytest.raises(RuntimeError):
        service()
    assert not AuditEntry.objects.exists()
