"""The council report's yearly-cycle sections follow the data: the tiny demo city, then one more meeting."""

from datetime import date

import pytest

from yankao.core.models import Agency, User
from yankao.core.report_registry import ReportPeriod
from yankao.programs.annual.report_sections import enterprise_section, planning_section
from yankao.programs.annual.selectors.statistics import half_year_start
from yankao.programs.annual.services.tracked import TrackedItemFields, tracked_item_create
from yankao.programs.annual.tests.test_demo import build

pytestmark = pytest.mark.django_db
PERIOD = ReportPeriod(date_from=date(2023, 1, 1), date_to=date(2023, 12, 31), as_of=date(2024, 3, 31))


def _figures(content):
    return {figure.label: figure.value for figure in content.figures}


def test_half_year():
    assert half_year_start(date(2024, 3, 31)) == date(2023, 10, 1)
    assert half_year_start(date(2024, 12, 5)) == date(2024, 7, 1)


def test_the_sections_give_the_seed_figures_and_follow_a_new_meeting(tmp_path, seeded):
    build(tmp_path)
    rdec_staff = User.objects.get(
        username="rdec_staff"
    )  # the demo's persona (a fixture would make the database non-empty)
    figures = _figures(planning_section(PERIOD))
    assert figures["地方創生研商會議及現勘"] == 14
    assert figures["輔導地方創生團隊"] == 12
    assert figures["113年度施政計畫"] == 40  # the tiny targets' plan_items_per_year
    text = " ".join(p.text for p in planning_section(PERIOD).paragraphs)
    assert "112年10月至113年3月共召開及參與 14 場" in text
    assert "113年度施政計畫核定本於民國112年12月20日核定" in text
    tracked_item_create(
        fields=TrackedItemFields(
            kind="revitalisation_meeting", title="臨時研商會議", agency=Agency.objects.get(code="397027000A"),
            started_on=date(2024, 3, 20), due_on=date(2024, 5, 20), held_on=date(2024, 3, 20),
        ),
        user=rdec_staff,
    )  # fmt: skip
    assert _figures(planning_section(PERIOD))["地方創生研商會議及現勘"] == 15
    enterprise = enterprise_section(PERIOD)
    # as of 2024-03-31 the 2023 reports (May 2024) are not out: the 2022 ones are the latest
    assert enterprise.tables[0].title == "111年度市營事業績效考核"
    assert len(enterprise.tables[0].rows) == Agency.objects.filter(kind="municipal_enterprise").count()
