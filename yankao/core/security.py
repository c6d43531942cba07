"""Login lockout parameters for django-axes, read from the rule table."""

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone


def login_failure_limit(request: Any = None, credentials: Any = None) -> int:
    from yankao.core.selectors.rules import rule_get

    return int(rule_get(key="security.login_failure_limit", on=timezone.localdate()).value)


def login_cooloff(request: Any = None) -> timedelta:
    from yankao.core.selectors.rules import rule_get

    rule = rule_get(key="security.login_lockout_minutes", on=timezone.localdate())
    return timedelta(minutes=float(rule.value))


def login_locked_until(*, username: str) -> datetime | None:
    """When a locked account may try again, or None when the account is not locked.

    A refused attempt during the lockout does not extend it (axes' default), so the lock ends one
    cool-off after the last recorded failure.
    """
    from axes.models import AccessAttempt

    attempt = AccessAttempt.objects.filter(username=username).order_by("-attempt_time").first()
    if attempt is None or attempt.failures_since_start < login_failure_limit():
        return None
    until: datetime = attempt.attempt_time + login_cooloff()
    return until if until > timezone.now() else None
