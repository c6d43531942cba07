"""Login lockout parameters for django-axes, read from the rule table."""

from datetime import timedelta
from typing import Any

from django.utils import timezone


def login_failure_limit(request: Any = None, credentials: Any = None) -> int:
    from yankao.core.selectors.rules import rule_get

    return int(rule_get(key="security.login_failure_limit", on=timezone.localdate()).value)


def login_cooloff(request: Any = None) -> timedelta:
    from yankao.core.selectors.rules import rule_get

    rule = rule_get(key="security.login_lockout_minutes", on=timezone.localdate())
    return timedelta(minutes=float(rule.value))
