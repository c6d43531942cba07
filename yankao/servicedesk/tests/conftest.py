from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache

from yankao.cases.models import Category


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    """Rate counters and spent questions live in the cache: each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def pothole(db: Any, seeded: None) -> Category:
    return Category.objects.get(code="road_pothole")
