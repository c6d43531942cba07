"""Test speed-ups only; everything else is base.py."""

from config.settings.base import *  # noqa: F403
from config.settings.base import TASKS

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS["default"] = {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}

# Tests share one process: an in-memory cache is enough and needs no table.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "yankao-test"},
    "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "yankao-test-local"},
}

# The live server of the browser tests answers each request in a thread of its own. On an in-memory
# SQLite database Django hands all those threads one shared connection, and two requests at once
# (a side panel loading while a form is posted) then run on each other's cursor: a session read came
# back empty and signed the operator out mid-test. A test database in a file gives every thread its
# own connection, as in production (WAL, IMMEDIATE transactions, see base.py).
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    _name = str(DATABASES["default"]["NAME"])  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": f"{_name.removesuffix('.sqlite3')}-test.sqlite3"}  # noqa: F405
