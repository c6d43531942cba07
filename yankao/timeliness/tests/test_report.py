"""The council report's timeliness section: figures by category and agency, the petition row labelled apart."""

import io
from datetime import date

import pytest

from yankao.core.models import User
from yankao.core.report_registry import ReportPeriod, report_section_list, statistic_list
from yankao.timeliness.models import MappingProfile
from yankao.timeliness.report_sections import timeliness_section
from yankao.timeliness.services import register_import

pytestmark = pytest.mark.django_db

ROWS = (
    "397010000A,A1,科,一般公文,普通件,113/02/07,113/02/21",
    "397010000A,A2,科,一般公文,普通件,113/02/07,113/02/23",
    "397017000A,B1,科,人民陳情案,,113/02/01,113/03/21",
)


def test_section_counts_categories_and_ranks_agencies(rdec_staff: User) -> None:
    text = "\n".join(["機關代碼,文號,承辦單位,類別,速別,收文日期,發文日期", *ROWS]) + "\n"
    register_import(
        actor=rdec_staff,
        profile=MappingProfile.objects.get(name="yankao-標準格式"),
        file=io.BytesIO(text.encode()),
        filename="r.csv",
        as_of=date(2024, 12, 31),
    )
    content = timeliness_section(ReportPeriod(date_from=date(2024, 1, 1), date_to=date(2024, 12, 31)))
    figures = {figure.label: figure.value for figure in content.figures}
    assert figures["查核公文"] == 3
    assert str(figures["依限辦結率"]) == "66.7"
    assert str(figures["平均發文使用日數"]) == "7.00"
    categories, agencies = content.tables
    labels = [row[0] for row in categories.rows]
    assert labels == ["一般公文", "人民陳情案（公文時效查核）"]
    assert "不宜直接比較" in categories.note
    assert [row[1] for row in agencies.rows] == [
        "高雄市政府環境保護局",
        "高雄市政府工務局",
    ]  # 100% before 50%


def test_registered_in_chapter_three() -> None:
    section = next(section for section in report_section_list() if section.key == "timeliness.documents")
    assert section.chapter.title == "管制考核"
    assert {statistic.key for statistic in statistic_list(module="timeliness")} >= {
        "timeliness.by_category",
        "timeliness.by_agency",
    }
