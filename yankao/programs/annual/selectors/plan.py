"""Reads of the annual plan: rounds, items as each user may see them, and the compiled plan's content."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet

from yankao.core.exceptions import NotFoundError, PermissionDeniedError
from yankao.core.models import Agency
from yankao.core.permissions import is_staff_member
from yankao.programs.annual.models import PlanItem, PlanRound
from yankao.programs.annual.permissions import AGENCY_ROLES, can_view_agency_records, reads_all


def plan_rounds_list() -> QuerySet[PlanRound]:
    return PlanRound.objects.order_by("-year")


def plan_round_get(*, year: int) -> PlanRound:
    try:
        return PlanRound.objects.get(year=year)
    except PlanRound.DoesNotExist:
        raise NotFoundError(f"沒有{year - 1911}年度的施政計畫先期作業。") from None


def plan_items_visible(
    *, user: Any, plan_round: PlanRound, status: str = "", agency: Agency | None = None
) -> QuerySet[PlanItem]:
    """The round's items the user may see: every agency's for the RDEC and auditors, else their own."""
    items = PlanItem.objects.filter(plan_round=plan_round).select_related("agency")
    if reads_all(user):
        pass
    elif is_staff_member(user) and user.role in AGENCY_ROLES and user.agency_id is not None:
        scope = user.agency.path
        items = items.filter(Q(agency__path=scope) | Q(agency__path__startswith=scope + "/"))
    else:
        return items.none()
    if status:
        items = items.filter(status=status)
    if agency is not None:
        items = items.filter(agency=agency)
    return items.order_by("agency__sort_order", "agency__path", "sequence", "id")


def plan_item_get(*, user: Any, item_id: int) -> PlanItem:
    try:
        item = PlanItem.objects.select_related("plan_round", "agency", "created_by").get(pk=item_id)
    except PlanItem.DoesNotExist:
        raise NotFoundError("找不到這個施政計畫項目。") from None
    if not can_view_agency_records(user, item.agency):
        # Not found rather than forbidden: another agency's drafts are not even acknowledged.
        raise NotFoundError("找不到這個施政計畫項目。")
    return item


@dataclass(frozen=True)
class RoundCounts:
    agency: Agency
    draft: int
    submitted: int
    returned: int
    accepted: int


def plan_round_counts(*, user: Any, plan_round: PlanRound) -> list[RoundCounts]:
    """Per agency, how many items stand in each state: the RDEC's view of who has submitted."""
    if not reads_all(user):
        raise PermissionDeniedError("只有研考會同仁與稽核人員可以檢視各機關提報情形。")
    rows = (
        PlanItem.objects.filter(plan_round=plan_round)
        .values("agency")
        .annotate(
            draft=Count("id", filter=Q(status=PlanItem.Status.DRAFT)),
            submitted=Count("id", filter=Q(status=PlanItem.Status.SUBMITTED)),
            returned=Count("id", filter=Q(status=PlanItem.Status.RETURNED)),
            accepted=Count("id", filter=Q(status=PlanItem.Status.ACCEPTED)),
        )
    )
    agencies = {a.pk: a for a in Agency.objects.filter(pk__in=[row["agency"] for row in rows])}
    counts = [
        RoundCounts(
            agency=agencies[row["agency"]],
            draft=row["draft"],
            submitted=row["submitted"],
            returned=row["returned"],
            accepted=row["accepted"],
        )
        for row in rows
    ]
    return sorted(counts, key=lambda c: (c.agency.sort_order, c.agency.path))


@dataclass(frozen=True)
class PlanSectionItem:
    title: str
    goal: str
    content: str
    indicators: str
    budget_thousands: Decimal


@dataclass(frozen=True)
class PlanSection:
    """One agency's chapter of the plan."""

    agency_name: str
    items: tuple[PlanSectionItem, ...]

    @property
    def budget_thousands(self) -> Decimal:
        return sum((item.budget_thousands for item in self.items), Decimal(0))


@dataclass(frozen=True)
class PlanContent:
    plan_round: PlanRound
    sections: tuple[PlanSection, ...]
    is_approved: bool

    @property
    def item_count(self) -> int:
        return sum(len(section.items) for section in self.sections)

    @property
    def budget_thousands(self) -> Decimal:
        return sum((section.budget_thousands for section in self.sections), Decimal(0))


def plan_content(*, plan_round: PlanRound) -> PlanContent:
    """The accepted items grouped by agency, in the agencies' order (Agency.sort_order, then the tree).

    One query: the whole city's plan is a few thousand rows at most.
    """
    rows = (
        PlanItem.objects.filter(plan_round=plan_round, status=PlanItem.Status.ACCEPTED)
        .order_by("agency__sort_order", "agency__path", "sequence", "id")
        .values_list(
            "agency_id", "agency__name", "title", "goal", "content", "indicators", "budget_thousands"
        )
    )
    sections: list[PlanSection] = []
    current: int | None = None
    name = ""
    items: list[PlanSectionItem] = []
    for agency_id, agency_name, title, goal, content, indicators, budget in rows:
        if agency_id != current:
            if current is not None:
                sections.append(PlanSection(agency_name=name, items=tuple(items)))
            current, name, items = agency_id, agency_name, []
        items.append(
            PlanSectionItem(
                title=title, goal=goal, content=content, indicators=indicators, budget_thousands=budget
            )
        )
    if current is not None:
        sections.append(PlanSection(agency_name=name, items=tuple(items)))
    return PlanContent(
        plan_round=plan_round,
        sections=tuple(sections),
        is_approved=plan_round.status == PlanRound.Status.APPROVED,
    )
