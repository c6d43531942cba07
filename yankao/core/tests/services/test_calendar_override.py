from datetime import date

import pytest

from yankao.core.exceptions import CalendarRangeError, NotFoundError, PermissionDeniedError
from yankao.core.models import AuditEntry, CalendarOverride
from yankao.core.services.calendar import calendar_override_remove, calendar_override_set
from yankao.core.working_days import is_working_day

TYPHOON = CalendarOverride.Kind.TYPHOON


def test_setting_an_override_records_it_and_its_audit_entry(rdec_admin: object) -> None:
    # when an admin closes offices for a typhoon
    override = calendar_override_set(
        date=date(2024, 10, 3),
        is_working_day=False,
        kind=TYPHOON,
        reason="山陀兒颱風停止上班",
        actor=rdec_admin,
    )
    # then the override exists and the audit trail names the fields written
    assert CalendarOverride.objects.get(date=date(2024, 10, 3)).reason == "山陀兒颱風停止上班"
    entry = AuditEntry.objects.get(target_type="core.calendaroverride", target_id=str(override.pk))
    assert entry.action == "create"
    assert entry.actor_username == "rdec_admin"
    assert set(entry.fields) == {"date", "is_working_day", "kind", "reason"}


def test_setting_the_same_date_again_updates_the_override_and_audits_the_change(rdec_admin: object) -> None:
    # given a typhoon closure
    calendar_override_set(
        date=date(2024, 10, 3), is_working_day=False, kind=TYPHOON, reason="颱風", actor=rdec_admin
    )
    # when it is corrected to a working day
    calendar_override_set(
        date=date(2024, 10, 3),
        is_working_day=True,
        kind="correction",
        reason="更正：當日未停班",
        actor=rdec_admin,
    )
    # then one override holds the new state, and the update is audited with its changed fields
    override = CalendarOverride.objects.get(date=date(2024, 10, 3))
    assert (override.is_working_day, override.kind) == (True, "correction")
    assert is_working_day(date(2024, 10, 3)) is True
    update = AuditEntry.objects.filter(target_type="core.calendaroverride", action="update").get()
    assert set(update.fields) == {"is_working_day", "kind", "reason"}


def test_removing_an_override_deletes_it_and_audits_it(rdec_admin: object) -> None:
    calendar_override_set(
        date=date(2024, 10, 3), is_working_day=False, kind=TYPHOON, reason="颱風", actor=rdec_admin
    )
    calendar_override_remove(date=date(2024, 10, 3), actor=rdec_admin)
    assert not CalendarOverride.objects.exists()
    assert AuditEntry.objects.filter(target_type="core.calendaroverride", action="delete").count() == 1


def test_removing_a_date_without_an_override_says_so(rdec_admin: object) -> None:
    with pytest.raises(NotFoundError, match="2024-10-03"):
        calendar_override_remove(date=date(2024, 10, 3), actor=rdec_admin)


def test_only_rdec_admins_may_change_the_calendar(officer: object, rdec_staff: object) -> None:
    for actor in (officer, rdec_staff):
        with pytest.raises(PermissionDeniedError):
            calendar_override_set(
                date=date(2024, 10, 3), is_working_day=False, kind=TYPHOON, reason="颱風", actor=actor
            )
    assert not CalendarOverride.objects.exists()


def test_an_override_outside_the_known_years_is_refused(rdec_admin: object) -> None:
    with pytest.raises(CalendarRangeError, match="2031-07-01"):
        calendar_override_set(
            date=date(2031, 7, 1), is_working_day=False, kind=TYPHOON, reason="颱風", actor=rdec_admin
        )


def test_an_unknown_kind_or_empty_reason_is_refused_and_nothing_is_written(rdec_admin: object) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        calendar_override_set(
            date=date(2024, 10, 3), is_working_day=False, kind="holiday", reason="x", actor=rdec_admin
        )
    with pytest.raises(ValidationError):
        calendar_override_set(
            date=date(2024, 10, 3), is_working_day=False, kind=TYPHOON, reason="", actor=rdec_admin
        )
    assert not CalendarOverride.objects.exists()
    assert not AuditEntry.objects.filter(target_type="core.calendaroverride").exists()
