"""Reads of the working-day calendar for people: a year's exceptions, the overrides, the imports.

The calendar is public information (the DGPA publishes it), so these reads take no user.
"""

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet

from yankao.core.models import CalendarImport, CalendarOverride
from yankao.core.working_days import calendar_current

WEEKDAY_NAMES = "一二三四五六日"


@dataclass(frozen=True, slots=True)
class CalendarDay:
    """A day that is not an ordinary weekday or weekend: a weekday off, a worked weekend day, or an override."""

    date: datetime.date
    is_working_day: bool
    description: str
    # "national" (holidays.TW), "make_up" (補行上班), or the override's kind.
    source: str

    @property
    def weekday_name(self) -> str:
        return WEEKDAY_NAMES[self.date.weekday()]


def calendar_day_list_exceptions(*, year: int) -> list[CalendarDay]:
    """The days of `year` whose status is not the plain Monday–Friday rule, in date order.

    Raises CalendarRangeError when the year is outside the known years.
    """
    calendar = calendar_current()
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    calendar.ensure_known(first)
    calendar.ensure_known(last)
    overrides = {override.date: override for override in calendar_override_list(year=year)}
    days: list[CalendarDay] = []
    day = first
    while day <= last:
        working = calendar.is_working_day(day)
        ordinary = day.weekday() < 5
        override = overrides.get(day)
        if override is not None:
            days.append(
                CalendarDay(
                    date=day, is_working_day=working, description=override.reason, source=override.kind
                )
            )
        elif working != ordinary:
            if working:
                days.append(
                    CalendarDay(date=day, is_working_day=True, description="補行上班", source="make_up")
                )
            else:
                name = calendar.holiday_names.get(day, "")
                days.append(CalendarDay(date=day, is_working_day=False, description=name, source="national"))
        day += datetime.timedelta(days=1)
    return days


def calendar_override_list(*, year: int | None = None) -> QuerySet[CalendarOverride]:
    overrides = CalendarOverride.objects.order_by("date")
    return overrides.filter(date__year=year) if year is not None else overrides


def calendar_import_list() -> QuerySet[CalendarImport]:
    return CalendarImport.objects.select_related("imported_by").order_by("-created_at")
