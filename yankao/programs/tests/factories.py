"""Programs for tests, built through the services like the real ones."""

from datetime import date
from decimal import Decimal
from itertools import count
from typing import Any

from yankao.core.models import Agency
from yankao.programs.models import ControlLevel, Milestone, Program, ProgramType, ProgressMethod
from yankao.programs.services import program_create

PUBLIC_WORKS = "397010000A"
ENVIRONMENT = "397017000A"
_numbers = count(1)


def program_make(
    *,
    agency_code: str = PUBLIC_WORKS,
    type_code: str = "forward_looking",
    method: str = ProgressMethod.ENTERED,
    starts_on: date = date(2023, 1, 1),
    ends_on: date = date(2025, 12, 31),
    controlled_from: date = date(2023, 1, 1),
    total_budget: int = 100_000_000,
    **kwargs: Any,
) -> Program:
    number = next(_numbers)
    return program_create(
        code=kwargs.pop("code", f"T{number:05d}"),
        name=kwargs.pop("name", f"測試道路改善工程第{number}標"),
        program_type=ProgramType.objects.get(code=type_code),
        agency=Agency.objects.get(code=agency_code),
        starts_on=starts_on,
        ends_on=ends_on,
        controlled_from=controlled_from,
        control_level=kwargs.pop("control_level", ControlLevel.CITY),
        progress_method=method,
        total_budget=total_budget,
        **kwargs,
    )


def milestone_make(
    *, program: Program, sequence: int, planned_on: date, weight: str, name: str = ""
) -> Milestone:
    return Milestone.objects.create(
        program=program,
        sequence=sequence,
        name=name or f"查核點{sequence}",
        planned_on=planned_on,
        weight=Decimal(weight),
    )
