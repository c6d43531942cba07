"""The council business report (業務報告) as one object: every registered section built for a period.

Renderers (`renderers/pptx.py`, `renderers/pdf.py`) take this object and nothing else, so the
PPTX and the PDF always show the same figures.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.utils import timezone

from yankao.core.exceptions import ApplicationError
from yankao.core.report_registry import (
    CHAPTERS,
    OVERVIEW,
    Chapter,
    ReportPeriod,
    ReportSection,
    SectionContent,
    report_section_list,
)
from yankao.core.roc_dates import roc_date_format
from yankao.core.services.seed import city_info

REPORT_TITLE = "研究發展考核委員會業務報告"
CLOSING_TEXT = "簡報結束 敬請指教"


@dataclass(frozen=True)
class BuiltSection:
    key: str
    title: str
    chapter: Chapter
    content: SectionContent


@dataclass(frozen=True)
class ReportChapter:
    chapter: Chapter
    sections: tuple[BuiltSection, ...]


@dataclass(frozen=True)
class CouncilReport:
    city_name: str
    session_text: str
    period: ReportPeriod
    generated_on: date
    overview: tuple[BuiltSection, ...]
    chapters: tuple[ReportChapter, ...]

    @property
    def title(self) -> str:
        return REPORT_TITLE

    @property
    def full_title(self) -> str:
        """The title with the city, for document properties and the PDF's metadata."""
        return f"{self.city_name}政府{REPORT_TITLE}"

    @property
    def period_text(self) -> str:
        """「民國112年1月1日至112年12月31日」: the flow period, both ends inclusive."""
        # The era is said once: 「民國112年1月1日至112年12月31日」.
        return f"{roc_date_format(self.period.date_from)}至{roc_date_format(self.period.date_to).removeprefix('民國')}"

    @property
    def as_of_text(self) -> str:
        return roc_date_format(self.period.stock_date)

    @property
    def generated_text(self) -> str:
        return roc_date_format(self.generated_on)

    @property
    def outline(self) -> tuple[Chapter, ...]:
        """The six chapters of the seed's outline (簡報大綱), whether or not they hold sections yet."""
        return tuple(chapter for chapter in CHAPTERS if chapter is not OVERVIEW)

    @property
    def sections(self) -> tuple[BuiltSection, ...]:
        return self.overview + tuple(section for chapter in self.chapters for section in chapter.sections)


def council_report_build(
    *,
    period: ReportPeriod,
    session_text: str = "",
    on_section: Callable[[ReportSection], None] | None = None,
    sections: list[ReportSection] | None = None,
) -> CouncilReport:
    """Build every registered section for `period`; `on_section` is called before each one (progress)."""
    city_name = str(city_info(city=settings.YANKAO_CITY)["city_name"])
    built: list[BuiltSection] = []
    for section in report_section_list() if sections is None else sections:
        if on_section is not None:
            on_section(section)
        try:
            content = section.build(period)
        except ApplicationError as error:
            raise ApplicationError(f"產製「{section.title}」章節時發生錯誤：{error.message}") from error
        built.append(
            BuiltSection(key=section.key, title=section.title, chapter=section.chapter, content=content)
        )
    return CouncilReport(
        city_name=city_name,
        session_text=session_text or settings.YANKAO_COUNCIL_SESSION or f"{city_name}議會",
        period=period,
        generated_on=timezone.localdate(),
        overview=tuple(section for section in built if section.chapter is OVERVIEW),
        chapters=tuple(
            ReportChapter(chapter=chapter, sections=tuple(s for s in built if s.chapter == chapter))
            for chapter in CHAPTERS
            if chapter is not OVERVIEW
        ),
    )
