"""Deadlines: a rule's duration applied to a start, counted as 行政程序法 §48 says.

- hours: from the start instant (§48 II, 「即時起算」); the result is an aware datetime.
- working days: the start day is not counted; the n-th working day after it.
- calendar days and months: the start day is not counted (§48 II). A period in months ends on
  the day before the day of the last month that corresponds to the day counting starts, or on
  that month's last day when it has no such day (§48 III). An end on a Sunday, holiday or other
  rest day moves to the next day, an end on a Saturday to the Monday (§48 IV): the calendar's
  roll-forward to the next working day, so a make-up working Saturday stays.

The numbers themselves are never written here: they come from the rule table.
"""

import calendar
from datetime import date, datetime, timedelta
from decimal import Decimal

from yankao.core.exceptions import ApplicationError
from yankao.core.models import RuleUnit
from yankao.core.selectors.rules import RuleVersion
from yankao.core.working_days import Calendar, calendar_current, taiwan_date

DURATION_UNITS = frozenset({RuleUnit.HOURS, RuleUnit.WORKING_DAYS, RuleUnit.CALENDAR_DAYS, RuleUnit.MONTHS})


def deadline_from(
    *,
    start: date | datetime,
    value: Decimal | int,
    unit: RuleUnit | str,
    calendar_: Calendar | None = None,
) -> date | datetime:
    """The deadline of a period of `value` `unit`s that starts at `start`.

    Hours need an aware datetime and give an aware datetime; the other units give the last day
    (a date), taking an aware datetime's Taiwan date as the start day. `calendar_` defaults to
    the city's current calendar.
    """
    unit = _duration_unit(unit)
    amount = Decimal(value)
    if amount < 0:
        raise ApplicationError(f"期間不可為負數（{amount}）。", code="invalid_duration")
    if unit == RuleUnit.HOURS:
        if not isinstance(start, datetime) or start.tzinfo is None or start.utcoffset() is None:
            raise ApplicationError(
                "以小時計算的期間須自收件的時刻起算，但只給了日期。", code="duration_needs_time"
            )
        return start + timedelta(seconds=int(amount * 3600))

    whole = _whole_number(amount, unit)
    cal = calendar_ or calendar_current()
    start_day = taiwan_date(start)
    cal.ensure_known(start_day)
    if unit == RuleUnit.WORKING_DAYS:
        return cal.add_working_days(start_day, whole)
    if unit == RuleUnit.CALENDAR_DAYS:
        last = start_day + timedelta(days=whole)
    else:
        last = _months_end(start_day, whole)
    return cal.next_working_day(last)


def deadline_from_rule(
    *, rule: RuleVersion, start: date | datetime, calendar_: Calendar | None = None
) -> date | datetime:
    """The deadline that `rule` (a version from `rule_get`) sets for a period starting at `start`."""
    try:
        return deadline_from(start=start, value=rule.value, unit=rule.unit, calendar_=calendar_)
    except ApplicationError as error:
        error.message = f"規則「{rule.key}」：{error.message}"
        error.extra.setdefault("key", rule.key)
        raise


def _months_end(start_day: date, months: int) -> date:
    """The last day of a period of `months` months whose start day is `start_day` (§48 II–III)."""
    first = start_day + timedelta(days=1)  # the start day itself is not counted
    year, month_index = divmod(first.month - 1 + months, 12)
    year += first.year
    month = month_index + 1
    month_length = calendar.monthrange(year, month)[1]
    if first.day > month_length:
        return date(year, month, month_length)
    return date(year, month, first.day) - timedelta(days=1)


def _duration_unit(unit: RuleUnit | str) -> RuleUnit:
    try:
        parsed = RuleUnit(unit)
    except ValueError:
        parsed = None
    if parsed is None or parsed not in DURATION_UNITS:
        raise ApplicationError(
            f"單位「{unit}」不是期間的單位；期間須以小時、工作日、日曆日或月計算。", code="invalid_duration"
        )
    return parsed


def _whole_number(amount: Decimal, unit: RuleUnit) -> int:
    if amount != amount.to_integral_value():
        raise ApplicationError(
            f"以{unit.label}計算的期間須為整數，但規則的數值是 {amount.normalize()}。",
            code="invalid_duration",
        )
    return int(amount)
