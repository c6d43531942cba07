from datetime import date, timedelta

import pytest
from django.utils import timezone

from yankao.core.exceptions import ApplicationError, ConflictError, PermissionDeniedError
from yankao.core.working_days import taiwan_date
from yankao.programs.annual.models import TrackedItem
from yankao.programs.annual.selectors.tracked import (
    revitalisation_events_count,
    tracked_item_marks,
    tracked_items_visible,
)
from yankao.programs.annual.services.tracked import (
    TrackedItemFields,
    TrackedItemInvalidError,
    tracked_item_close,
    tracked_item_create,
    tracked_item_update_add,
)

pytestmark = pytest.mark.django_db


def _countermeasure(user, agency, *, started_on=date(2024, 3, 1), due_on=date(2024, 12, 31)):
    return tracked_item_create(
        fields=TrackedItemFields(
            kind=TrackedItem.Kind.JUST_TRANSITION,
            title="營建工程減碳與職業轉換輔導",
            agency=agency,
            started_on=started_on,
            due_on=due_on,
        ),
        user=user,
    )


def test_rdec_tracks_a_countermeasure_and_the_owner_agency_reports(rdec_staff, officer, public_works):
    item = _countermeasure(rdec_staff, public_works)
    update = tracked_item_update_add(
        item=item,
        progress="已辦理營造業者說明會 2 場。",
        user=officer,
        expected_version=item.version,
        reported_on=date(2024, 4, 10),
    )
    item.refresh_from_db()
    assert item.last_update_on == date(2024, 4, 10)
    assert update.author == officer


def test_other_agency_cannot_report_or_see(rdec_staff, officer_of_other_agency, public_works):
    item = _countermeasure(rdec_staff, public_works)
    assert not tracked_items_visible(user=officer_of_other_agency).exists()
    with pytest.raises(PermissionDeniedError):
        tracked_item_update_add(
            item=item, progress="x", user=officer_of_other_agency, expected_version=item.version
        )


def test_agencies_cannot_create_or_close(officer, public_works, rdec_staff):
    with pytest.raises(PermissionDeniedError):
        _countermeasure(officer, public_works)
    item = _countermeasure(rdec_staff, public_works)
    with pytest.raises(PermissionDeniedError):
        tracked_item_close(item=item, user=officer, expected_version=item.version)


def test_marks_overdue_and_late_update_by_the_interval_rule(rdec_staff, public_works):
    item = _countermeasure(rdec_staff, public_works, started_on=date(2024, 3, 1), due_on=date(2024, 6, 30))
    # Quarterly (rule, unconfirmed): 3 months counted from 2024-03-01 end on 2024-06-01, a Saturday → Monday 3.
    on_time = tracked_item_marks(item=item, today=date(2024, 6, 3))
    assert on_time.next_update_on == date(2024, 6, 3)
    assert not on_time.update_late
    assert not on_time.overdue
    later = tracked_item_marks(item=item, today=date(2024, 7, 2))
    assert later.update_late
    assert later.overdue
    assert later.days_overdue == 2


def test_closed_items_carry_no_marks_and_take_no_updates(rdec_staff, officer, public_works):
    item = _countermeasure(rdec_staff, public_works, started_on=date(2024, 3, 1), due_on=date(2024, 6, 30))
    item = tracked_item_close(
        item=item, user=rdec_staff, expected_version=item.version, completed_on=date(2024, 6, 20)
    )
    assert item.status == TrackedItem.Status.DONE
    assert not tracked_item_marks(item=item, today=date(2025, 1, 1)).overdue
    with pytest.raises(ApplicationError):
        tracked_item_update_add(item=item, progress="x", user=officer, expected_version=item.version)


def test_meetings_need_the_day_held_and_are_counted_in_a_period(rdec_staff, public_works):
    with pytest.raises(TrackedItemInvalidError) as error:
        tracked_item_create(
            fields=TrackedItemFields(
                kind=TrackedItem.Kind.REVITALISATION_MEETING,
                title="旗山地方創生研商會議",
                agency=public_works,
                started_on=date(2023, 10, 5),
                due_on=date(2023, 12, 31),
            ),
            user=rdec_staff,
        )
    assert "held_on" in error.value.errors
    for held_on in (date(2023, 9, 30), date(2023, 10, 5), date(2024, 3, 31)):
        tracked_item_create(
            fields=TrackedItemFields(
                kind=TrackedItem.Kind.REVITALISATION_VISIT,
                title="美濃創生據點現勘",
                agency=public_works,
                started_on=held_on,
                due_on=held_on + timedelta(days=60),
                held_on=held_on,
            ),
            user=rdec_staff,
        )
    assert revitalisation_events_count(date_from=date(2023, 10, 1), date_to=date(2024, 3, 31)) == 2


def test_concurrent_updates_the_second_is_told(rdec_staff, officer, liaison, public_works):
    item = _countermeasure(rdec_staff, public_works)
    today = taiwan_date(timezone.now())
    tracked_item_update_add(item=item, progress="第一次", user=officer, expected_version=1, reported_on=today)
    with pytest.raises(ConflictError):
        tracked_item_update_add(
            item=item, progress="第二次", user=liaison, expected_version=1, reported_on=today
        )
    assert item.updates.count() == 1


def test_future_report_date_refused(rdec_staff, officer, public_works):
    item = _countermeasure(rdec_staff, public_works)
    with pytest.raises(TrackedItemInvalidError):
        tracked_item_update_add(
            item=item,
            progress="x",
            user=officer,
            expected_version=1,
            reported_on=taiwan_date(timezone.now()) + timedelta(days=1),
        )


def test_rdec_moves_the_due_date_with_a_reason_and_the_overdue_mark_follows(
    rdec_staff, officer, public_works
):
    from yankao.programs.annual.services.tracked import tracked_item_reschedule

    item = _countermeasure(rdec_staff, public_works, started_on=date(2024, 3, 1), due_on=date(2024, 6, 30))
    assert tracked_item_marks(item=item, today=date(2024, 7, 10)).overdue
    with pytest.raises(PermissionDeniedError):
        tracked_item_reschedule(
            item=item, due_on=date(2024, 12, 31), reason="x", user=officer, expected_version=1
        )
    with pytest.raises(TrackedItemInvalidError):
        tracked_item_reschedule(
            item=item, due_on=date(2024, 12, 31), reason=" ", user=rdec_staff, expected_version=1
        )
    item = tracked_item_reschedule(
        item=item, due_on=date(2024, 12, 31), reason="配合中央補助期程", user=rdec_staff, expected_version=1
    )
    assert not tracked_item_marks(item=item, today=date(2024, 7, 10)).overdue
    assert "配合中央補助期程" in item.updates.get().progress
