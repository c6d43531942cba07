"""What a module puts into the council business report and the statistics pages.

Each app describes its section of the report (業務報告) and its statistics as plain data:
figures, native charts, tables and paragraphs. Renderers (PPTX, PDF, dashboards, Excel) turn
that data into output, so no module knows about slides or pages. The registries live in
`core` because every domain app registers into them and domain apps may import only `core`.

A module registers in its own `report_sections.py`, imported by `autodiscover("report_sections")`:

    @report_section_register(key="servicedesk.calls", chapter="service", order=10, title="1999話務")
    def calls_section(period: ReportPeriod) -> SectionContent: ...

Builders read through selectors only and compute every figure from data: the report follows
the database, never a targets file or a typed-in number.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import TypeVar

from yankao.core.exceptions import InvalidDateError
from yankao.core.registries import Registry, autodiscover

Number = int | float | Decimal
Cell = str | int | float | Decimal | None


@dataclass(frozen=True)
class Chapter:
    """A chapter of the business report, as the seed report names them (number, heading, motto)."""

    key: str
    number: int
    title: str
    motto: str

    @property
    def heading(self) -> str:
        return f"{self.title} {self.motto}".strip()


# The opening overview is chapter 0: it precedes the six chapters of the seed's outline and is
# not listed in it.
OVERVIEW = Chapter("overview", 0, "概況", "")
CHAPTERS: tuple[Chapter, ...] = (
    OVERVIEW,
    Chapter("research", 1, "研究發展", "行政革新"),
    Chapter("planning", 2, "綜合計畫", "擘劃願景"),
    Chapter("control", 3, "管制考核", "確保進度"),
    Chapter("inspection", 4, "工程查核", "提升品質"),
    Chapter("service", 5, "聯合服務", "萬事雄通"),
    Chapter("information", 6, "資訊服務", "智慧城市"),
)
CHAPTERS_BY_KEY = {chapter.key: chapter for chapter in CHAPTERS}


def chapter_get(*, key: str) -> Chapter:
    try:
        return CHAPTERS_BY_KEY[key]
    except KeyError:
        known = ", ".join(CHAPTERS_BY_KEY)
        raise ValueError(f"unknown report chapter {key!r}; known: {known}") from None


@dataclass(frozen=True)
class ReportPeriod:
    """The period a report covers.

    Flow figures (calls, petitions, reports received) count what happened from `date_from`
    to `date_to`, both inclusive; stock figures (programs under control) are as of `as_of`,
    which defaults to `date_to`.
    """

    date_from: date
    date_to: date
    as_of: date | None = None

    def __post_init__(self) -> None:
        if self.date_from > self.date_to:
            raise InvalidDateError(
                f"報告期間的起日（{self.date_from.isoformat()}）晚於迄日（{self.date_to.isoformat()}）。"
            )
        if self.as_of is None:
            # Frozen for hashing and safety; the default is filled in once, here.
            object.__setattr__(self, "as_of", self.date_to)

    @property
    def stock_date(self) -> date:
        """The as-of date of stock figures (typed as a plain date for callers)."""
        assert self.as_of is not None  # set in __post_init__
        return self.as_of

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    def month_spans(self) -> list[tuple[date, date]]:
        """The period cut at month boundaries: (first, last) day of each month's part, inclusive."""
        spans: list[tuple[date, date]] = []
        start = self.date_from
        while start <= self.date_to:
            next_month = date(start.year + start.month // 12, start.month % 12 + 1, 1)
            end = min(next_month - timedelta(days=1), self.date_to)
            spans.append((start, end))
            start = next_month
        return spans


@dataclass(frozen=True)
class Figure:
    """One headline number: 「管考追蹤案 1,338 件」."""

    label: str
    value: Number
    unit: str = ""
    note: str = ""


class ChartKind(StrEnum):
    BAR = "bar"  # horizontal bars
    COLUMN = "column"  # vertical bars
    PIE = "pie"
    LINE = "line"


@dataclass(frozen=True)
class ChartSeries:
    name: str
    values: tuple[Number, ...]


@dataclass(frozen=True)
class Chart:
    """A chart that renderers draw natively (an editable PPTX chart, an SVG in the PDF)."""

    title: str
    kind: ChartKind
    categories: tuple[str, ...]
    series: tuple[ChartSeries, ...]
    unit: str = ""

    def __post_init__(self) -> None:
        if not self.series:
            raise ValueError(f"chart {self.title!r} has no series")
        for one in self.series:
            if len(one.values) != len(self.categories):
                raise ValueError(
                    f"chart {self.title!r}: series {one.name!r} has {len(one.values)} values "
                    f"for {len(self.categories)} categories"
                )
        if self.kind is ChartKind.PIE and len(self.series) != 1:
            raise ValueError(f"pie chart {self.title!r} takes exactly one series")


@dataclass(frozen=True)
class Table:
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    note: str = ""

    def __post_init__(self) -> None:
        for row in self.rows:
            if len(row) != len(self.columns):
                raise ValueError(
                    f"table {self.title!r}: a row has {len(row)} cells for {len(self.columns)} columns"
                )


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class SectionContent:
    """What one section shows; `note` states the basis (統計期間 or 統計至) in the section's words."""

    figures: tuple[Figure, ...] = ()
    charts: tuple[Chart, ...] = ()
    tables: tuple[Table, ...] = ()
    paragraphs: tuple[Paragraph, ...] = ()
    note: str = ""


SectionBuilder = Callable[[ReportPeriod], SectionContent]
StatisticResult = Table | tuple[Figure, ...]
StatisticFunction = Callable[[ReportPeriod], StatisticResult]


@dataclass(frozen=True)
class ReportSection:
    key: str
    chapter: Chapter
    order: int
    title: str
    builder: SectionBuilder = field(compare=False)

    def build(self, period: ReportPeriod) -> SectionContent:
        return self.builder(period)


@dataclass(frozen=True)
class Statistic:
    """A statistic a module publishes for dashboards, exports and sections: a table or figures."""

    key: str
    title: str
    module: str
    function: StatisticFunction = field(compare=False)

    def compute(self, period: ReportPeriod) -> StatisticResult:
        return self.function(period)


BuilderT = TypeVar("BuilderT", bound=SectionBuilder)
FunctionT = TypeVar("FunctionT", bound=StatisticFunction)

report_sections: Registry[ReportSection] = Registry("report section")
statistics: Registry[Statistic] = Registry("statistic")


def report_section_register(
    *, key: str, chapter: str, order: int, title: str
) -> Callable[[BuilderT], BuilderT]:
    """Register the decorated builder as section `key` of `chapter` (a key of CHAPTERS)."""

    def decorator(builder: BuilderT) -> BuilderT:
        report_sections.register(
            key,
            ReportSection(
                key=key, chapter=chapter_get(key=chapter), order=order, title=title, builder=builder
            ),
        )
        return builder

    return decorator


def statistic_register(*, key: str, title: str, module: str) -> Callable[[FunctionT], FunctionT]:
    """Register the decorated function as statistic `key` of `module` (the app label)."""

    def decorator(function: FunctionT) -> FunctionT:
        statistics.register(key, Statistic(key=key, title=title, module=module, function=function))
        return function

    return decorator


def report_section_list() -> list[ReportSection]:
    """Every registered section, in report order: by chapter, then by `order`, then by key."""
    autodiscover("report_sections")
    return sorted(report_sections, key=lambda section: (section.chapter.number, section.order, section.key))


def statistic_list(*, module: str | None = None) -> list[Statistic]:
    autodiscover("report_sections")
    return [statistic for statistic in statistics if module is None or statistic.module == module]


def sections_by_chapter(sections: Sequence[ReportSection]) -> dict[Chapter, list[ReportSection]]:
    """Sections grouped under every chapter (chapters with no section yet map to an empty list)."""
    grouped: dict[Chapter, list[ReportSection]] = {chapter: [] for chapter in CHAPTERS}
    for section in sections:
        grouped[section.chapter].append(section)
    return grouped
