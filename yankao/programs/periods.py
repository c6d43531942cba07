"""Months and quarters of the monthly control: a report's period is the first day of its month."""

import calendar
from datetime import date


def month_first(day: date) -> date:
    return day.replace(day=1)


def month_last(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def month_add(day: date, months: int) -> date:
    """The first day of the month `months` after `day`'s month (negative: before)."""
    year, index = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, index + 1, 1)


def months_between(first: date, last: date) -> list[date]:
    """The first days of every month from `first`'s month to `last`'s month, both included."""
    months: list[date] = []
    current = month_first(first)
    while current <= last:
        months.append(current)
        current = month_add(current, 1)
    return months


def quarter_first(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def quarter_label(day: date) -> str:
    """民國113年第1季."""
    return f"{day.year - 1911}年第{(day.month - 1) // 3 + 1}季"


def month_label(day: date) -> str:
    """民國113年3月 as officials write a report's month (113年3月)."""
    return f"{day.year - 1911}年{day.month}月"
