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
