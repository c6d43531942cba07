from collections.abc import Callable

import pytest

from yankao.cases.models import Case, Category
from yankao.cases.services import Petitioner, case_intake


@pytest.fixture
def file_case(db) -> Callable[..., Case]:
    """File a pothole petition through the engine, as the web form would; the subject can vary."""

    def file(subject: str = "路面坑洞") -> Case:
        return case_intake(
            kind="petition",
            channel="web",
            category=Category.objects.get(code="road_pothole"),
            subject=subject,
            description="建國路口坑洞",
            petitioner=Petitioner(name="王小明", phone="0912345678"),
        ).case

    return file
