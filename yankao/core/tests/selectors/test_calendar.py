from datetime import date

import pytest

from yankao.core.exceptions import CalendarRangeError
from yankao.core.models import CalendarOverride
from yankao.core.selectors.calendar import calendar_day_list_exceptions
from yankao.core.services.calendar import calendar_override_set


@pytest.mark.usefixtures("db")
def test_a_years_exceptions_are_its_weekdays_off_and_worked_weekend_days() -> None:
    # when listing 2024
    days = {day.date: day for day in calendar_day_list_exceptions(year=2024)}
    # then the lunar new year run and its make-up Saturday are there, ordinary days are not
    assert not days[date(2024, 2, 8)].is_working_day
    assert days[date(2024, 2, 17)].is_working_day
    assert days[date(2024, 2, 17)].source == "make_up"
    assert days[date(2024, 4, 4)].source == "national"
    assert date(2024, 2, 10) not in days  # a Saturday off is not an exception
    assert date(2024, 3, 5) not in days


def test_an_override_is_listed_with_its_reason(rdec_admin: object) -> None:
    calendar_override_set(
        date=date(2024, 7, 25),
        is_working_day=False,
        kind=CalendarOverride.Kind.TYPHOON,
        reason="凱米颱風",
        actor=rdec_admin,
    )
    [day] = [day for day in calendar_day_list_exceptions(year=2024) if day.date == date(2024, 7, 25)]
    assert (day.is_working_day, day.source, day.description, day.weekday_name) == (
        False,
        "typhoon",
        "凱米颱風",
        "四",
    )


@pytest.mark.usefixtures("db")
def test_a_year_outside_the_known_years_raises() -> None:
    with pytest.raises(CalendarRangeError):
        calendar_day_list_exceptions(year=2040)
