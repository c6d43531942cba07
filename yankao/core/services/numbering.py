"""Public numbers that people quote (case numbers): gap-free per prefix, safe under concurrency."""

from django.db import connection

from yankao.core.models import NumberSequence


def number_next(*, prefix: str, width: int = 5) -> str:
    """The next number under `prefix`, e.g. number_next(prefix="P1151127-") → "P1151127-00001".

    One statement (an upsert returning the new value, on PostgreSQL and SQLite alike): the row lock
    it takes is held until the caller's transaction ends, so numbers are gap-free and never repeat.
    """
    table = connection.ops.quote_name(NumberSequence._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (prefix, last) VALUES (%s, 1) "  # noqa: S608 — the table name is ours
            f"ON CONFLICT (prefix) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [prefix],
        )
        (last,) = cursor.fetchone()
    return f"{prefix}{last:0{width}d}"
