"""Signal receivers that keep per-process caches fresh; business rules never live here."""

from typing import Any

from django.core.signals import setting_changed
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from yankao.core.models import CalendarOverride, Rule
from yankao.core.selectors.rules import rule_cache
from yankao.core.working_days import calendar_cache


@receiver([post_save, post_delete], sender=Rule)
def _rules_changed(**kwargs: Any) -> None:
    rule_cache.clear()


@receiver([post_save, post_delete], sender=CalendarOverride)
def _calendar_overrides_changed(**kwargs: Any) -> None:
    calendar_cache.clear()


@receiver(setting_changed)
def _calendar_years_changed(*, setting: str, **kwargs: Any) -> None:
    if setting == "YANKAO_CALENDAR_YEARS":
        calendar_cache.reset()
