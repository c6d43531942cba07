"""One compiled pass over a register: each document's deadline, days used, status and extension.

`deadlines_compute` hands a register to `register_pass`, a loop compiled by numba that reads each
column once instead of making a numpy temporary per step (a million rows in about 10 ms,
ADR 0016). The loop holds no rule of its own: every number arrives in a per-group table built from
the rule table. A group whose rule changed within the register's span has no single number; the
loop lists its rows and the numpy code works them out from the dated rules.

Days are numbered as numpy's datetime64[D] (days since 1970-01-01); `k` is a day's position in
the calendar's rank table (day - origin).
"""

from collections.abc import Callable
from typing import Any

import numba
import numpy as np

from yankao.core.models import RuleUnit
from yankao.timeliness.deadlines import (
    EXTENSION_OK,
    EXTENSION_TOO_LONG,
    EXTENSION_TOO_MANY,
    NO_CAP,
    OWN_PERIOD,
    UNIT_CODES,
)

# What the loop reports (its first return value), so that the caller raises the right error.
DONE, MISSING_SPEED, START_OUT_OF_RANGE, CLOSED_OUT_OF_RANGE, DEADLINE_OUT_OF_RANGE = range(5)
# Units, as deadlines.UNIT_CODES.
WORKING_DAYS, CALENDAR_DAYS, MONTHS = (
    UNIT_CODES.index(unit) for unit in (RuleUnit.WORKING_DAYS, RuleUnit.CALENDAR_DAYS, RuleUnit.MONTHS)
)
NAT_I = np.iinfo(np.int64).min
OUT_OF_RANGE = np.iinfo(np.int64).max


def _months_end(
    start: int, months: int, origin: int, month_of: Any, day_of_month: Any, month_first: Any
) -> int:
    """§48 II–III: the last day of a period of `months` months that starts counting after `start`.

    From the calendar's month tables (`RankTables`); OUT_OF_RANGE past them.
    """
    k = start + 1 - origin
    if k < 0 or k >= month_of.size:
        return OUT_OF_RANGE
    target = month_of[k] + months
    if target < 0 or target + 1 >= month_first.size:
        return OUT_OF_RANGE
    day, first, following = day_of_month[k], month_first[target], month_first[target + 1]
    if day > following - first:  # no corresponding day: the month's last day
        return following - 1
    return first + day - 2  # the day before the corresponding day


months_end: Callable[..., int] = numba.njit(cache=True, inline="always")(_months_end)


def _period_end(start: int, value: int, unit: int, calendar: Any) -> int:
    """`core.durations.deadline_from` on day numbers; OUT_OF_RANGE when the calendar ends first.

    `calendar` is (origin, cum_through, working_days, month_of, day_of_month, month_first).
    """
    origin, cum_through, working_days, month_of, day_of_month, month_first = calendar
    if unit == WORKING_DAYS:
        k, n = start - origin, value
    elif unit == CALENDAR_DAYS:
        k, n = start + value - origin, 0
    else:
        end = months_end(start, value, origin, month_of, day_of_month, month_first)
        if end == OUT_OF_RANGE:
            return OUT_OF_RANGE
        k, n = end - origin, 0
    if k < 0 or k >= cum_through.size:
        return OUT_OF_RANGE
    # n >= 1: the n-th working day after; n <= 0: from the first working day on or after (§48 IV).
    index = cum_through[k] + n - 1 if n >= 1 else (cum_through[k - 1] if k > 0 else 0) + n
    if index < 0 or index >= working_days.size:
        return OUT_OF_RANGE
    return int(working_days[index])


period_end: Callable[..., int] = numba.njit(cache=True, inline="always")(_period_end)


def _status(closing: int, deadline: int, as_of: int) -> int:
    """0 on time, 1 late, 2 open and overdue, 3 open (deadlines.STATUS_CODES)."""
    if closing != NAT_I:
        return 1 if closing > deadline else 0
    return 2 if as_of > deadline else 3


status_of: Callable[[int, int, int], int] = numba.njit(cache=True, inline="always")(_status)


def _register_pass(
    category: Any, speed: Any, question: Any, received: Any, count_from: Any, set_deadline: Any,
    closed: Any, extended_to: Any, period_value: Any, period_unit: Any,
    groups: Any, fast_steps: Any, speeds: int, questions: int, timed: int, ordinary: int, control: int,
    control_own: int, application: int, application_published: int,
    constant: Any, own: Any, calendar_count: Any, values: Any, units: Any, same_day: float, timed_cap: float,
    calendar: Any, as_of: int,
    group_out: Any, deadline_out: Any, days_used_out: Any, status_out: Any, as_ordinary_out: Any,
    special_out: Any, extended_out: Any,
) -> tuple[int, int, int, int]:  # fmt: skip
    """The pass over every row; returns (outcome, failing row, special rows, extension rows).

    It lists two kinds of rows for later: special_out (a rule of the group changed within the span:
    the numpy code) and extended_out (an extension past the deadline: `extension_pass`).
    fast_steps[code] > 0 marks the codes whose period is that many working days with nothing to
    fix up (most documents): their rows take the short path.
    """
    origin, cum_through, working_days = calendar[0], calendar[1], calendar[2]
    days = cum_through.size
    working = working_days.size
    special = extended = 0
    for i in range(category.size):
        code = (category[i] * speeds + speed[i]) * questions + question[i]
        k = count_from[i] - origin
        if k < 0 or k >= days:
            return START_OUT_OF_RANGE, i, special, extended
        closing = closed[i]
        end = k
        if closing != NAT_I:
            end = closing - origin
            if end < 0 or end >= days:
                return CLOSED_OUT_OF_RANGE, i, special, extended
        through = cum_through[k]
        step = fast_steps[code]
        if step > 0:
            group_out[i] = groups[code]
            index = through + step - 1
            if index >= working:
                return DEADLINE_OUT_OF_RANGE, i, special, extended
            deadline = working_days[index]
            used = cum_through[end] - through
            capped = False
        else:
            group = groups[code]
            if group < 0:
                return MISSING_SPEED, i, special, extended
            if group == timed and set_deadline[i] < received[i]:  # a 限期 letter received after its date
                group = ordinary
                as_ordinary_out[i] = True
            elif group == control and set_deadline[i] != NAT_I:
                group = control_own
            elif group == application and period_value[i] >= 0:
                group = application_published
            group_out[i] = group
            if not constant[group]:
                special_out[special] = i
                special += 1
                continue
            if own[group]:
                deadline = set_deadline[i]
            else:
                value, unit = values[group], units[group]
                if group == application_published:
                    value, unit = period_value[i], period_unit[i]
                deadline = period_end(count_from[i], value, unit, calendar)
                if deadline == OUT_OF_RANGE:
                    return DEADLINE_OUT_OF_RANGE, i, special, extended
            used = end - k if calendar_count[group] else cum_through[end] - through
            capped = group == timed and closing != NAT_I and closing <= deadline
        deadline_out[i] = deadline
        # Days used: working days in (start, closed], or calendar days; the same day counts same_day;
        # a 限期 letter closed in time counts at most the cap.
        if closing == NAT_I:
            days_used_out[i] = np.nan
            status_out[i] = 2 if as_of > deadline else 3
        else:
            counted = float(used) if used > 0 else same_day
            days_used_out[i] = min(counted, timed_cap) if capped else counted
            status_out[i] = 1 if closing > deadline else 0
        if extended_to[i] > deadline:  # NaT is the smallest int64
            extended_out[extended] = i
            extended += 1
    return DONE, -1, special, extended


def _extension_pass(
    rows: Any, group: Any, closed: Any, extension_count: Any, extension_requested: Any, extended_to: Any,
    extension_approved: Any, period_value: Any, period_unit: Any,
    values: Any, units: Any, application_published: int, extension_limit: Any, cap_values: Any, cap_units: Any,
    calendar: Any, as_of: int,
    deadline: Any, extended_deadline_out: Any, status_extended_out: Any, problem_out: Any,
) -> tuple[int, int]:  # fmt: skip
    """Each extension past its deadline, checked against its caps and judged on its own date."""
    for row in rows:
        kind = group[row]
        problem = EXTENSION_OK
        limit = extension_limit[kind]
        if limit >= 0 and extension_count[row] > limit:
            problem = EXTENSION_TOO_MANY
        cap_unit = cap_units[kind]
        if cap_unit != NO_CAP and problem == EXTENSION_OK:
            cap_value = cap_values[kind]
            if cap_unit == OWN_PERIOD:  # 人民申請: within the length of its own period
                cap_value, cap_unit = values[kind], units[kind]
                if kind == application_published:
                    cap_value, cap_unit = period_value[row], period_unit[row]
            longest = period_end(deadline[row], cap_value, cap_unit, calendar)
            if longest == OUT_OF_RANGE:
                return DEADLINE_OUT_OF_RANGE, row
            if extended_to[row] > longest:
                problem = EXTENSION_TOO_LONG
        problem_out[row] = problem
        requested = extension_requested[row]
        in_time = requested == NAT_I or requested <= deadline[row]
        if extension_approved[row] and in_time and problem == EXTENSION_OK:
            extended_deadline_out[row] = extended_to[row]
            status_extended_out[row] = status_of(closed[row], extended_to[row], as_of)
    return DONE, -1


# Compiled on first use and cached beside this file, so a process pays the compilation once.
register_pass: Callable[..., tuple[int, int, int, int]] = numba.njit(cache=True, nogil=True)(_register_pass)
extension_pass: Callable[..., tuple[int, int]] = numba.njit(cache=True, nogil=True)(_extension_pass)
