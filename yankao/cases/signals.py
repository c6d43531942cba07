"""Receivers that keep the case engine's per-process caches fresh; no business rules here."""

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from yankao.cases.inbox_query import inbox_names
from yankao.cases.models import Category
from yankao.cases.selectors import category_cache
from yankao.core.models import Agency, User


@receiver([post_save, post_delete], sender=Category)
def _categories_changed(**kwargs: Any) -> None:
    category_cache.clear()
    inbox_names.clear()


@receiver([post_save, post_delete], sender=Agency)
@receiver([post_save, post_delete], sender=User)
def _inbox_names_changed(**kwargs: Any) -> None:
    inbox_names.clear()
