"""API tokens, remembered for a few seconds per process instead of read on every request.

DRF's TokenAuthentication reads the token and its user on every call: on the inbox, a page that
is otherwise one indexed query, that read was a quarter of the request (make bench,
servicedesk.inbox_api; ADR 0017). Here a process keeps what it read for
`YANKAO_API_TOKEN_CACHE_SECONDS` (0 turns it off). In the process that rotates a token or changes
an account the entry goes at once (signals); other processes keep a revoked token or a
deactivated account for at most that long, which is the price stated in the ADR.
"""

import threading
import time
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

# A bound on the entries, so that a flood of made-up keys cannot grow the process.
MAX_ENTRIES = 10_000


class _TokenCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, Any, Any]] = {}  # key -> (expires, user, token)

    def get(self, key: str) -> tuple[Any, Any] | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1], entry[2]

    def put(self, key: str, user: Any, token: Any, seconds: float) -> None:
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[key] = (time.monotonic() + seconds, user, token)

    def forget_key(self, key: str) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def forget_user(self, user_id: int) -> None:
        with self._lock:
            for key in [key for key, entry in self._entries.items() if entry[1].pk == user_id]:
                del self._entries[key]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


token_cache = _TokenCache()


class CachedTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`, as DRF's, with the token's user kept briefly per process."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        seconds = settings.YANKAO_API_TOKEN_CACHE_SECONDS
        if seconds <= 0:
            return super().authenticate_credentials(key)
        found = token_cache.get(key)
        if found is None:
            found = super().authenticate_credentials(key)  # raises for an unknown key or inactive user
            token_cache.put(key, found[0], found[1], seconds)
        return found


def _token_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    token_cache.forget_key(instance.key)


def _user_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    token_cache.forget_user(instance.pk)


post_delete.connect(_token_deleted, sender=Token, dispatch_uid="yankao-api-token-deleted")
post_save.connect(_user_changed, sender=get_user_model(), dispatch_uid="yankao-api-user-saved")
post_delete.connect(_user_changed, sender=get_user_model(), dispatch_uid="yankao-api-user-deleted")
