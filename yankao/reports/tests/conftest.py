"""The council report rendered once per test module, for the seed's period (2023, stock as of 113/03/31)."""

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from yankao.core.report_registry import ReportPeriod
from yankao.reports.services import council_report_render

SEED_PERIOD = ReportPeriod(date_from=date(2023, 1, 1), date_to=date(2023, 12, 31), as_of=date(2024, 3, 31))


@pytest.fixture(scope="module")
def rendered(
    tmp_path_factory: pytest.TempPathFactory, django_db_setup: Any, django_db_blocker: Any
) -> Iterator[dict[str, Path]]:
    out = tmp_path_factory.mktemp("council")
    with django_db_blocker.unblock():
        yield council_report_render(
            period=SEED_PERIOD,
            formats=["pptx", "pdf"],
            out_dir=out,
            session_text="高雄市議會第四屆第三次定期大會",
        )
