"""A generation number for the programs' data, so dashboards can be cached until something changes.

Every write of the monthly control (a report filed, reviewed or imported, risk rated) bumps the
generation in the shared cache after its transaction commits; readers key their cached results by
it, so no page shows figures older than the last write, whichever process served it. The
payloads live in each process's memory: the shared cache is read once per request.
"""

import contextlib
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, cast

from django.core.cache import caches
from django.db import DatabaseError, transaction

GENERATION_KEY = "programs:generation"
PAYLOAD_SECONDS = 300


def programs_generation() -> str:
    """The current generation: a random token, so a cleared or restarted shared cache never brings
    back an old generation (and with it another database's or an older build's cached figures)."""
    cache = caches["default"]
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
        value = cache.get(GENERATION_KEY) or "none"
    return str(value)


def programs_generation_bump() -> None:
    """Invalidate every cached programs figure once the current transaction commits."""

    def bump() -> None:
        # No cache table yet (a demo built before `createcachetable`): no page has cached anything.
        with contextlib.suppress(DatabaseError):
            caches["default"].set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)

    transaction.on_commit(bump)


class _ProcessCache:
    """A small in-process store. Not LocMemCache: that pickles, and unpickling a thousand exception
    rows on every request cost more than the page's query. Callers must not mutate what they get."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._items: OrderedDict[str, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Any:
        with self._lock:
            item = self._items.get(key)
            if item is None or item[0] < time.monotonic():
                return None
            self._items.move_to_end(key)
            return item[1]

    def set(self, key: str, value: Any) -> None:
        with self._lock:
            self._items[key] = (time.monotonic() + PAYLOAD_SECONDS, value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


process_cache = _ProcessCache()


def programs_cached[T](key: str, compute: Callable[[], T]) -> T:
    """`compute()`'s result, cached in this process until the next write of programs' data."""
    full_key = f"programs:{programs_generation()}:{key}"
    found = process_cache.get(full_key)
    if found is None:
        found = compute()
        process_cache.set(full_key, found)
    return cast(T, found)
