"""Rows written with one plain INSERT, nothing read back: a lean `bulk_create` for the hot paths.

`bulk_create` builds its statement through the query compiler on every call (on PostgreSQL an
UNNEST of typed arrays); for the two events and the notice an intake writes beside its case that
cost about 0.6 ms a call, twice the round trip itself (make bench, servicedesk.intake_api; ADR
0018). Here each value is prepared by its own model field, as `save()` prepares it, and the rows go
in as one multi-row INSERT, reading back only the new primary keys. Like `bulk_create`, it sends no
signals and runs no `save()` of the model's own: for models that have none.
"""

from collections.abc import Sequence
from typing import Any

from django.db import connections, models, router


def rows_insert(*, rows: Sequence[models.Model]) -> None:
    """Insert these unsaved instances of one model in a single statement; each gets its primary key."""
    if not rows:
        return
    model = type(rows[0])
    if any(type(row) is not model for row in rows):
        raise TypeError("rows_insert takes instances of one model")
    meta = model._meta
    connection = connections[router.db_for_write(model)]
    fields: list[Any] = [field for field in meta.local_concrete_fields if field is not meta.auto_field]
    if any(hasattr(field, "get_placeholder") for field in fields):
        raise TypeError(f"{meta.label} has a field with its own SQL placeholder: use bulk_create")
    quote = connection.ops.quote_name
    values: list[Any] = []
    for row in rows:
        for field in fields:
            values.append(field.get_db_prep_save(field.pre_save(row, True), connection=connection))
    one_row = f"({', '.join(['%s'] * len(fields))})"
    pk: Any = meta.pk
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(field.column) for field in fields)})"  # noqa: S608
        f" VALUES {', '.join([one_row] * len(rows))} RETURNING {quote(pk.column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        keys = cursor.fetchall()
    # Both databases return the keys in the order of the VALUES rows for a plain multi-row INSERT.
    for row, (key,) in zip(rows, keys, strict=True):
        setattr(row, pk.attname, key)
        row._state.adding = False
        row._state.db = connection.alias
