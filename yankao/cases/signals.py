"""Receivers that keep the case engine's per-process caches fresh; no business rules here."""

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from yankao.cases.models import Category
from yankao.cases.selectors import category_cache


@receiver([post_save, post_delete], sender=Category)
def _categories_changed(**kwargs: Any) -> None:
    category_cache.clear()
