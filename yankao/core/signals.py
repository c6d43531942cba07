"""Signal receivers: per-process caches kept fresh, and sign-ins recorded in the audit trail.

Business rules never live here."""

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.signals import setting_changed
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from yankao.core.models import Agency, AuditAction, CalendarOverride, Rule
from yankao.core.selectors.agencies import subtree_cache
from yankao.core.selectors.rules import rule_cache
from yankao.core.services.audit import audit_record, audit_record_for
from yankao.core.working_days import calendar_cache


@receiver([post_save, post_delete], sender=Rule)
def _rules_changed(**kwargs: Any) -> None:
    rule_cache.clear()


@receiver([post_save, post_delete], sender=Agency)
def _agencies_changed(**kwargs: Any) -> None:
    subtree_cache.clear()


@receiver([post_save, post_delete], sender=CalendarOverride)
def _calendar_overrides_changed(**kwargs: Any) -> None:
    calendar_cache.clear()


@receiver(setting_changed)
def _calendar_years_changed(*, setting: str, **kwargs: Any) -> None:
    if setting == "YANKAO_CALENDAR_YEARS":
        calendar_cache.reset()


@receiver(user_logged_in)
def _record_login(*, user: Any, **kwargs: Any) -> None:
    audit_record_for(user, action=AuditAction.LOGIN, actor=user)


@receiver(user_logged_out)
def _record_logout(*, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_record_for(user, action=AuditAction.LOGOUT, actor=user)


@receiver(user_login_failed)
def _record_failed_login(*, credentials: dict[str, Any], **kwargs: Any) -> None:
    # The username tried is not personal data of a known record; the password never leaves Django.
    audit_record(
        action=AuditAction.LOGIN_FAILED,
        target_type="core.user",
        detail={"username": str(credentials.get("username", ""))[:150]},
    )
