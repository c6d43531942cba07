"""A generation number for the programs' data, so dashboards can be cached until something changes.

Every write of the monthly control (a report filed, reviewed or imported, risk rated) bumps the
generation in the shared cache after its transaction commits; readers key their cached results by
it, so no page shows figures older than the last write, whichever process served it. The
payloads live in each process's local cache: the shared cache is read once per request.
"""

from collections.abc import Callable

from django.core.cache import caches
from django.db import DatabaseError, transaction

GENERATION_KEY = "programs:generation"
PAYLOAD_SECONDS = 300


def programs_generation() -> int:
    value = caches["default"].get(GENERATION_KEY)
    return int(value) if value is not None else 0


def programs_generation_bump() -> None:
    """Invalidate every cached programs figure once the current transaction commits."""

    def bump() -> None:
        cache = caches["default"]
        try:
            try:
                cache.incr(GENERATION_KEY)
            except ValueError:  # not there yet (or evicted): any new value differs from the cached keys'
                cache.set(GENERATION_KEY, programs_generation() + 1, timeout=None)
        except DatabaseError:
            # No cache table yet (a demo built before `createcachetable`): no page has cached anything.
            pass

    transaction.on_commit(bump)


def programs_cached[T](key: str, compute: Callable[[], T]) -> T:
    """`compute()`'s result, cached in this process until the next write of programs' data."""
    full_key = f"programs:{programs_generation()}:{key}"
    local = caches["local"]
    found = local.get(full_key)
    if found is None:
        found = compute()
        local.set(full_key, found, timeout=PAYLOAD_SECONDS)
    return found
