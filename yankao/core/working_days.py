"""Taiwan's working-day calendar: national holidays and make-up Saturdays, plus the city's overrides.

Every date computation of yankao goes through here. The national layer comes from the `holidays`
package (`holidays.TW`, its 補假 and 調整放假 included, make-up Saturdays in `weekend_workdays`);
the city layer is the `CalendarOverride` table (typhoon closures, corrections, imported official
calendars), which wins over the national layer.

Semantics are those of `holidays.HolidayBase`:
- `add_working_days(d, n)`: for n >= 1 the n-th working day strictly after d; for n = 0, d itself
  if it is a working day, else the next one; for n < 0 the |n|-th working day strictly before d.
- `count_working_days(a, b)`: the working days in the closed range [a, b] (a and b may come in
  either order, as in `get_working_days_count`).

The tables are a rank table per calendar day (how many working days fall on or before it), so a
scalar call is two list lookups and a vectorised call is a numpy gather. Only the years of
`settings.YANKAO_CALENDAR_YEARS` are known; anything outside raises `CalendarRangeError`.
"""

import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property, lru_cache

import numpy as np
import numpy.typing as npt
from django.conf import settings

from yankao.core.exceptions import CalendarRangeError
from yankao.core.models import CalendarOverride
from yankao.core.roc_dates import TAIWAN

# Overrides change rarely and are read on every deadline: each process keeps the calendar in memory,
# rebuilds after a local edit at once (signals) and notices another process's edit within this many seconds.
RELOAD_SECONDS = 30.0

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()

DayArray = npt.NDArray[np.datetime64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@lru_cache(maxsize=4)
def _national_layer(first_year: int, last_year: int) -> tuple[dict[date, str], frozenset[date]]:
    """Holiday names and make-up working days of `holidays.TW` for the years (about 150 ms, once)."""
    import holidays  # imported here: a process that never computes a date never pays for it

    tw = holidays.country_holidays("TW", years=range(first_year, last_year + 1))
    names = {day: str(name) for day, name in tw.items() if first_year <= day.year <= last_year}
    make_up = frozenset(day for day in tw.weekend_workdays if first_year <= day.year <= last_year)
    return names, make_up


@dataclass(frozen=True)
class RankTables:
    """A calendar's vectorised tables, indexed by day number k = (day - origin) in days.

    cum_through[k] is the number of working days on or before day k, so working_days[cum_through[k]
    + n - 1] is `add_working_days(day, n)` for n >= 1 and cum_through[b] - cum_through[a] counts the
    working days in (a, b]. The caller checks that k and the gathered index are in range.
    """

    origin: np.int64  # day number of the first known day, in days since 1970-01-01
    cum_through: npt.NDArray[np.int32]
    working_days: DayArray
    # Months, for periods in months (§48 III) without date arithmetic: month_of[k] is day k's month
    # counted from the first known month, day_of_month[k] its day (1-31), month_first[m] the day
    # number of month m's first day (one month past the last known day included).
    month_of: npt.NDArray[np.int32]
    day_of_month: npt.NDArray[np.int8]
    month_first: npt.NDArray[np.int64]


class Calendar:
    """The working days of the known years, as rank tables for scalar and vectorised lookups.

    Build one with `Calendar.build`; application code uses `calendar_current()` or the module's
    functions, which keep one per process.
    """

    def __init__(
        self,
        *,
        first_year: int,
        last_year: int,
        holiday_names: Mapping[date, str],
        make_up_days: Iterable[date],
        overrides: Mapping[date, bool],
    ) -> None:
        if first_year > last_year:
            raise ValueError(f"calendar years run backwards: {first_year}-{last_year}")
        self.first_year = first_year
        self.last_year = last_year
        self.first = date(first_year, 1, 1)
        self.last = date(last_year, 12, 31)
        self.holiday_names: dict[date, str] = dict(holiday_names)
        self.make_up_days: frozenset[date] = frozenset(make_up_days)
        self.overrides: dict[date, bool] = dict(overrides)

        size = (self.last - self.first).days + 1
        days = [self.first + timedelta(days=i) for i in range(size)]
        is_work = [
            (day.weekday() < 5 and day not in self.holiday_names) or day in self.make_up_days for day in days
        ]
        for day, working in self.overrides.items():
            if self.first <= day <= self.last:
                is_work[(day - self.first).days] = working
        cum = [0] * (size + 1)  # cum[i] = working days strictly before day i; cum[i + 1] = on or before
        running = 0
        for i, working in enumerate(is_work):
            running += working
            cum[i + 1] = running

        # Scalar tables: plain lists, because a Python list lookup beats any numpy call on one value.
        self._origin = self.first.toordinal()
        self._size = size
        self._is_work = is_work
        self._cum = cum
        self._work_dates = [day for day, working in zip(days, is_work, strict=True) if working]

        # Vectorised tables.
        self._epoch_origin = np.int64(self._origin - _EPOCH_ORDINAL)
        self._is_work_np: BoolArray = np.array(is_work, dtype=np.bool_)
        self._not_work_np: BoolArray = ~self._is_work_np
        cum_np = np.array(cum, dtype=np.int64)
        self._cum_before_np: IntArray = cum_np[:-1]
        self._cum_through_np: IntArray = cum_np[1:]
        self._work_np: DayArray = np.array(self._work_dates, dtype="datetime64[D]")

    @classmethod
    def build(
        cls, *, first_year: int, last_year: int, overrides: Mapping[date, bool] | None = None
    ) -> "Calendar":
        """The national calendar of the years with the city's overrides (date -> is working day) applied."""
        names, make_up = _national_layer(first_year, last_year)
        return cls(
            first_year=first_year,
            last_year=last_year,
            holiday_names=names,
            make_up_days=make_up,
            overrides=overrides or {},
        )

    @property
    def years(self) -> tuple[int, int]:
        return (self.first_year, self.last_year)

    # --- scalar forms -------------------------------------------------------------------------

    def is_working_day(self, day: date) -> bool:
        return self._is_work[self._index(day)]

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after `start` (n = 0: `start` rolled forward to a working day)."""
        k = self._index(start)
        i = self._cum[k + 1] + n - 1 if n > 0 else self._cum[k] + n
        if 0 <= i < len(self._work_dates):
            return self._work_dates[i]
        raise self._result_out_of_range(start, n)

    def next_working_day(self, day: date) -> date:
        """`day` if it is a working day, else the first working day after it."""
        return self.add_working_days(day, 0)

    def count_working_days(self, first: date, last: date) -> int:
        """Working days in the closed range [first, last]."""
        a, b = self._index(first), self._index(last)
        if a > b:
            a, b = b, a
        return self._cum[b + 1] - self._cum[a]

    def national_is_working_day(self, day: date) -> bool:
        """Whether `day` is a working day by the national calendar alone, ignoring the city's overrides."""
        self._index(day)
        return (day.weekday() < 5 and day not in self.holiday_names) or day in self.make_up_days

    def ensure_known(self, day: date) -> None:
        """Raise CalendarRangeError unless `day` lies within the known years."""
        self._index(day)

    def _index(self, day: date) -> int:
        if isinstance(day, datetime):
            raise TypeError("working-day functions take dates; convert a datetime to its Taiwan date first")
        k = day.toordinal() - self._origin
        if 0 <= k < self._size:
            return k
        raise self._out_of_range(day)

    # --- vectorised forms (numpy datetime64[D] arrays) ------------------------------------------

    def is_working_day_array(self, days: npt.ArrayLike) -> BoolArray:
        return self._is_work_np[self._indexes(days)]

    def add_working_days_array(self, starts: npt.ArrayLike, n: npt.ArrayLike) -> DayArray:
        """`add_working_days` over arrays of start days and counts (either may be a scalar)."""
        k = self._indexes(starts)
        counts = np.asarray(n, dtype=np.int64)
        # n >= 1: cum_through[k] + n - 1; n <= 0: cum_before[k] + n, which is cum_through[k] + n - 1
        # plus one when the start is not a working day.
        i = self._cum_through_np[k] + counts - 1 + ((counts <= 0) & self._not_work_np[k])
        if i.size and (i.min() < 0 or i.max() >= self._work_np.size):
            bad = int(np.flatnonzero((i < 0) | (i >= self._work_np.size))[0])
            start_bad = np.broadcast_to(np.asarray(starts, dtype="datetime64[D]"), i.shape)[bad]
            n_bad = int(np.broadcast_to(counts, i.shape)[bad])
            raise self._result_out_of_range(start_bad.item(), n_bad)
        return self._work_np[i]

    def count_working_days_array(self, firsts: npt.ArrayLike, lasts: npt.ArrayLike) -> IntArray:
        """`count_working_days` over arrays of range ends (closed ranges, either order)."""
        a, b = self._indexes(firsts), self._indexes(lasts)
        if (a > b).any():
            a, b = np.minimum(a, b), np.maximum(a, b)
        return self._cum_through_np[b] - self._cum_before_np[a]

    @cached_property
    def rank_tables(self) -> "RankTables":
        """The raw tables, for batch code that checks its own ranges (see `RankTables`); built on
        first use, as only the timeliness audit needs them."""
        days = np.arange(self._size, dtype=np.int64).astype("datetime64[D]") + np.timedelta64(
            int(self._epoch_origin), "D"
        )
        months = days.astype("datetime64[M]")
        first_month = months[0]
        month_first = np.arange(first_month, months[-1] + np.timedelta64(2, "M")).astype("datetime64[D]")
        return RankTables(
            origin=self._epoch_origin,
            # Narrow, for batch work over millions of rows: half the memory traffic of int64.
            cum_through=self._cum_through_np.astype(np.int32),
            working_days=self._work_np,
            month_of=(months - first_month).astype(np.int32),
            day_of_month=((days - months.astype("datetime64[D]")).astype(np.int64) + 1).astype(np.int8),
            month_first=month_first.view(np.int64).copy(),
        )

    def _indexes(self, days: npt.ArrayLike) -> IntArray:
        array = np.asarray(days)
        if array.dtype != np.dtype("datetime64[D]"):
            array = array.astype("datetime64[D]")
        k = array.view(np.int64) - self._epoch_origin
        if k.size and (k.min() < 0 or k.max() >= self._size):
            bad = array.flat[int(np.flatnonzero((k < 0) | (k >= self._size))[0])]
            raise self._out_of_range(bad.item())
        return k

    # --- errors ---------------------------------------------------------------------------------

    def _known_range(self) -> str:
        return f"{self.first.isoformat()} 至 {self.last.isoformat()}"

    def _out_of_range(self, day: date | None) -> CalendarRangeError:
        shown = day.isoformat() if day is not None else "（空白日期）"
        return CalendarRangeError(
            f"日期 {shown} 不在工作日曆的已知範圍（{self._known_range()}）內，"
            "請系統管理者調整 YANKAO_CALENDAR_YEARS 並確認該年度的辦公日曆。",
            extra={"date": shown, "known_from": self.first.isoformat(), "known_to": self.last.isoformat()},
        )

    def _result_out_of_range(self, start: date, n: int) -> CalendarRangeError:
        return CalendarRangeError(
            f"自 {start.isoformat()} 起算 {n} 個工作日的結果超出工作日曆的已知範圍（{self._known_range()}），"
            "請系統管理者調整 YANKAO_CALENDAR_YEARS 並確認該年度的辦公日曆。",
            extra={
                "date": start.isoformat(),
                "working_days": n,
                "known_from": self.first.isoformat(),
                "known_to": self.last.isoformat(),
            },
        )


class _CalendarCache:
    """One calendar per process: rebuilt when the overrides or the configured years change.

    Signals (yankao.core.signals) call `clear` after an override is saved or deleted here, and
    `reset` when YANKAO_CALENDAR_YEARS changes; other processes' edits show after RELOAD_SECONDS.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calendar: Calendar | None = None
        self._checked_at = 0.0

    def clear(self) -> None:
        """Make the next read check the overrides again (the tables are rebuilt only if they changed)."""
        with self._lock:
            self._checked_at = float("-inf")

    def reset(self) -> None:
        """Forget the calendar: the configured years changed (tests' override_settings)."""
        with self._lock:
            self._calendar = None

    def get(self) -> Calendar:
        # Hot path (every deadline): no settings read here, it costs as much as the lookup itself.
        calendar = self._calendar
        if calendar is None or time.monotonic() - self._checked_at > RELOAD_SECONDS:
            calendar = self._load()
        return calendar

    def _load(self) -> Calendar:
        first_year, last_year = settings.YANKAO_CALENDAR_YEARS
        overrides = dict(CalendarOverride.objects.values_list("date", "is_working_day"))
        with self._lock:
            calendar = self._calendar
            if (
                calendar is None
                or calendar.years != (first_year, last_year)
                or calendar.overrides != overrides
            ):
                calendar = Calendar.build(first_year=first_year, last_year=last_year, overrides=overrides)
            self._calendar = calendar
            self._checked_at = time.monotonic()
        return calendar


calendar_cache = _CalendarCache()


def calendar_current() -> Calendar:
    """The city's working-day calendar as this process knows it (at most RELOAD_SECONDS old)."""
    return calendar_cache.get()


def is_working_day(day: date) -> bool:
    return calendar_cache.get().is_working_day(day)


def add_working_days(start: date, n: int) -> date:
    """The n-th working day strictly after `start`; n = 0 rolls `start` forward to a working day."""
    return calendar_cache.get().add_working_days(start, n)


def next_working_day(day: date) -> date:
    """`day` if it is a working day, else the first working day after it."""
    return calendar_cache.get().add_working_days(day, 0)


def count_working_days(first: date, last: date) -> int:
    """Working days in the closed range [first, last]."""
    return calendar_cache.get().count_working_days(first, last)


def is_working_day_array(days: npt.ArrayLike) -> BoolArray:
    return calendar_cache.get().is_working_day_array(days)


def add_working_days_array(starts: npt.ArrayLike, n: npt.ArrayLike) -> DayArray:
    return calendar_cache.get().add_working_days_array(starts, n)


def count_working_days_array(firsts: npt.ArrayLike, lasts: npt.ArrayLike) -> IntArray:
    return calendar_cache.get().count_working_days_array(firsts, lasts)


def taiwan_date(moment: date | datetime) -> date:
    """The Taiwan calendar date of a date or an aware datetime (a naive datetime is refused)."""
    if isinstance(moment, datetime):
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError("a naive datetime has no Taiwan date; pass an aware datetime")
        return moment.astimezone(TAIWAN).date()
    return moment
