from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from yankao.core.durations import deadline_from, deadline_from_rule
from yankao.core.exceptions import ApplicationError, CalendarRangeError
from yankao.core.models import CalendarOverride, Rule, RuleStatus, RuleUnit
from yankao.core.roc_dates import TAIWAN
from yankao.core.selectors.rules import rule_get
from yankao.core.services.calendar import calendar_override_set

pytestmark = pytest.mark.usefixtures("db")

ONE = Decimal(1)


@pytest.mark.parametrize(
    ("received", "expected"),
    [
        # counting starts 1/31; February has no 31st, so the period ends on its last day
        (date(2024, 1, 30), date(2024, 2, 29)),
        # counting starts 2/1; the day before 3/1
        (date(2024, 1, 31), date(2024, 2, 29)),
        # counting starts 3/31; April has no 31st
        (date(2024, 3, 30), date(2024, 4, 30)),
        # counting starts 1/16; the day before 2/16
        (date(2024, 1, 15), date(2024, 2, 15)),
    ],
)
def test_a_month_ends_the_day_before_the_corresponding_day_or_at_month_end(
    received: date, expected: date
) -> None:
    # given a letter received on `received`, when a one-month period runs, then it ends as §48 says
    assert deadline_from(start=received, value=ONE, unit=RuleUnit.MONTHS) == expected


def test_a_month_ending_on_a_saturday_moves_to_monday() -> None:
    # given counting from 2024-08-01, one month ends on Saturday 8/31
    assert deadline_from(start=date(2024, 7, 31), value=ONE, unit=RuleUnit.MONTHS) == date(2024, 9, 2)


def test_months_cross_the_year_end() -> None:
    # counting starts 2024-11-30; 2025-02 has no 30th, and 2/28 (和平紀念日) is a day off → Monday 3/3
    assert deadline_from(start=date(2024, 11, 29), value=Decimal(3), unit=RuleUnit.MONTHS) == date(2025, 3, 3)


def test_calendar_days_do_not_count_the_start_day_and_a_saturday_end_moves_to_monday() -> None:
    # given Friday 2024-03-01, eight calendar days end on Saturday 3/9
    assert deadline_from(start=date(2024, 3, 1), value=Decimal(8), unit=RuleUnit.CALENDAR_DAYS) == date(
        2024, 3, 11
    )
    # and seven end on Friday 3/8, a working day
    assert deadline_from(start=date(2024, 3, 1), value=Decimal(7), unit=RuleUnit.CALENDAR_DAYS) == date(
        2024, 3, 8
    )


def test_an_end_on_a_make_up_saturday_stays_there() -> None:
    # given 2024-02-17, a make-up working Saturday
    assert deadline_from(start=date(2024, 2, 7), value=Decimal(10), unit=RuleUnit.CALENDAR_DAYS) == date(
        2024, 2, 17
    )


def test_an_end_inside_a_holiday_run_moves_to_the_first_working_day_after_it() -> None:
    assert deadline_from(start=date(2024, 2, 7), value=Decimal(3), unit=RuleUnit.CALENDAR_DAYS) == date(
        2024, 2, 15
    )


def test_working_days_skip_the_start_day_and_every_day_off() -> None:
    assert deadline_from(start=date(2024, 2, 7), value=Decimal(3), unit=RuleUnit.WORKING_DAYS) == date(
        2024, 2, 17
    )
    assert deadline_from(start=date(2025, 1, 24), value=Decimal(6), unit=RuleUnit.WORKING_DAYS) == date(
        2025, 2, 8
    )


def test_a_typhoon_closure_moves_a_calendar_day_deadline(rdec_admin: object) -> None:
    # given a ten-day period ending on Thursday 2024-07-25
    assert deadline_from(start=date(2024, 7, 15), value=Decimal(10), unit="calendar_days") == date(
        2024, 7, 25
    )
    # when offices close that day for a typhoon, then the period ends on the next working day
    calendar_override_set(
        date=date(2024, 7, 25),
        is_working_day=False,
        kind=CalendarOverride.Kind.TYPHOON,
        reason="颱風",
        actor=rdec_admin,
    )
    assert deadline_from(start=date(2024, 7, 15), value=Decimal(10), unit="calendar_days") == date(
        2024, 7, 26
    )


def test_hours_run_from_the_start_instant() -> None:
    received = datetime(2024, 2, 7, 16, 30, tzinfo=TAIWAN)
    assert deadline_from(start=received, value=Decimal(24), unit=RuleUnit.HOURS) == received + timedelta(
        hours=24
    )
    assert deadline_from(start=received, value=Decimal("1.5"), unit="hours") == received + timedelta(
        minutes=90
    )


def test_hours_need_an_instant_not_a_date() -> None:
    with pytest.raises(ApplicationError) as error:
        deadline_from(start=date(2024, 2, 7), value=Decimal(24), unit=RuleUnit.HOURS)
    assert error.value.code == "duration_needs_time"


def test_an_aware_datetime_start_counts_from_its_taiwan_date() -> None:
    # given 2024-02-16 17:00 UTC, which is 2024-02-17 01:00 in Taiwan (a make-up Saturday)
    received = datetime(2024, 2, 16, 17, 0, tzinfo=UTC)
    # then one working day later is Monday 2/19, not Saturday 2/17
    assert deadline_from(start=received, value=ONE, unit=RuleUnit.WORKING_DAYS) == date(2024, 2, 19)


def test_units_that_are_not_durations_and_fractional_days_are_refused() -> None:
    with pytest.raises(ApplicationError, match="不是期間的單位"):
        deadline_from(start=date(2024, 2, 7), value=ONE, unit=RuleUnit.PERCENT)
    with pytest.raises(ApplicationError, match="須為整數"):
        deadline_from(start=date(2024, 2, 7), value=Decimal("2.5"), unit=RuleUnit.WORKING_DAYS)


def test_a_start_outside_the_known_years_raises_a_range_error() -> None:
    with pytest.raises(CalendarRangeError, match="2030-01-02"):
        deadline_from(start=date(2030, 1, 2), value=ONE, unit=RuleUnit.CALENDAR_DAYS)


def test_a_rule_from_the_rule_table_sets_the_deadline() -> None:
    # given a rule whose value changed on 2024-01-01
    for effective_from, value in [(date(2020, 1, 1), 10), (date(2024, 1, 1), 6)]:
        Rule.objects.create(
            key="test.reply_period",
            title="測試答覆期限",
            value=Decimal(value),
            unit=RuleUnit.WORKING_DAYS,
            effective_from=effective_from,
            status=RuleStatus.UNCONFIRMED,
        )
    received = date(2025, 1, 24)
    # when the deadline is computed with the version in force on the received day
    rule = rule_get(key="test.reply_period", on=received)
    # then the newer value applies
    assert deadline_from_rule(rule=rule, start=received) == date(2025, 2, 8)


def test_a_rule_with_a_unit_that_is_no_duration_names_the_rule() -> None:
    Rule.objects.create(
        key="test.threshold",
        title="測試門檻",
        value=Decimal(80),
        unit=RuleUnit.PERCENT,
        effective_from=date(2020, 1, 1),
        status=RuleStatus.UNCONFIRMED,
    )
    rule = rule_get(key="test.threshold", on=date(2024, 1, 1))
    with pytest.raises(ApplicationError, match=r"規則「test\.threshold」"):
        deadline_from_rule(rule=rule, start=date(2024, 1, 1))
