from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from yankao.bullying.models import BullyingReport, PartyRole, Source
from yankao.bullying.services import PartyInput, Reporter, ReportInput, bullying_report_intake
from yankao.cases.tests.conftest import file_petition  # noqa: F401 — the service desk's petition, for hand-offs

TAIPEI = ZoneInfo("Asia/Taipei")
# Distinctive values: a test that finds them in a response has found a leak.
STUDENT = "龔霽澐"
ACTOR = "閻翾翊"
SUMMARY_MARK = "器材室後方遭推擠勒索"


def taipei(*args: int) -> datetime:
    return datetime(*args, tzinfo=TAIPEI)


@pytest.fixture
def file_report(investigator: Any) -> Callable[..., BullyingReport]:
    def file(**overrides: Any) -> BullyingReport:
        fields: dict[str, Any] = {
            "source": Source.CITY_MAILBOX,
            "summary": f"本校七年級學生於{SUMMARY_MARK}，已持續兩週。",
            "school": "高雄市立鳳鳴國民中學",
            "reporter": Reporter(name="蔣雨晴", phone="0987-654-321", email="rain@example.tw"),
            "parties": (
                PartyInput(role=PartyRole.VICTIM, name=STUDENT, detail="七年三班12號"),
                PartyInput(role=PartyRole.ACTOR, name=ACTOR, detail="七年五班"),
            ),
            "received_at": taipei(2024, 5, 27, 10, 0),
        }
        fields.update(overrides)
        return bullying_report_intake(data=ReportInput(**fields), user=investigator)

    return file
