from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from yankao.cases.models import Case, Category
from yankao.cases.services import IntakeResult, Petitioner, case_intake

TAIPEI = ZoneInfo("Asia/Taipei")


def taipei(*args: int) -> datetime:
    return datetime(*args, tzinfo=TAIPEI)


@pytest.fixture
def file_petition(db: Any, seeded: None) -> Callable[..., IntakeResult]:
    """File a petition about a pothole (工務局) as a citizen would, with overridable fields."""

    def file(**overrides: Any) -> IntakeResult:
        fields: dict[str, Any] = {
            "kind": "petition",
            "channel": "web",
            "category": Category.objects.get(code="road_pothole"),
            "subject": "中正路口路面坑洞",
            "description": "中正一路與五福路口有一個大坑洞，機車經過很危險。",
            "petitioner": Petitioner(
                name="王小明",
                phone="0912-345-678",
                email="ming@example.tw",
                address="高雄市苓雅區四維三路2號",
            ),
            "location_text": "苓雅區中正一路與五福一路口",
        }
        fields.update(overrides)
        return case_intake(**fields)

    return file


@pytest.fixture
def petition(file_petition: Callable[..., IntakeResult]) -> Case:
    return file_petition().case
