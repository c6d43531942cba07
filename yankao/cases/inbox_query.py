"""The inbox page in one SQL statement: the hot path of the agency inbox (its page and its API).

`case_list_for_user` builds the same page with the ORM; on a page of 50 rows the ORM's query
building, compiling and row conversion cost about 1 ms, five times the database's own work
(make bench, servicedesk.inbox_api; ADR 0017). Officers keep the inbox open all day, so this module
writes that one statement by hand, from the models' own table and column names, and returns the
same rows and cursors: tests hold the two to the same answers for every filter, order and scope.

The statement reads the case table alone. Joining the category, agency and officer tripled
PostgreSQL's planning time (0.12 to 0.65 ms, more than the page's execution); their codes and names
come from `inbox_names`, a per-process table of a few hundred rows kept fresh as the engine's other
caches are (signals in `cases.signals`, `RELOAD_SECONDS` across processes).
"""

import threading
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from yankao.cases.models import Case, Category
from yankao.cases.selectors import (
    CasePage,
    case_scope_agency_ids,
    cursor_read,
    cursor_write,
    due_soon_horizon,
)
from yankao.cases.workflow import CLOCK_RUNNING_STATES, OPEN_STATES
from yankao.core.exceptions import ApplicationError
from yankao.core.models import Agency, User
from yankao.core.working_days import taiwan_date

# The keys of each row: every column the inbox page and the API show, named as `values()` names them.
ROW_KEYS = (
    "id", "number", "kind", "state", "channel", "version", "updated_at", "subject", "received_at", "due_on",
    "petitioner_name_masked", "officer_id", "category__code", "category__name", "agency__code",
    "agency__name", "agency__short_name", "officer__username", "officer__display_name",
)  # fmt: skip


# The case table's own columns of each row, in ROW_KEYS order; the rest come from `inbox_names`.
_CASE_COLUMNS = (
    "id", "number", "kind", "state", "channel", "version", "updated_at", "subject", "received_at", "due_on",
    "petitioner_name_masked", "officer", "category", "agency",
)  # fmt: skip


@dataclass(frozen=True)
class _Statement:
    select: str  # SELECT … FROM …, without WHERE
    state: str
    is_open: str
    agency: str
    category: str
    channel: str
    officer: str
    number: str
    due_on: str
    received_at: str
    id: str


def _statement() -> _Statement:
    def column(name: str) -> str:
        field: Any = Case._meta.get_field(name)
        return connection.ops.quote_name(field.column)

    # Only the model's own table and column names go into the text; every value is a parameter.
    select = (
        f"SELECT {', '.join(column(name) for name in _CASE_COLUMNS)}"  # noqa: S608
        f" FROM {connection.ops.quote_name(Case._meta.db_table)}"
    )
    return _Statement(
        select=select,
        state=column("state"),
        is_open=column("is_open"),
        agency=column("agency"),
        category=column("category"),
        channel=column("channel"),
        officer=column("officer"),
        number=column("number"),
        due_on=column("due_on"),
        received_at=column("received_at"),
        id=column("id"),
    )


class _InboxNames:
    """Codes and names of categories, agencies and officers by primary key, kept per process.

    Edits are seen at once in this process (signals in cases.signals) and within RELOAD_SECONDS in
    others, as with the engine's category cache; an id not yet known reloads its table.
    """

    RELOAD_SECONDS = 30.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._clear()

    def _clear(self) -> None:
        self._categories: dict[int, tuple[str, str]] = {}
        self._agencies: dict[int, tuple[str, str, str]] = {}
        self._officers: dict[int, tuple[str, str]] = {}
        self._loaded_at = time.monotonic()

    def clear(self) -> None:
        with self._lock:
            self._clear()

    def _fresh(self) -> None:
        if time.monotonic() - self._loaded_at > self.RELOAD_SECONDS:
            self.clear()

    def categories(self) -> dict[int, tuple[str, str]]:
        self._fresh()
        return self._categories

    def category_ids(self, code: str) -> list[int]:
        ids = [pk for pk, (known, _name) in self.categories().items() if known == code]
        if not ids:
            ids = [pk for pk, (known, _name) in self._load_categories().items() if known == code]
        return ids

    def _load_categories(self) -> dict[int, tuple[str, str]]:
        # Callers use the table returned, not the attribute: a clear() may come in between.
        loaded = {pk: (code, name) for pk, code, name in Category.objects.values_list("pk", "code", "name")}
        with self._lock:
            self._categories = loaded
        return loaded

    def fill(self, rows: list[dict[str, Any]]) -> None:
        """Put each row's category, agency and officer codes and names in, under their ROW_KEYS names."""
        self._fresh()
        categories, agencies, officers = self._categories, self._agencies, self._officers
        if any(row["category_id"] not in categories for row in rows):
            categories = self._load_categories()
        if any(row["agency_id"] not in agencies for row in rows):
            loaded = {
                pk: (code, name, short_name)
                for pk, code, name, short_name in Agency.objects.values_list(
                    "pk", "code", "name", "short_name"
                )
            }
            with self._lock:
                self._agencies = agencies = loaded
        missing = _officer_ids(rows) - officers.keys()
        if missing:
            found = {
                pk: (username, display_name)
                for pk, username, display_name in User.objects.filter(pk__in=missing).values_list(
                    "pk", "username", "display_name"
                )
            }
            with self._lock:
                self._officers.update(found)
            # This page's officers from what was known and what was just read, not from the table
            # again: a clear() in another thread may have replaced it in between.
            known = {pk: officers[pk] for pk in _officer_ids(rows) & officers.keys()}
            officers = {**known, **found}
        for row in rows:
            row["category__code"], row["category__name"] = categories[row.pop("category_id")]
            row["agency__code"], row["agency__name"], row["agency__short_name"] = agencies[
                row.pop("agency_id")
            ]
            officer = row["officer_id"]
            row["officer__username"], row["officer__display_name"] = (
                officers.get(officer, ("", "")) if officer is not None else (None, None)
            )


def _officer_ids(rows: list[dict[str, Any]]) -> set[int]:
    return {row["officer_id"] for row in rows if row["officer_id"] is not None}


inbox_names = _InboxNames()


_STATEMENTS: dict[str, _Statement] = {}  # per database vendor


def _in(column: str, values: list[Any], where: list[str], params: list[Any]) -> None:
    where.append(f"{column} IN ({', '.join(['%s'] * len(values))})")
    params.extend(values)


def case_inbox_page(
    *,
    user: Any,
    state: str | None = None,
    states: list[str] | None = None,
    category: str | None = None,
    channel: str | None = None,
    due: str | None = None,
    mine: bool = False,
    search: str = "",
    order: str = "due",
    after: str | None = None,
    limit: int = 50,
    today: date | None = None,
) -> CasePage:
    """`case_list_for_user(values=ROW_KEYS)` in one statement: the same rows, order and cursor."""
    today = today or taiwan_date(timezone.now())
    agency_ids = case_scope_agency_ids(user=user)
    if agency_ids == ():
        return CasePage(items=[], next_cursor=None)
    statement = _STATEMENTS.get(connection.vendor) or _STATEMENTS.setdefault(connection.vendor, _statement())
    ops = connection.ops
    where: list[str] = []
    params: list[Any] = []
    if agency_ids is not None:
        _in(statement.agency, list(agency_ids), where, params)
    if state:
        where.append(f"{statement.state} = %s")
        params.append(state)
    elif states and set(states) != OPEN_STATES:  # all of them: `is_open` alone, as case_list_for_user
        _in(statement.state, sorted(set(states)), where, params)
    if (state and state in OPEN_STATES) or (not state and states and set(states) <= OPEN_STATES):
        where.append(f"{statement.is_open} = %s")
        params.append(True)
    if category:
        category_ids = inbox_names.category_ids(category)
        if not category_ids:
            return CasePage(items=[], next_cursor=None)
        _in(statement.category, category_ids, where, params)
    if channel:
        where.append(f"{statement.channel} = %s")
        params.append(channel)
    if mine:
        where.append(f"{statement.officer} = %s")
        params.append(user.pk)
    if search.strip():
        pattern = search.strip().upper().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where.append(f"{statement.number} LIKE %s ESCAPE '\\'")
        params.append(pattern + "%")
    if due in ("overdue", "soon"):
        where.append(f"{statement.is_open} = %s")
        params.append(True)
        _in(statement.state, sorted(CLOCK_RUNNING_STATES), where, params)
        if due == "overdue":
            where.append(f"{statement.due_on} < %s")
            params.append(ops.adapt_datefield_value(today))
        else:
            where.append(f"{statement.due_on} >= %s AND {statement.due_on} <= %s")
            params.extend(
                [ops.adapt_datefield_value(today), ops.adapt_datefield_value(due_soon_horizon(today=today))]
            )
    elif due is not None and due != "":
        raise ApplicationError(f"不明的期限篩選「{due}」。")

    if order == "due":
        if after:
            due_text, case_id = cursor_read(after)
            cursor_due = ops.adapt_datefield_value(_cursor_value(date.fromisoformat, due_text))
            where.append(f"({statement.due_on} > %s OR ({statement.due_on} = %s AND {statement.id} > %s))")
            params.extend([cursor_due, cursor_due, case_id])
        ordering = f"{statement.due_on} ASC, {statement.id} ASC"
    elif order == "-received":
        if after:
            received_text, case_id = cursor_read(after)
            cursor_received = ops.adapt_datetimefield_value(
                _cursor_value(datetime.fromisoformat, received_text)
            )
            where.append(
                f"({statement.received_at} < %s OR ({statement.received_at} = %s AND {statement.id} < %s))"
            )
            params.extend([cursor_received, cursor_received, case_id])
        ordering = f"{statement.received_at} DESC, {statement.id} DESC"
    else:
        raise ApplicationError(f"不明的排序方式「{order}」。")

    sql = statement.select
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += f" ORDER BY {ordering} LIMIT {int(limit) + 1}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    items = [_row(values) for values in fetched[:limit]]
    inbox_names.fill(items)
    next_cursor = None
    if len(fetched) > limit:
        last = items[-1]
        key = last["due_on"].isoformat() if order == "due" else last["received_at"].isoformat()
        next_cursor = cursor_write(key, last["id"])
    return CasePage(items=items, next_cursor=next_cursor)


def _cursor_value(parse: Any, text: str) -> Any:
    try:
        return parse(text)
    except ValueError as error:
        raise ApplicationError("分頁參數有誤，請回到第一頁。") from error


_ROW_CASE_KEYS = tuple(
    name if name not in ("officer", "category", "agency") else f"{name}_id" for name in _CASE_COLUMNS
)


def _row(values: tuple[Any, ...]) -> dict[str, Any]:
    row = dict(zip(_ROW_CASE_KEYS, values, strict=True))
    # SQLite hands back text or naive UTC datetimes, PostgreSQL aware ones: make both what the ORM gives.
    for key in ("updated_at", "received_at"):
        row[key] = _aware(row[key])
    if isinstance(row["due_on"], str):
        row["due_on"] = date.fromisoformat(row["due_on"])
    return row


def _aware(value: Any) -> datetime:
    moment = parse_datetime(value) if isinstance(value, str) else value
    assert isinstance(moment, datetime)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
