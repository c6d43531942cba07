import time
from datetime import date, datetime, timedelta

import holidays
import numpy as np
import pytest
from django.test import override_settings

from yankao.core.exceptions import CalendarRangeError
from yankao.core.models import CalendarOverride
from yankao.core.services.calendar import calendar_override_remove, calendar_override_set
from yankao.core.working_days import (
    Calendar,
    add_working_days,
    add_working_days_array,
    calendar_cache,
    count_working_days,
    count_working_days_array,
    is_working_day,
    is_working_day_array,
    next_working_day,
)

pytestmark = pytest.mark.usefixtures("db")


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


@pytest.mark.parametrize(
    "day",
    [
        *_days(date(2024, 2, 8), date(2024, 2, 14)),  # 春節 2024 with its 調整放假 and 補假
        date(2024, 4, 4),
        date(2024, 4, 5),
        *_days(date(2025, 1, 27), date(2025, 1, 31)),
        date(2025, 9, 29),  # 孔子誕辰紀念日（補假）, new in 2025
        date(2025, 10, 24),  # 臺灣光復暨金門古寧頭大捷紀念日（補假）
        date(2025, 12, 25),  # 行憲紀念日, new in 2025
        date(2026, 5, 1),  # 勞動節, a day off for government offices from 2026
    ],
)
def test_national_days_off_are_not_working_days(day: date) -> None:
    # given the real calendar, when asked, then the day is off
    assert is_working_day(day) is False


@pytest.mark.parametrize(
    "day",
    [
        date(2023, 1, 7),
        date(2023, 2, 4),
        date(2023, 2, 18),
        date(2023, 3, 25),
        date(2023, 6, 17),
        date(2023, 9, 23),
        date(2024, 2, 17),
        date(2025, 2, 8),
    ],
)
def test_make_up_saturdays_are_working_days(day: date) -> None:
    assert day.weekday() == 5
    assert is_working_day(day) is True


def test_2026_has_no_make_up_saturdays_and_2025_labour_day_is_worked() -> None:
    # given 2026's Saturdays, when checked, then none is worked
    saturdays = [day for day in _days(date(2026, 1, 1), date(2026, 12, 31)) if day.weekday() == 5]
    assert not any(is_working_day(day) for day in saturdays)
    # and 5/1 was still a working day for government offices in 2025
    assert is_working_day(date(2025, 5, 1)) is True


def test_adding_working_days_skips_the_lunar_new_year_and_counts_the_make_up_saturday() -> None:
    # given Wednesday 2024-02-07, the day before nine days off (2/8–2/14, then 2/17 worked)
    start = date(2024, 2, 7)
    # when adding working days, then the start day is not counted and the holidays are skipped
    assert add_working_days(start, 1) == date(2024, 2, 15)
    assert add_working_days(start, 2) == date(2024, 2, 16)
    assert add_working_days(start, 3) == date(2024, 2, 17)
    assert add_working_days(start, 4) == date(2024, 2, 19)


def test_zero_working_days_rolls_a_day_off_forward_and_keeps_a_working_day() -> None:
    assert add_working_days(date(2024, 2, 10), 0) == date(2024, 2, 15)
    assert add_working_days(date(2024, 2, 7), 0) == date(2024, 2, 7)
    assert next_working_day(date(2025, 1, 25)) == date(2025, 2, 3)
    assert next_working_day(date(2025, 2, 8)) == date(2025, 2, 8)


def test_negative_working_days_go_back_before_the_start() -> None:
    assert add_working_days(date(2024, 2, 15), -1) == date(2024, 2, 7)
    assert add_working_days(date(2024, 2, 18), -1) == date(2024, 2, 17)


def test_counting_includes_both_ends_in_either_order() -> None:
    # given 2024-02-05..2024-02-18: 2/5–2/7 worked, 2/8–2/14 off, 2/15, 2/16, 2/17 (make-up) worked
    first, last = date(2024, 2, 5), date(2024, 2, 18)
    assert count_working_days(first, last) == 6
    assert count_working_days(last, first) == 6
    assert count_working_days(date(2024, 2, 17), date(2024, 2, 17)) == 1
    assert count_working_days(date(2024, 2, 10), date(2024, 2, 10)) == 0


def test_vectorised_and_scalar_forms_agree_on_random_pairs() -> None:
    # given 5,000 random starts in 2017–2026, counts 0..60 and spans 0..90 days
    rng = np.random.default_rng(20261127)
    size = 5_000
    offsets = rng.integers(0, (date(2026, 12, 31) - date(2017, 1, 1)).days + 1, size)
    starts = np.datetime64("2017-01-01") + offsets.astype("timedelta64[D]")
    counts = rng.integers(0, 61, size)
    ends = starts + rng.integers(0, 91, size).astype("timedelta64[D]")
    # when computed both ways
    added = add_working_days_array(starts, counts)
    counted = count_working_days_array(starts, ends)
    working = is_working_day_array(starts)
    # then every pair agrees
    for i in range(size):
        start, end, n = starts[i].item(), ends[i].item(), int(counts[i])
        assert added[i].item() == add_working_days(start, n)
        assert int(counted[i]) == count_working_days(start, end)
        assert bool(working[i]) == is_working_day(start)


def test_the_calendar_agrees_with_the_holidays_package_on_sampled_pairs() -> None:
    # given no overrides, when compared with holidays' own slow functions, then nothing differs
    calendar = Calendar.build(first_year=2017, last_year=2027)
    tw = holidays.country_holidays("TW", years=range(2017, 2028))
    rng = np.random.default_rng(7)
    for _ in range(400):
        start = date(2017, 1, 1) + timedelta(days=int(rng.integers(0, 3652)))
        n = int(rng.integers(0, 61))
        end = start + timedelta(days=int(rng.integers(0, 91)))
        assert calendar.add_working_days(start, n) == tw.get_nth_working_day(start, n)
        assert calendar.count_working_days(start, end) == tw.get_working_days_count(start, end)


def test_vectorised_forms_accept_a_scalar_count_and_other_date_units() -> None:
    starts = np.array(["2024-02-07T10:00", "2025-01-24T09:30"], dtype="datetime64[m]")
    assert add_working_days_array(starts, 1).tolist() == [date(2024, 2, 15), date(2025, 2, 3)]


def test_a_typhoon_closure_makes_a_day_off_at_once_and_removing_it_restores_it(rdec_admin: object) -> None:
    # given a working Wednesday
    day = date(2024, 7, 24)
    assert is_working_day(day) is True
    # when the city closes offices for a typhoon
    calendar_override_set(
        date=day,
        is_working_day=False,
        kind=CalendarOverride.Kind.TYPHOON,
        reason="凱米颱風停止上班",
        actor=rdec_admin,
    )
    # then the day is off and deadlines move past it
    assert is_working_day(day) is False
    assert add_working_days(date(2024, 7, 23), 1) == date(2024, 7, 25)
    # when the override is removed, then the day is worked again
    calendar_override_remove(date=day, actor=rdec_admin)
    assert is_working_day(day) is True
    assert add_working_days(date(2024, 7, 23), 1) == day


def test_another_process_edit_is_noticed_after_the_reload_interval() -> None:
    # given a calendar already in memory
    day = date(2024, 7, 25)
    assert is_working_day(day) is True
    # when another process adds an override (no signal reaches this process)
    CalendarOverride.objects.bulk_create(
        [CalendarOverride(date=day, is_working_day=False, kind="typhoon", reason="颱風停班")]
    )
    # then this process still answers from memory until the reload interval has passed
    assert is_working_day(day) is True
    calendar_cache._checked_at = time.monotonic() - 31
    assert is_working_day(day) is False


@pytest.mark.parametrize("day", [date(2016, 12, 31), date(2028, 1, 1), date(1999, 6, 1)])
def test_dates_outside_the_known_years_raise_a_range_error_naming_the_date(day: date) -> None:
    with pytest.raises(CalendarRangeError) as error:
        is_working_day(day)
    assert day.isoformat() in error.value.message
    assert "2017-01-01 至 2027-12-31" in error.value.message


def test_a_result_beyond_the_known_years_raises_instead_of_guessing() -> None:
    with pytest.raises(CalendarRangeError, match="起算 10 個工作日"):
        add_working_days(date(2027, 12, 27), 10)
    with pytest.raises(CalendarRangeError):
        add_working_days(date(2017, 1, 3), -5)
    with pytest.raises(CalendarRangeError):
        count_working_days(date(2027, 12, 1), date(2028, 1, 5))


def test_vectorised_forms_raise_a_range_error_naming_the_first_bad_date() -> None:
    starts = np.array(["2024-01-01", "2030-05-05"], dtype="datetime64[D]")
    with pytest.raises(CalendarRangeError, match="2030-05-05"):
        add_working_days_array(starts, 1)
    with pytest.raises(CalendarRangeError, match="2030-05-05"):
        is_working_day_array(starts)
    with pytest.raises(CalendarRangeError, match="2027-12-27"):
        add_working_days_array(np.array(["2024-01-01", "2027-12-27"], dtype="datetime64[D]"), 10)
    with pytest.raises(CalendarRangeError):
        count_working_days_array(
            np.array(["NaT"], dtype="datetime64[D]"), np.array(["2024-01-01"], "datetime64[D]")
        )


def test_the_known_years_come_from_settings() -> None:
    with (
        override_settings(YANKAO_CALENDAR_YEARS=(2023, 2025)),
        pytest.raises(CalendarRangeError, match="2023-01-01 至 2025-12-31"),
    ):
        is_working_day(date(2026, 1, 5))
    assert is_working_day(date(2026, 1, 5)) is True


def test_a_datetime_is_refused_rather_than_read_in_an_unknown_time_zone() -> None:
    with pytest.raises(TypeError):
        is_working_day(datetime(2024, 2, 17, 9, 0))
