"""Rows written with plain INSERTs: a lean `bulk_create` for the hot paths, batched where it can be.

`bulk_create` builds its statement through the query compiler on every call (on PostgreSQL an
UNNEST of typed arrays); for the two events and the notice an intake writes beside its case that
cost about 0.6 ms a call, twice the round trip itself (make bench, servicedesk.intake_api; ADR
0018). Here each value is prepared by its own model field, as `save()` prepares it, and the rows go
in as one multi-row INSERT, reading back only the new primary keys. Like `bulk_create`, it sends no
signals and runs no `save()` of the model's own: for models that have none.

Inside `rows_insert_batch()`, the inserts wait and go to PostgreSQL together, in one round trip,
when the block ends (SQLite runs them one by one then; it has no round trip to save). Their keys
are set at that moment: code inside the block must not read them.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.db import connections, models, router


@dataclass(frozen=True)
class _Insert:
    alias: str
    sql: str
    params: list[Any]
    rows: Sequence[models.Model]


_batch: ContextVar[list[_Insert] | None] = ContextVar("rows_insert_batch", default=None)


def rows_insert(*, rows: Sequence[models.Model]) -> None:
    """Insert these unsaved instances of one model in a single statement; each gets its primary key."""
    if not rows:
        return
    insert = _statement(rows)
    pending = _batch.get()
    if pending is not None:
        pending.append(insert)
        return
    _run([insert])


@contextmanager
def rows_insert_batch() -> Iterator[None]:
    """Hold the `rows_insert` calls of the block and send them together when it ends."""
    if _batch.get() is not None:  # already batching: the outer block sends these too
        yield
        return
    pending: list[_Insert] = []
    token = _batch.set(pending)
    try:
        yield
    finally:
        _batch.reset(token)
    _run(pending)  # not reached when the block raised: nothing of it is written


def _statement(rows: Sequence[models.Model]) -> _Insert:
    model = type(rows[0])
    if any(type(row) is not model for row in rows):
        raise TypeError("rows_insert takes instances of one model")
    meta = model._meta
    alias = router.db_for_write(model)
    connection = connections[alias]
    fields: list[Any] = [field for field in meta.local_concrete_fields if field is not meta.auto_field]
    if any(hasattr(field, "get_placeholder") for field in fields):
        raise TypeError(f"{meta.label} has a field with its own SQL placeholder: use bulk_create")
    quote = connection.ops.quote_name
    params: list[Any] = []
    for row in rows:
        for field in fields:
            params.append(field.get_db_prep_save(field.pre_save(row, True), connection=connection))
    one_row = f"({', '.join(['%s'] * len(fields))})"
    pk: Any = meta.pk
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(field.column) for field in fields)})"  # noqa: S608
        f" VALUES {', '.join([one_row] * len(rows))} RETURNING {quote(pk.column)}"
    )
    return _Insert(alias=alias, sql=sql, params=params, rows=rows)


def _run(inserts: list[_Insert]) -> None:
    for alias in dict.fromkeys(insert.alias for insert in inserts):
        mine = [insert for insert in inserts if insert.alias == alias]
        connection = connections[alias]
        with connection.cursor() as cursor:
            # PostgreSQL's client-side binding (Django's default) sends several statements as one
            # query string, and psycopg hands back one result per statement.
            if connection.vendor == "postgresql" and len(mine) > 1:
                cursor.execute("; ".join(insert.sql for insert in mine), [p for i in mine for p in i.params])
                for index, insert in enumerate(mine):
                    if index:
                        cursor.nextset()
                    _keys_set(insert, cursor.fetchall(), alias)
            else:
                for insert in mine:
                    cursor.execute(insert.sql, insert.params)
                    _keys_set(insert, cursor.fetchall(), alias)


def _keys_set(insert: _Insert, keys: list[tuple[Any, ...]], alias: str) -> None:
    pk: Any = type(insert.rows[0])._meta.pk
    # Both databases return the keys in the order of the VALUES rows for a plain multi-row INSERT.
    for row, (key,) in zip(insert.rows, keys, strict=True):
        setattr(row, pk.attname, key)
        row._state.adding = False
        row._state.db = alias
