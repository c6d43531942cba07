"""Fixtures of the yearly cycle: an open preliminary round, agencies by code, a program."""

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from yankao.core.models import Agency
from yankao.core.working_days import taiwan_date
from yankao.programs.annual.models import PlanRound
from yankao.programs.models import Program, ProgramType

PUBLIC_WORKS = "397010000A"
ENVIRONMENT = "397017000A"
FERRY = "397802000A"  # 高雄市輪船股份有限公司, a municipal enterprise


def agency(code: str) -> Agency:
    return Agency.objects.get(code=code)


@pytest.fixture
def public_works(db: Any, seeded: None) -> Agency:
    return agency(PUBLIC_WORKS)


@pytest.fixture
def environment(db: Any, seeded: None) -> Agency:
    return agency(ENVIRONMENT)


@pytest.fixture
def ferry(db: Any, seeded: None) -> Agency:
    return agency(FERRY)


@pytest.fixture
def open_round(db: Any, seeded: None) -> PlanRound:
    today = taiwan_date(timezone.now())
    return PlanRound.objects.create(
        year=today.year + 1,
        title=f"{today.year + 1 - 1911}年度施政計畫先期作業",
        opens_on=today - timedelta(days=5),
        deadline=today + timedelta(days=20),
    )


def program_make(*, agency: Agency, code: str = "P-0001", name: str = "污水下水道建設計畫") -> Program:
    return Program.objects.create(
        code=code,
        name=name,
        program_type=ProgramType.objects.order_by("sort_order").first(),
        agency=agency,
        starts_on=date(2023, 1, 1),
        ends_on=date(2026, 12, 31),
        controlled_from=date(2023, 1, 1),
    )
