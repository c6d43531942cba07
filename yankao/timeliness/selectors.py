"""Reads of the timeliness audit: scoped documents, figures by agency/unit/category/month, samples.

Scope: the RDEC, inspectors and auditors see every agency; a liaison or officer sees the
documents of their agency and its subtree; nobody else sees any. Figures read the `Figure`
table (a few thousand rows for a year of a million documents); the drill-down reads documents
with the same filters, a page at a time by key (no COUNT over a million rows).
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from django.core.cache import caches
from django.db.models import Case, Count, DecimalField, F, IntegerField, Max, Q, QuerySet, Sum, When

from yankao.core.exceptions import NotFoundError, PermissionDeniedError
from yankao.core.models import Agency, Role
from yankao.core.permissions import is_city_wide, is_staff_member
from yankao.timeliness.models import Category, Document, Figure, ImportBatch, Sample, SampleItem, Status

AGENCY_ROLES = frozenset({Role.LIAISON, Role.OFFICER})
# City-wide readers of the audit; the 1999 desk (also city-wide) has no business with registers.
CITY_ROLES = frozenset({Role.RDEC_STAFF, Role.RDEC_ADMIN, Role.INSPECTOR, Role.AUDITOR})
Grouping = Literal["agency", "unit", "category", "month"]
PAGE_SIZE = 50
CATEGORY_ORDER = {value: position for position, value in enumerate(Category.values)}
FIGURES_CACHE_SECONDS = 600  # per process; a rebuild changes the key at once


def timeliness_scope_for_user(*, user: Any) -> str | None:
    """The agency path whose subtree the user sees ("" for the whole city); PermissionDeniedError otherwise."""
    if is_city_wide(user) and user.role in CITY_ROLES:
        return ""
    if is_staff_member(user) and user.role in AGENCY_ROLES and user.agency_id is not None:
        return str(user.agency.path)
    raise PermissionDeniedError("您沒有查看公文時效資料的權限。")


def _scoped(queryset: QuerySet[Any], *, scope: str, prefix: str = "agency__") -> QuerySet[Any]:
    if not scope:
        return queryset
    return queryset.filter(Q(**{f"{prefix}path": scope}) | Q(**{f"{prefix}path__startswith": scope + "/"}))


def document_list_for_user(*, user: Any) -> QuerySet[Document]:
    return _scoped(Document.objects.all(), scope=timeliness_scope_for_user(user=user) or "")


@dataclass(frozen=True)
class DocumentFilter:
    """What a drill-down shows: the filters of the figure it came from."""

    date_from: date
    date_to: date
    agency_id: int | None = None
    unit: str | None = None
    category: str | None = None
    month: date | None = None
    status: str | None = None  # a Status value, or "overdue" (late + open_overdue)
    extended: bool = False

    def as_query(self) -> dict[str, str]:
        query = {"date_from": self.date_from.isoformat(), "date_to": self.date_to.isoformat()}
        if self.agency_id is not None:
            query["agency"] = str(self.agency_id)
        if self.unit is not None:
            query["unit"] = self.unit
        if self.category:
            query["category"] = self.category
        if self.month is not None:
            query["month"] = self.month.strftime("%Y-%m")
        if self.status:
            query["status"] = self.status
        if self.extended:
            query["extended"] = "1"
        return query


def document_page(
    *, user: Any, filters: DocumentFilter, after: int | None = None
) -> tuple[list[Document], int | None]:
    """One page of documents matching the filters, newest id first; the key of the next page or None."""
    documents = document_list_for_user(user=user).filter(
        received_on__range=(filters.date_from, filters.date_to)
    )
    if filters.agency_id is not None:
        documents = documents.filter(agency_id=filters.agency_id)
    if filters.unit is not None:
        documents = documents.filter(unit=filters.unit)
    if filters.category:
        documents = documents.filter(category=filters.category)
    if filters.month is not None:
        next_month = date(filters.month.year + filters.month.month // 12, filters.month.month % 12 + 1, 1)
        documents = documents.filter(received_on__gte=filters.month, received_on__lt=next_month)
    if filters.status == "overdue":
        documents = documents.filter(status__in=[Status.LATE, Status.OPEN_OVERDUE])
    elif filters.status:
        documents = documents.filter(status=filters.status)
    if filters.extended:
        documents = documents.filter(extension_count__gt=0)
    if after is not None:
        documents = documents.filter(id__lt=after)
    rows = list(documents.select_related("agency").order_by("-id")[: PAGE_SIZE + 1])
    next_key = rows[PAGE_SIZE - 1].pk if len(rows) > PAGE_SIZE else None
    return rows[:PAGE_SIZE], next_key


def document_get(*, user: Any, pk: int) -> Document:
    document = document_list_for_user(user=user).select_related("agency", "batch").filter(pk=pk).first()
    if document is None:
        raise NotFoundError("找不到這件公文，或您沒有查看的權限。")
    return document


# --- figures ---------------------------------------------------------------------------------------


@dataclass
class FigureRow:
    """Counts of one group. Rates in percent with one decimal; None when nothing was due."""

    key: Any
    label: str
    total: int = 0
    on_time: int = 0
    late: int = 0
    open_overdue: int = 0
    open: int = 0
    on_time_extended: int = 0
    extended: int = 0
    as_ordinary: int = 0
    general_days_sum: Decimal = field(default_factory=Decimal)
    general_closed: int = 0

    @property
    def overdue(self) -> int:
        """逾期件數: closed after the limit plus still open past it."""
        return self.late + self.open_overdue

    @property
    def on_time_rate(self) -> Decimal | None:
        """依限辦結率 = 依限辦結 ÷ (依限辦結 + 逾限辦結)."""
        closed = self.on_time + self.late
        return (Decimal(self.on_time * 100) / closed).quantize(Decimal("0.1")) if closed else None

    @property
    def on_time_rate_extended(self) -> Decimal | None:
        closed = self.on_time + self.late
        return (Decimal(self.on_time_extended * 100) / closed).quantize(Decimal("0.1")) if closed else None

    @property
    def average_days_used(self) -> Decimal | None:
        """平均發文使用日數 of the closed 一般公文 (0.5 for same-day)."""
        if not self.general_closed:
            return None
        return (self.general_days_sum / self.general_closed).quantize(Decimal("0.01"))

    def add(self, other: "FigureRow") -> None:
        for name in ("total", "on_time", "late", "open_overdue", "open", "on_time_extended", "extended", "as_ordinary",
                     "general_days_sum", "general_closed"):  # fmt: skip
            setattr(self, name, getattr(self, name) + getattr(other, name))


def _month_start(day: date) -> date:
    return day.replace(day=1)


def figures_by(
    *,
    user: Any,
    group: Grouping,
    date_from: date,
    date_to: date,
    agency_id: int | None = None,
    category: str | None = None,
    unit: str | None = None,
) -> list[FigureRow]:
    """Figures per `group` for documents received in the months of [date_from, date_to] within the user's scope.

    Figures are kept per month of receipt: a period is taken in whole months.
    """
    return figures_for_scope(
        scope=timeliness_scope_for_user(user=user) or "",
        group=group,
        date_from=date_from,
        date_to=date_to,
        agency_id=agency_id,
        category=category,
        unit=unit,
    )


def figures_for_scope(
    *,
    scope: str,
    group: Grouping,
    date_from: date,
    date_to: date,
    agency_id: int | None = None,
    category: str | None = None,
    unit: str | None = None,
) -> list[FigureRow]:
    """`figures_by` for an agency path ("" = the whole city): the council report's reader.

    Figures change only when they are rebuilt (an import or a re-audit), which gives them new ids:
    the answer is cached under the newest id, so a new generation is never served stale.
    """
    # Newest id, row count, document total and judging day: any rebuild changes at least one.
    stamp = Figure.objects.aggregate(
        newest=Max("id"), rows=Count("id"), documents=Sum("total"), day=Max("audited_on")
    )
    generation = "-".join(str(value) for value in stamp.values())
    key = "timeliness:figures:" + "|".join(
        str(part) for part in (generation, scope, group, date_from, date_to, agency_id, category, unit)
    )
    cached: list[FigureRow] | None = caches["local"].get(key)
    if cached is None:
        cached = _figures_query(
            scope=scope,
            group=group,
            date_from=date_from,
            date_to=date_to,
            agency_id=agency_id,
            category=category,
            unit=unit,
        )
        caches["local"].set(key, cached, FIGURES_CACHE_SECONDS)
    return cached


def _figures_query(
    *,
    scope: str,
    group: Grouping,
    date_from: date,
    date_to: date,
    agency_id: int | None,
    category: str | None,
    unit: str | None,
) -> list[FigureRow]:
    figures = _scoped(Figure.objects.all(), scope=scope).filter(
        month__gte=_month_start(date_from), month__lte=_month_start(date_to)
    )
    if agency_id is not None:
        figures = figures.filter(agency_id=agency_id)
    if category:
        figures = figures.filter(category=category)
    if unit is not None:
        figures = figures.filter(unit=unit)
    column = {"agency": "agency_id", "unit": "unit", "category": "category", "month": "month"}[group]
    general = Q(category=Category.GENERAL)
    rows = (
        figures.values(column)
        .annotate(
            s_total=Sum("total"),
            s_on_time=Sum("on_time"),
            s_late=Sum("late"),
            s_open_overdue=Sum("open_overdue"),
            s_open=Sum("open"),
            s_on_time_extended=Sum("on_time_extended"),
            s_extended=Sum("extended"),
            s_as_ordinary=Sum("as_ordinary"),
            s_days=Sum(Case(When(general, then=F("days_used_sum")), default=0, output_field=DecimalField())),
            s_closed=Sum(
                Case(When(general, then=F("days_used_count")), default=0, output_field=IntegerField())
            ),
        )
        .order_by(column)
    )
    labels: dict[Any, str] = {}
    if group == "agency":
        labels = dict(Agency.objects.values_list("id", "name"))
    elif group == "category":
        labels = {value: str(label) for value, label in Category.choices}
    result = []
    for row in rows:
        key = row[column]
        if group == "month":
            label = f"{key.year - 1911}/{key.month:02d}"
        elif group == "unit":
            label = key or "（未填單位）"
        else:
            label = labels.get(key, str(key))
        result.append(
            FigureRow(
                key=key,
                label=label,
                total=row["s_total"] or 0,
                on_time=row["s_on_time"] or 0,
                late=row["s_late"] or 0,
                open_overdue=row["s_open_overdue"] or 0,
                open=row["s_open"] or 0,
                on_time_extended=row["s_on_time_extended"] or 0,
                extended=row["s_extended"] or 0,
                as_ordinary=row["s_as_ordinary"] or 0,
                general_days_sum=Decimal(row["s_days"] or 0),
                general_closed=row["s_closed"] or 0,
            )
        )
    if group == "category":  # the seed report's order of the seven, not the codes' alphabet
        result.sort(key=lambda row: CATEGORY_ORDER.get(row.key, len(CATEGORY_ORDER)))
    return result


def figures_total(rows: Sequence[FigureRow], *, label: str = "合計") -> FigureRow:
    total = FigureRow(key=None, label=label)
    for row in rows:
        total.add(row)
    return total


def figures_ranking(rows: Sequence[FigureRow]) -> list[FigureRow]:
    """Agencies from the best on-time rate down (ties: fewer overdue first); those with nothing closed last."""
    return sorted(
        rows, key=lambda row: (row.on_time_rate is None, -(row.on_time_rate or 0), row.overdue, row.label)
    )


def audited_on_latest(*, user: Any) -> date | None:
    """The latest date statuses were judged on, within the user's scope (the figures' 統計基準日)."""
    scope = timeliness_scope_for_user(user=user) or ""
    found: date | None = _scoped(Figure.objects.all(), scope=scope).aggregate(latest=Max("audited_on"))[
        "latest"
    ]
    return found


# --- imports and samples ---------------------------------------------------------------------------


def import_batch_list(*, user: Any) -> QuerySet[ImportBatch]:
    scope = timeliness_scope_for_user(user=user)
    batches = ImportBatch.objects.select_related("profile", "uploaded_by")
    if scope:
        batches = batches.filter(uploaded_by__agency=user.agency)
    return batches


def import_batch_get(*, user: Any, pk: int) -> ImportBatch:
    batch = import_batch_list(user=user).filter(pk=pk).first()
    if batch is None:
        raise NotFoundError("找不到這次匯入，或您沒有查看的權限。")
    return batch


def sample_list_for_user(*, user: Any) -> QuerySet[Sample]:
    scope = timeliness_scope_for_user(user=user) or ""
    return _scoped(Sample.objects.select_related("agency", "created_by"), scope=scope)


def sample_get(*, user: Any, pk: int) -> tuple[Sample, list[SampleItem]]:
    sample = sample_list_for_user(user=user).filter(pk=pk).first()
    if sample is None:
        raise NotFoundError("找不到這次抽查，或您沒有查看的權限。")
    items = list(sample.items.select_related("document", "checked_by").order_by("position"))
    return sample, items
