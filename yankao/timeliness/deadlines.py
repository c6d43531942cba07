"""The timeliness rules: each document's deadline, days used and status, vectorised and naive.

`deadlines_compute` works on whole columns with numpy over the calendar's rank tables (one
import of a million rows is a few gathers); `deadline_compute_one` is the per-row reference
written straight from the rules with the scalar calendar and `core.durations`, used by tests
and the benchmark to prove the two agree. Every number comes from the dated rule table.

The rules (domain-rules.md §1):
- 一般公文: 最速件/速件/普通件 limits in working days, counted from the day after receipt;
  限期 letters keep the sender's date; one received after its own deadline is a 普通件.
- 人民陳情: the document.petition_reply period (working days).
- the other five categories count calendar days or months, their period's end moving off a
  rest day as 行政程序法 §48 says: 質詢 (legislator or councillor), 專案管制 (the approved
  date), 人民申請 (the agency's period table, else document.application_default), 監察 (the
  letter's date, else document.control_yuan_correction_reply), 訴願 (document.appeal_decision).
- days used: working days (or calendar days for calendar categories) after the start day up to
  the closing day; closed on the start day counts document.same_day_days_used; a 限期 letter
  closed in time counts at most document.timed_letter_counted_cap.
- 彙辦 counts from the last incoming letter, 併辦 from the first (the caller passes that date).
- an approved extension asked for before the deadline gives a second, extended status; the
  first status is always against the original deadline (展期 does not erase 逾期).
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, fields
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt

from yankao.core.durations import deadline_from
from yankao.core.exceptions import ApplicationError, RuleNotInForceError
from yankao.core.models import RuleUnit
from yankao.core.selectors.rules import RuleVersion, rule_cache, rule_get, rule_history
from yankao.core.working_days import Calendar, calendar_current
from yankao.timeliness.models import Category, QuestionSource, Speed, Status

DayArray = npt.NDArray[np.datetime64]
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
CodeArray = npt.NDArray[np.integer[Any]]  # int8 from an import; any integer type is accepted
NAT = np.datetime64("NaT", "D")

CATEGORY_CODES: tuple[str, ...] = tuple(Category.values)
SPEED_CODES: tuple[str, ...] = tuple(Speed.values)
QUESTION_CODES: tuple[str, ...] = tuple(QuestionSource.values)
STATUS_CODES: tuple[str, ...] = (Status.ON_TIME, Status.LATE, Status.OPEN_OVERDUE, Status.OPEN)
UNIT_CODES: tuple[str, ...] = (RuleUnit.WORKING_DAYS, RuleUnit.CALENDAR_DAYS, RuleUnit.MONTHS)

_C = {value: code for code, value in enumerate(CATEGORY_CODES)}
_S = {value: code for code, value in enumerate(SPEED_CODES)}
_Q = {value: code for code, value in enumerate(QUESTION_CODES)}
_U = {value: code for code, value in enumerate(UNIT_CODES)}
WORKING_DAY_CATEGORIES = frozenset({Category.GENERAL, Category.PETITION})
# Categories whose own date (限辦日期) sets the deadline: a project's approved date, a Control Yuan letter's.
SPEED_LIMIT_QUALIFIERS = {
    Speed.MOST_URGENT: "most_urgent",
    Speed.URGENT: "urgent",
    Speed.ORDINARY: "ordinary",
}

# Why an extension is not accepted (codes of `Result.extension_problem`).
EXTENSION_OK, EXTENSION_TOO_MANY, EXTENSION_TOO_LONG = 0, 1, 2


@dataclass
class Columns:
    """A register's documents as columns (one entry per document)."""

    category: CodeArray  # index into CATEGORY_CODES
    speed: CodeArray  # index into SPEED_CODES
    question_source: CodeArray  # index into QUESTION_CODES
    received: DayArray
    count_from: DayArray  # received, or the first/last incoming letter for 併辦/彙辦
    set_deadline: DayArray  # NaT when none
    closed: DayArray  # NaT while open
    extension_count: IntArray
    extension_requested: DayArray  # NaT when not known
    extended_to: DayArray  # NaT when none
    extension_approved: BoolArray
    period_value: IntArray  # the agency's 人民申請 period for the item; -1 where none is published
    period_unit: IntArray  # index into UNIT_CODES

    def __len__(self) -> int:
        return int(self.category.size)


@dataclass
class Result:
    deadline: DayArray
    extended_deadline: DayArray  # NaT when no accepted extension
    days_used: FloatArray  # NaN while open
    status: CodeArray  # index into STATUS_CODES
    status_extended: CodeArray
    as_ordinary: BoolArray
    extension_problem: CodeArray  # EXTENSION_* codes


@dataclass(frozen=True)
class Facts:
    """One document, for the per-row reference."""

    category: str
    speed: str
    question_source: str
    received: date
    count_from: date
    set_deadline: date | None
    closed: date | None
    extension_count: int = 0
    extension_requested: date | None = None
    extended_to: date | None = None
    extension_approved: bool = False
    period_value: int = -1
    period_unit: str = RuleUnit.MONTHS


@dataclass(frozen=True)
class Outcome:
    deadline: date
    extended_deadline: date | None
    days_used: Decimal | None
    status: str
    status_extended: str
    as_ordinary: bool
    extension_problem: int


def columns_from_facts(rows: Sequence[Facts]) -> Columns:
    """Columns for a list of documents (tests, the benchmark's sample)."""

    def days(values: list[date | None]) -> DayArray:
        return np.array([value if value is not None else NAT for value in values], dtype="datetime64[D]")

    return Columns(
        category=np.array([_C[row.category] for row in rows], dtype=np.int8),
        speed=np.array([_S[row.speed] for row in rows], dtype=np.int8),
        question_source=np.array([_Q[row.question_source] for row in rows], dtype=np.int8),
        received=days([row.received for row in rows]),
        count_from=days([row.count_from for row in rows]),
        set_deadline=days([row.set_deadline for row in rows]),
        closed=days([row.closed for row in rows]),
        extension_count=np.array([row.extension_count for row in rows], dtype=np.int64),
        extension_requested=days([row.extension_requested for row in rows]),
        extended_to=days([row.extended_to for row in rows]),
        extension_approved=np.array([row.extension_approved for row in rows], dtype=np.bool_),
        period_value=np.array([row.period_value for row in rows], dtype=np.int64),
        period_unit=np.array([_U[row.period_unit] for row in rows], dtype=np.int64),
    )


# --- dated rules over arrays ---------------------------------------------------------------------


_FROZEN: ContextVar[dict[tuple[str, str], list[RuleVersion]] | None] = ContextVar(
    "timeliness_rules", default=None
)


@contextmanager
def rules_frozen() -> Iterator[None]:
    """Read the rule table once and use that copy until the block ends.

    An import streams rows into an open COPY: the connection must not run another query then, and
    the rule cache would reload itself from the database every 30 seconds.
    """
    token = _FROZEN.set(dict(rule_cache.versions()))
    try:
        yield
    finally:
        _FROZEN.reset(token)


def _history(key: str, qualifier: str = "") -> list[RuleVersion]:
    frozen = _FROZEN.get()
    if frozen is None:
        return rule_history(key=key, qualifier=qualifier)
    return list(frozen.get((key, qualifier), []))


def _rule_values(*, key: str, qualifier: str, on: DayArray) -> tuple[FloatArray, str]:
    """The value in force for each date (and the rule's unit): `rule_get` over an array."""
    history = _history(key, qualifier) or _history(key)
    if not history:
        raise RuleNotInForceError(
            f"規則「{key}」不存在，請研考會系統管理者於規則表中建立。", extra={"key": key}
        )
    oldest_first = history[::-1]
    starts = np.array([version.effective_from for version in oldest_first], dtype="datetime64[D]")
    index = np.searchsorted(starts, on, side="right") - 1
    if on.size and index.min() < 0:
        first = on[int(np.argmin(index))].item()
        raise RuleNotInForceError(
            f"規則「{key}」在 {first.isoformat()} 尚未生效（最早版本生效日晚於該日）。",
            extra={"key": key, "on": first.isoformat()},
        )
    units = {version.unit for version in history}
    if len(units) > 1:
        raise ApplicationError(f"規則「{key}」的各版本單位不一致，無法批次計算。", extra={"key": key})
    values = np.array([float(version.value) for version in oldest_first], dtype=np.float64)
    return values[np.maximum(index, 0)], history[0].unit


def _months_end(starts: DayArray, months: IntArray) -> DayArray:
    """§48 II–III over arrays: the last day of a period of `months` months starting after `starts`."""
    first = starts + np.timedelta64(1, "D")
    first_month = first.astype("datetime64[M]")
    day_index = (first - first_month.astype("datetime64[D]")).astype(np.int64)  # 0-based day of month
    target = first_month + months.astype("timedelta64[M]")
    target_start = target.astype("datetime64[D]")
    month_length = ((target + np.timedelta64(1, "M")).astype("datetime64[D]") - target_start).astype(np.int64)
    corresponding = target_start + day_index.astype("timedelta64[D]") - np.timedelta64(1, "D")
    last_of_month = target_start + (month_length - 1).astype("timedelta64[D]")
    return np.where(day_index >= month_length, last_of_month, corresponding)


def _period_end(cal: Calendar, starts: DayArray, values: IntArray, units: IntArray) -> DayArray:
    """`core.durations.deadline_from` over arrays (units as UNIT_CODES indexes)."""
    out = np.full(starts.shape, NAT, dtype="datetime64[D]")
    working = units == _U[RuleUnit.WORKING_DAYS]
    if working.any():
        out[working] = cal.add_working_days_array(starts[working], values[working])
    days = units == _U[RuleUnit.CALENDAR_DAYS]
    if days.any():
        ends = starts[days] + values[days].astype("timedelta64[D]")
        out[days] = cal.add_working_days_array(ends, 0)  # a rest-day end moves on (§48 IV)
    months = units == _U[RuleUnit.MONTHS]
    if months.any():
        out[months] = cal.add_working_days_array(_months_end(starts[months], values[months]), 0)
    return out


def _unit_code(unit: str, key: str) -> int:
    if unit not in _U:
        raise ApplicationError(f"規則「{key}」的單位「{unit}」不是期間的單位。", extra={"key": key})
    return _U[unit]


# --- the vectorised computation -------------------------------------------------------------------


# Rule groups: which rule (or own date) sets a document's period. Computed once per row, so that
# the rules are read with one gather instead of a masked pass per category.
(G_MOST_URGENT, G_URGENT, G_ORDINARY, G_TIMED, G_PETITION, G_LEGISLATOR, G_COUNCILLOR, G_PROJECT,
 G_APPLICATION, G_APPLICATION_PUBLISHED, G_CONTROL_OWN, G_CONTROL, G_APPEAL) = range(13)  # fmt: skip
GROUP_RULES: dict[int, tuple[str, str]] = {
    G_MOST_URGENT: ("document.limit", "most_urgent"),
    G_URGENT: ("document.limit", "urgent"),
    G_ORDINARY: ("document.limit", "ordinary"),
    G_PETITION: ("document.petition_reply", ""),
    G_LEGISLATOR: ("document.legislator_question_reply", ""),
    G_COUNCILLOR: ("document.council_question_reply", ""),
    G_APPLICATION: ("document.application_default", ""),
    G_CONTROL: ("document.control_yuan_correction_reply", ""),
    G_APPEAL: ("document.appeal_decision", ""),
}
OWN_DATE_GROUPS = (G_TIMED, G_PROJECT, G_CONTROL_OWN)
GROUP_TABLE_SIZE = range(13)
OWN_TABLE = np.isin(np.arange(13), OWN_DATE_GROUPS)
WORKING_TABLE = np.isin(
    np.arange(len(Category.values)),
    [Category.values.index(Category.GENERAL), Category.values.index(Category.PETITION)],
)
_NAT_I = np.iinfo(np.int64).min  # NaT seen as int64


def _group_table() -> npt.NDArray[np.int8]:
    """Group by (category, speed, question source) before the per-row fix-ups."""
    table = np.full((len(CATEGORY_CODES), len(SPEED_CODES), len(QUESTION_CODES)), -1, dtype=np.int8)
    table[_C[Category.GENERAL], _S[Speed.MOST_URGENT]] = G_MOST_URGENT
    table[_C[Category.GENERAL], _S[Speed.URGENT]] = G_URGENT
    table[_C[Category.GENERAL], _S[Speed.ORDINARY]] = G_ORDINARY
    table[_C[Category.GENERAL], _S[Speed.TIMED]] = G_TIMED
    table[_C[Category.PETITION]] = G_PETITION
    table[_C[Category.QUESTION]] = G_LEGISLATOR
    table[_C[Category.QUESTION], :, _Q[QuestionSource.COUNCILLOR]] = G_COUNCILLOR
    table[_C[Category.PROJECT]] = G_PROJECT
    table[_C[Category.APPLICATION]] = G_APPLICATION
    table[_C[Category.CONTROL_YUAN]] = G_CONTROL
    table[_C[Category.APPEAL]] = G_APPEAL
    return table.reshape(-1)


_GROUPS = _group_table()


def _rule_constant(
    *, key: str, qualifier: str, first: np.datetime64, last: np.datetime64
) -> tuple[int, int] | None:
    """(value, unit code) when one version of the rule is in force from `first` to `last`, else None."""
    history = _history(key, qualifier) or _history(key)
    first_day, last_day = first.item(), last.item()
    for version in history:  # newest first
        if version.effective_from <= last_day:
            if version.effective_from <= first_day and version.unit in _U:
                return int(version.value), _U[version.unit]
            return None
    return None


def _rule_constant_value(
    *, key: str, first: np.datetime64, last: np.datetime64, qualifier: str = ""
) -> float | None:
    """The value when one version of a non-period rule is in force from `first` to `last`, else None."""
    first_day, last_day = first.item(), last.item()
    for version in _history(key, qualifier) or _history(key):
        if version.effective_from <= last_day:
            return float(version.value) if version.effective_from <= first_day else None
    return None


def _by_rule(
    *, key: str, qualifier: str, rows: IntArray, received: DayArray, values: IntArray, units: IntArray
) -> None:
    """Fill values/units at `rows` from the rule in force on each row's day of receipt."""
    if not rows.size:
        return
    found, unit = _rule_values(key=key, qualifier=qualifier, on=received[rows])
    values[rows] = found.astype(np.int64)
    units[rows] = _unit_code(unit, key)


# An extension's length cap: none, or the document's own period (人民申請, §51 IV), else a unit code.
NO_CAP, OWN_PERIOD = -1, -2
# Groups whose days used are calendar days (all but 一般公文 and 陳情).
CALENDAR_GROUPS = ~np.isin(np.arange(13), (G_MOST_URGENT, G_URGENT, G_ORDINARY, G_TIMED, G_PETITION))
# The extension rules of each group: (count limit qualifier, length cap rule) (domain-rules.md §1).
EXTENSION_LIMITS = {G_APPEAL: "appeal", G_APPLICATION: "application", G_APPLICATION_PUBLISHED: "application"}
EXTENSION_CAPS = {
    G_APPEAL: "document.appeal_decision_extension",
    G_LEGISLATOR: "document.legislator_question_extension",
    G_COUNCILLOR: "document.council_question_extension",
}
RESULT_FIELDS = ("deadline", "extended_deadline", "days_used", "status", "status_extended", "as_ordinary",
                 "extension_problem")  # fmt: skip


@dataclass
class _GroupTables:
    """Each rule group's numbers over a register's span, for the compiled pass."""

    constant: BoolArray  # false: a rule of the group changed within the span (numpy works it out)
    values: IntArray
    units: IntArray
    extension_limit: IntArray  # -1: no count limit
    cap_values: IntArray
    cap_units: IntArray  # NO_CAP, OWN_PERIOD or a unit code
    same_day: float
    timed_cap: float
    fast_steps: npt.NDArray[np.int32]  # per (category, speed, question) code: N > 0 for the short path


def _group_tables(*, first: np.datetime64, last: np.datetime64) -> _GroupTables:
    groups = len(GROUP_TABLE_SIZE)
    constant = np.ones(groups, dtype=np.bool_)
    values = np.zeros(groups, dtype=np.int64)
    units = np.zeros(groups, dtype=np.int64)
    for code, (key, qualifier) in GROUP_RULES.items():
        period = _rule_constant(key=key, qualifier=qualifier, first=first, last=last)
        if period is None:
            constant[code] = False
        else:
            values[code], units[code] = period
    limits = np.full(groups, -1, dtype=np.int64)
    for code, qualifier in EXTENSION_LIMITS.items():
        limit = _rule_constant_value(
            key="document.extension_count_limit", qualifier=qualifier, first=first, last=last
        )
        if limit is None:
            constant[code] = False
        else:
            limits[code] = int(limit)
    cap_values = np.zeros(groups, dtype=np.int64)
    cap_units = np.full(groups, NO_CAP, dtype=np.int64)
    cap_units[[G_APPLICATION, G_APPLICATION_PUBLISHED]] = OWN_PERIOD
    for code, key in EXTENSION_CAPS.items():
        cap = _rule_constant(key=key, qualifier="", first=first, last=last)
        if cap is None:
            constant[code] = False
        else:
            cap_values[code], cap_units[code] = cap
    same_day = _rule_constant_value(key="document.same_day_days_used", first=first, last=last)
    timed_cap = _rule_constant_value(key="document.timed_letter_counted_cap", first=first, last=last)
    if same_day is None:
        constant[:] = False
    if timed_cap is None:
        constant[G_TIMED] = False
    # The short path: a constant number of working days, nothing to fix up, working days used.
    short = constant & ~OWN_TABLE & ~CALENDAR_GROUPS & (units == _U[RuleUnit.WORKING_DAYS]) & (values >= 1)
    short[[G_TIMED, G_CONTROL, G_APPLICATION, G_APPLICATION_PUBLISHED]] = False
    fast_steps = np.where((_GROUPS >= 0) & short[_GROUPS], values[_GROUPS], 0).astype(np.int32)
    return _GroupTables(
        constant=constant, values=values, units=units, extension_limit=limits, cap_values=cap_values,
        cap_units=cap_units, same_day=same_day or 0.0, timed_cap=timed_cap or 0.0, fast_steps=fast_steps,
    )  # fmt: skip


def _columns_take(columns: Columns, rows: IntArray) -> Columns:
    return Columns(**{field.name: getattr(columns, field.name)[rows] for field in fields(Columns)})


def deadlines_compute(*, columns: Columns, as_of: date, calendar_: Calendar | None = None) -> Result:
    """Deadline, days used and status of every document, judged on `as_of` (open ones).

    One compiled pass (`deadline_kernel.register_pass`) over the register, with each group's rule
    numbers in force over its span; the rows of a group whose rule changed within the span go to
    the numpy form, which reads the rule on each row's day of receipt.
    """
    # Imported here: numba takes about 0.3 s to load, and only an audit needs it.
    from yankao.timeliness import deadline_kernel as kernel

    cal = calendar_ or calendar_current()
    tables = cal.rank_tables
    size = len(columns)
    received_i = columns.received.view(np.int64)
    first_day = np.datetime64(int(received_i.min()), "D") if size else np.datetime64("2000-01-01")
    last_day = np.datetime64(int(received_i.max()), "D") if size else first_day
    groups = _group_tables(first=first_day, last=last_day)

    group = np.empty(size, dtype=np.int8)
    deadline = np.empty(size, dtype="datetime64[D]")
    days_used = np.empty(size, dtype=np.float64)
    status = np.empty(size, dtype=np.int8)
    as_ordinary = np.zeros(size, dtype=np.bool_)
    special, extended = np.empty(size, dtype=np.int64), np.empty(size, dtype=np.int64)
    origin, as_of_i = int(tables.origin), int(np.datetime64(as_of, "D").astype(np.int64))
    calendar_tables = (
        origin, tables.cum_through, tables.working_days.view(np.int64), tables.month_of, tables.day_of_month,
        tables.month_first,
    )  # fmt: skip
    count_from_i = columns.count_from.view(np.int64)
    closed_i, extended_to_i = columns.closed.view(np.int64), columns.extended_to.view(np.int64)
    outcome, failed, special_count, extended_count = kernel.register_pass(
        columns.category, columns.speed, columns.question_source, received_i, count_from_i,
        columns.set_deadline.view(np.int64), closed_i, extended_to_i, columns.period_value,
        columns.period_unit, _GROUPS, groups.fast_steps, len(SPEED_CODES), len(QUESTION_CODES), G_TIMED,
        G_ORDINARY, G_CONTROL, G_CONTROL_OWN, G_APPLICATION, G_APPLICATION_PUBLISHED,
        groups.constant, OWN_TABLE, CALENDAR_GROUPS, groups.values, groups.units, groups.same_day,
        groups.timed_cap, calendar_tables, as_of_i,
        group, deadline.view(np.int64), days_used, status, as_ordinary, special, extended,
    )  # fmt: skip
    result = Result(
        deadline=deadline,
        extended_deadline=np.full(size, NAT, dtype="datetime64[D]"),
        days_used=days_used,
        status=status,
        status_extended=status.copy(),
        as_ordinary=as_ordinary,
        extension_problem=np.zeros(size, dtype=np.int8),
    )
    if outcome == kernel.DONE and extended_count:
        outcome, failed = kernel.extension_pass(
            extended[:extended_count], group, closed_i, columns.extension_count,
            columns.extension_requested.view(np.int64), extended_to_i, columns.extension_approved,
            columns.period_value, columns.period_unit, groups.values, groups.units, G_APPLICATION_PUBLISHED,
            groups.extension_limit, groups.cap_values, groups.cap_units, calendar_tables, as_of_i,
            deadline.view(np.int64), result.extended_deadline.view(np.int64), result.status_extended,
            result.extension_problem,
        )  # fmt: skip
    if outcome == kernel.MISSING_SPEED:
        raise ApplicationError("一般公文須有速別（最速件、速件、普通件或限期）。", code="missing_speed")
    if outcome != kernel.DONE:
        # Let the numpy form meet the same row and raise the calendar's own error, naming the day.
        _deadlines_numpy(columns=_columns_take(columns, np.array([failed])), as_of=as_of, calendar_=cal)
        raise AssertionError(f"the register pass stopped at row {failed} (outcome {outcome})")
    if special_count:
        rows = special[:special_count]
        part = _deadlines_numpy(columns=_columns_take(columns, rows), as_of=as_of, calendar_=cal)
        for name in RESULT_FIELDS:
            getattr(result, name)[rows] = getattr(part, name)
    return result


def _deadlines_numpy(*, columns: Columns, as_of: date, calendar_: Calendar | None = None) -> Result:
    """`deadlines_compute` in numpy alone, reading each rule on each row's day of receipt.

    Used for the rows of groups whose rule changed within the register's span.
    """
    cal = calendar_ or calendar_current()
    size = len(columns)
    received, start = columns.received, columns.count_from
    received_i, set_i = received.view(np.int64), columns.set_deadline.view(np.int64)
    closed, closed_i = columns.closed, columns.closed.view(np.int64)
    category = columns.category

    group = _GROUPS[
        (category * len(SPEED_CODES) + columns.speed) * len(QUESTION_CODES) + columns.question_source
    ]
    if size and group.min() < 0:
        raise ApplicationError("一般公文須有速別（最速件、速件、普通件或限期）。", code="missing_speed")
    # The fix-ups touch only the rows of their groups (a few percent): index them, do not mask all.
    # A 限期 letter received after its own deadline is a 普通件 (手冊).
    timed = np.flatnonzero(group == G_TIMED)
    late_letters = timed[set_i[timed] < received_i[timed]]
    group[late_letters] = G_ORDINARY
    as_ordinary = np.zeros(size, dtype=np.bool_)
    as_ordinary[late_letters] = True
    control = np.flatnonzero(group == G_CONTROL)
    group[control[set_i[control] != _NAT_I]] = G_CONTROL_OWN  # the letter's own date
    application = np.flatnonzero(group == G_APPLICATION)
    group[application[columns.period_value[application] >= 0]] = G_APPLICATION_PUBLISHED

    # Period (value, unit) per document from the rules in force on its day of receipt. A rule with
    # one version over the whole span of the register is a constant of its group: one gather for
    # all rows. A rule that changed within the span is read per row of its group.
    first_day = received.min() if size else np.datetime64("2000-01-01")
    last_day = received.max() if size else first_day
    value_table = np.zeros(len(GROUP_TABLE_SIZE), dtype=np.int64)
    unit_table = np.full(len(GROUP_TABLE_SIZE), _U[RuleUnit.WORKING_DAYS], dtype=np.int64)
    varying: list[tuple[int, str, str]] = []
    for code, (key, qualifier) in GROUP_RULES.items():
        constant = _rule_constant(key=key, qualifier=qualifier, first=first_day, last=last_day)
        if constant is None:
            varying.append((code, key, qualifier))
        else:
            value_table[code], unit_table[code] = constant
    values = value_table[group]
    units = unit_table[group]
    for code, key, qualifier in varying:
        rows = np.flatnonzero(group == code)
        _by_rule(key=key, qualifier=qualifier, rows=rows, received=received, values=values, units=units)
    published = np.flatnonzero(group == G_APPLICATION_PUBLISHED)
    values[published] = columns.period_value[published]
    units[published] = columns.period_unit[published]
    own = OWN_TABLE[group]

    # Working-day periods are most documents: one rank-table gather over all rows; the others on
    # their (few) rows. Own-date rows get value 0 here and are replaced below.
    deadline = cal.add_working_days_array(start, np.where(units == _U[RuleUnit.WORKING_DAYS], values, 0))
    other = np.flatnonzero((units != _U[RuleUnit.WORKING_DAYS]) & ~own)
    if other.size:
        deadline[other] = _period_end(cal, start[other], values[other], units[other])
    deadline = np.where(own, columns.set_deadline, deadline)
    deadline_i = deadline.view(np.int64)

    # Days used: working days in (start, closed] for 一般公文 and 陳情, calendar days otherwise.
    is_closed = closed_i != _NAT_I
    end = np.where(is_closed, closed, start)
    working_category = WORKING_TABLE[category]
    counted = cal.count_working_days_array(start, end) - cal.is_working_day_array(start)
    elapsed = end.view(np.int64) - start.view(np.int64)
    days_used = np.where(working_category, counted, elapsed).astype(np.float64)
    same_day: Any = _rule_constant_value(key="document.same_day_days_used", first=first_day, last=last_day)
    if same_day is None:
        same_day, _ = _rule_values(key="document.same_day_days_used", qualifier="", on=received)
    days_used = np.where(days_used <= 0, same_day, days_used)
    on_time = is_closed & (closed_i <= deadline_i)
    capped = np.flatnonzero((group == G_TIMED) & on_time)
    if capped.size:
        cap_days, _ = _rule_values(key="document.timed_letter_counted_cap", qualifier="", on=received[capped])
        days_used[capped] = np.minimum(days_used[capped], cap_days)
    days_used[~is_closed] = np.nan

    as_of_i = np.datetime64(as_of, "D").astype(np.int64)
    status = _status_codes(is_closed=is_closed, on_time=on_time, deadline_i=deadline_i, as_of_i=as_of_i)

    # Extensions, on the few rows that have one: against the original deadline above, and against
    # the extended one here.
    problem = np.zeros(size, dtype=np.int64)
    extended_deadline = np.full(size, NAT, dtype="datetime64[D]")
    status_extended = status.copy()
    extended_i = columns.extended_to.view(np.int64)
    rows = np.flatnonzero((extended_i != _NAT_I) & (extended_i > deadline_i))
    if rows.size:
        _extensions(
            cal=cal, columns=columns, rows=rows, group=group, values=values, units=units, deadline=deadline,
            problem=problem, extended_deadline=extended_deadline,
        )  # fmt: skip
        accepted = rows[~np.isnat(extended_deadline[rows])]
        effective_i = extended_deadline[accepted].view(np.int64)
        status_extended[accepted] = _status_codes(
            is_closed=is_closed[accepted],
            on_time=is_closed[accepted] & (closed_i[accepted] <= effective_i),
            deadline_i=effective_i,
            as_of_i=as_of_i,
        )
    return Result(
        deadline=deadline,
        extended_deadline=extended_deadline,
        days_used=days_used,
        status=status,
        status_extended=status_extended,
        as_ordinary=as_ordinary,
        extension_problem=problem,
    )


def _extensions(
    *,
    cal: Calendar,
    columns: Columns,
    rows: IntArray,
    group: IntArray,
    values: IntArray,
    units: IntArray,
    deadline: DayArray,
    problem: IntArray,
    extended_deadline: DayArray,
) -> None:
    """Check the extensions at `rows` (count and length caps) and set the accepted extended deadlines."""
    received = columns.received[rows]
    kind = group[rows]
    appeal = kind == G_APPEAL
    application = (kind == G_APPLICATION) | (kind == G_APPLICATION_PUBLISHED)
    local_problem = np.zeros(rows.size, dtype=np.int64)
    for qualifier, mask in (("appeal", appeal), ("application", application)):
        if mask.any():
            limit, _ = _rule_values(
                key="document.extension_count_limit", qualifier=qualifier, on=received[mask]
            )
            too_many = np.zeros(rows.size, dtype=np.bool_)
            too_many[mask] = columns.extension_count[rows][mask] > limit
            local_problem[too_many] = EXTENSION_TOO_MANY
    cap_values = np.zeros(rows.size, dtype=np.int64)
    cap_units = np.full(rows.size, -1, dtype=np.int64)
    for key, mask in (
        ("document.appeal_decision_extension", appeal),
        ("document.legislator_question_extension", kind == G_LEGISLATOR),
        ("document.council_question_extension", kind == G_COUNCILLOR),
    ):
        if mask.any():
            found, unit = _rule_values(key=key, qualifier="", on=received[mask])
            cap_values[mask] = found.astype(np.int64)
            cap_units[mask] = _unit_code(unit, key)
    # 人民申請: within the length of the original period (§51 IV).
    cap_values[application] = values[rows][application]
    cap_units[application] = units[rows][application]
    limited = cap_units >= 0
    extended_to = columns.extended_to[rows]
    if limited.any():
        longest = _period_end(cal, deadline[rows][limited], cap_values[limited], cap_units[limited])
        too_long = np.zeros(rows.size, dtype=np.bool_)
        too_long[limited] = extended_to[limited] > longest
        local_problem[too_long & (local_problem == EXTENSION_OK)] = EXTENSION_TOO_LONG
    problem[rows] = local_problem
    requested = columns.extension_requested[rows]
    asked_in_time = np.isnat(requested) | (requested <= deadline[rows])
    accepted = columns.extension_approved[rows] & asked_in_time & (local_problem == EXTENSION_OK)
    extended_deadline[rows[accepted]] = extended_to[accepted]


def _status_codes(
    *, is_closed: BoolArray, on_time: BoolArray, deadline_i: IntArray, as_of_i: np.int64
) -> IntArray:
    """0 on time, 1 late, 2 open and overdue, 3 open (STATUS_CODES)."""
    closed_code = np.where(on_time, 0, 1)
    open_code = np.where(as_of_i > deadline_i, 2, 3)
    return np.where(is_closed, closed_code, open_code).astype(np.int64)


# --- the per-row reference ----------------------------------------------------------------------


def deadline_compute_one(*, facts: Facts, as_of: date, calendar_: Calendar | None = None) -> Outcome:
    """One document's audit, written rule by rule with scalar calls (the vectorised form's reference)."""
    cal = calendar_ or calendar_current()
    received, start = facts.received, facts.count_from
    category = facts.category

    def period(key: str, qualifier: str = "") -> tuple[int, str]:
        rule = rule_get(key=key, qualifier=qualifier, on=received)
        return int(rule.value), rule.unit

    as_ordinary = (
        category == Category.GENERAL
        and facts.speed == Speed.TIMED
        and facts.set_deadline is not None
        and facts.set_deadline < received
    )
    timed_kept = category == Category.GENERAL and facts.speed == Speed.TIMED and not as_ordinary
    own_date = timed_kept or category == Category.PROJECT
    own_date = own_date or (category == Category.CONTROL_YUAN and facts.set_deadline is not None)
    value, unit = 0, str(RuleUnit.WORKING_DAYS)
    if own_date:
        assert facts.set_deadline is not None
        deadline = facts.set_deadline
    else:
        if category == Category.GENERAL:
            speed = Speed.ORDINARY if as_ordinary else Speed(facts.speed)
            value, unit = period("document.limit", SPEED_LIMIT_QUALIFIERS[speed])
        elif category == Category.PETITION:
            value, unit = period("document.petition_reply")
        elif category == Category.QUESTION:
            councillor = facts.question_source == QuestionSource.COUNCILLOR
            value, unit = period(
                "document.council_question_reply" if councillor else "document.legislator_question_reply"
            )
        elif category == Category.APPLICATION:
            if facts.period_value >= 0:
                value, unit = facts.period_value, facts.period_unit
            else:
                value, unit = period("document.application_default")
        elif category == Category.CONTROL_YUAN:
            value, unit = period("document.control_yuan_correction_reply")
        else:
            value, unit = period("document.appeal_decision")
        deadline = _as_date(deadline_from(start=start, value=value, unit=unit, calendar_=cal))

    days_used: Decimal | None = None
    if facts.closed is not None:
        if category in WORKING_DAY_CATEGORIES:
            used = sum(
                1
                for offset in range(1, (facts.closed - start).days + 1)
                if cal.is_working_day(start + timedelta(days=offset))
            )
        else:
            used = (facts.closed - start).days
        days_used = Decimal(used)
        if used <= 0:
            days_used = rule_get(key="document.same_day_days_used", on=received).value
        if timed_kept and facts.closed <= deadline:
            days_used = min(days_used, rule_get(key="document.timed_letter_counted_cap", on=received).value)

    status = _status_one(closed=facts.closed, deadline=deadline, as_of=as_of)
    problem = EXTENSION_OK
    extended: date | None = None
    if facts.extended_to is not None and facts.extended_to > deadline:
        if category in (Category.APPEAL, Category.APPLICATION):
            limit = rule_get(key="document.extension_count_limit", qualifier=category, on=received).value
            if facts.extension_count > limit:
                problem = EXTENSION_TOO_MANY
        cap: tuple[int, str] | None = None
        if category == Category.APPEAL:
            cap = period("document.appeal_decision_extension")
        elif category == Category.QUESTION:
            councillor = facts.question_source == QuestionSource.COUNCILLOR
            cap = period(
                "document.council_question_extension"
                if councillor
                else "document.legislator_question_extension"
            )
        elif category == Category.APPLICATION:
            cap = (value, unit)
        if cap is not None and problem == EXTENSION_OK:
            longest = _as_date(deadline_from(start=deadline, value=cap[0], unit=cap[1], calendar_=cal))
            if facts.extended_to > longest:
                problem = EXTENSION_TOO_LONG
        asked_in_time = facts.extension_requested is None or facts.extension_requested <= deadline
        if facts.extension_approved and asked_in_time and problem == EXTENSION_OK:
            extended = facts.extended_to
    status_extended = _status_one(closed=facts.closed, deadline=extended or deadline, as_of=as_of)
    return Outcome(
        deadline=deadline,
        extended_deadline=extended,
        days_used=days_used,
        status=status,
        status_extended=status_extended,
        as_ordinary=as_ordinary,
        extension_problem=problem,
    )


def _status_one(*, closed: date | None, deadline: date, as_of: date) -> str:
    if closed is not None:
        return Status.ON_TIME if closed <= deadline else Status.LATE
    return Status.OPEN_OVERDUE if as_of > deadline else Status.OPEN


def _as_date(value: object) -> date:
    assert isinstance(value, date)
    return value


def result_row(result: Result, index: int) -> Outcome:
    """Row `index` of a vectorised result, in the reference's form (for comparisons)."""
    days = result.days_used[index]
    extended = result.extended_deadline[index]
    return Outcome(
        deadline=result.deadline[index].item(),
        extended_deadline=None if np.isnat(extended) else extended.item(),
        days_used=None if np.isnan(days) else Decimal(str(float(days))).normalize(),
        status=STATUS_CODES[int(result.status[index])],
        status_extended=STATUS_CODES[int(result.status_extended[index])],
        as_ordinary=bool(result.as_ordinary[index]),
        extension_problem=int(result.extension_problem[index]),
    )
