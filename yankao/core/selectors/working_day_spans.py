"""The working days and days off of a span of dates, for people and API clients."""

import datetime
from dataclasses import dataclass

from yankao.core.exceptions import InvalidDateError
from yankao.core.models import CalendarOverride
from yankao.core.working_days import calendar_current


@dataclass(frozen=True, slots=True)
class DayOff:
    date: datetime.date
    # The holiday's or the override's name; "週末" for an ordinary Saturday or Sunday.
    description: str
    # "weekend", "national" (holidays.TW) or the override's kind (typhoon, correction, official_calendar).
    source: str


@dataclass(frozen=True, slots=True)
class WorkingDaySpan:
    first: datetime.date
    last: datetime.date
    working_day_count: int
    days_off: list[DayOff]


def working_day_span(*, first: datetime.date, last: datetime.date) -> WorkingDaySpan:
    """The working-day count of the closed range [first, last] and its days off, in date order.

    InvalidDateError when `last` is before `first`; CalendarRangeError outside the known years.
    """
    if last < first:
        raise InvalidDateError(
            f"結束日 {last.isoformat()} 早於起始日 {first.isoformat()}，請確認日期區間。",
            extra={"from": first.isoformat(), "to": last.isoformat()},
        )
    calendar = calendar_current()
    count = calendar.count_working_days(first, last)  # raises CalendarRangeError for unknown years
    overrides = {
        day: (reason, kind)
        for day, reason, kind in CalendarOverride.objects.filter(date__range=(first, last)).values_list(
            "date", "reason", "kind"
        )
    }
    days_off: list[DayOff] = []
    day = first
    while day <= last:
        if not calendar.is_working_day(day):
            if day in overrides:
                reason, kind = overrides[day]
                days_off.append(DayOff(day, reason, kind))
            elif day in calendar.holiday_names:
                days_off.append(DayOff(day, calendar.holiday_names[day], "national"))
            else:
                days_off.append(DayOff(day, "週末", "weekend"))
        day += datetime.timedelta(days=1)
    return WorkingDaySpan(first=first, last=last, working_day_count=count, days_off=days_off)
