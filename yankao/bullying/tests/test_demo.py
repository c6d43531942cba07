"""The demo reports: a small year built from the tiny targets plus a [bullying] table, reproducing
its totals exactly through the module's own services and statistics."""

from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command

from yankao.bullying.models import BullyingReport, State
from yankao.bullying.report_sections import bullying_section
from yankao.core.report_registry import ReportPeriod

TINY = Path(__file__).resolve().parents[2] / "core" / "tests" / "data" / "tiny.toml"
BULLYING = """
[bullying]
reports = 12
accepted = 9
not_accepted = 3
open_reports_around_build = 2

[bullying.reports_by_source]
"市長信箱" = 2
"1999專線" = 6
"市府反霸凌信箱" = 2
"教育局反霸凌專線" = 1
"其他" = 1

[bullying.accepted_by_status]
in_progress = 1
established = 3
not_established = 4
other = 1
"""

pytestmark = pytest.mark.django_db(transaction=True)


def build(tmp_path: Path, extra: str = BULLYING, *args: str) -> None:
    targets = tmp_path / "targets.toml"
    targets.write_text(TINY.read_text(encoding="utf-8") + extra, encoding="utf-8")
    call_command(
        "demo",
        "--targets",
        str(targets),
        "--state",
        str(tmp_path / "demo.json"),
        "--build-date",
        "2026-03-16",
        "--only",
        "bullying",
        "--no-progress",
        *args,
        verbosity=0,
    )


def test_the_demo_year_reproduces_its_targets_and_rebuilds_the_same(seeded, tmp_path):
    build(tmp_path)
    year = list(
        BullyingReport.objects.filter(received_at__year=2023)
        .order_by("number")
        .values_list(
            "number", "source", "state", "received_at", "acceptance_notice_due_on", "investigation_due_on"
        )
    )
    content = bullying_section(ReportPeriod(date(2023, 1, 1), date(2023, 12, 31), date(2024, 3, 31)))
    tables = {table.title: dict(table.rows) for table in content.tables}
    assert tables["疑似校園霸凌案件通報數（件）"] == {"受理": 9, "不予受理": 3, "合計": 12}
    assert tables["疑似校園霸凌案件通報來源（件）"]["1999專線"] == 6
    assert tables["疑似校園霸凌案件處理情形（共9件）"] == {
        "處理中": 1,
        "霸凌成立": 3,
        "霸凌不成立": 4,
        "其他（非屬霸凌）": 1,
        "合計": 9,
    }
    assert {row[2] for row in year} == {State.CLOSED}
    assert BullyingReport.objects.exclude(state=State.CLOSED).count() == 2  # the recent ones
    build(tmp_path, BULLYING, "--reset")
    again = list(
        BullyingReport.objects.filter(received_at__year=2023)
        .order_by("number")
        .values_list(
            "number", "source", "state", "received_at", "acceptance_notice_due_on", "investigation_due_on"
        )
    )
    assert again == year


def test_targets_that_do_not_add_up_are_refused_by_name(seeded, tmp_path):
    with pytest.raises(Exception, match="應等於受理數"):
        build(tmp_path, BULLYING.replace("other = 1", "other = 2"))
    assert not BullyingReport.objects.exists()
