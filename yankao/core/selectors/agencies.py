"""Reads of the city's organisation tree (機關).

Counts for statistics and the council report live in `yankao/core/selectors/organisation.py`.
"""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from yankao.core.exceptions import NotFoundError
from yankao.core.models import Agency
from yankao.core.permissions import is_city_wide, is_staff_member


def agency_list_for_user(*, user: Any) -> QuerySet[Agency]:
    """The active agencies within the user's scope, in tree order (none for a citizen)."""
    agencies = Agency.objects.filter(is_active=True).select_related("parent")
    if is_city_wide(user):
        return agencies
    if not is_staff_member(user) or user.agency_id is None:
        return agencies.none()
    scope = user.agency.path
    return agencies.filter(Q(path=scope) | Q(path__startswith=scope + "/"))


def agency_get(*, code: str) -> Agency:
    """The agency with this code; NotFoundError naming the code when there is none."""
    agency = Agency.objects.select_related("parent").filter(code=code).first()
    if agency is None:
        raise NotFoundError(f"找不到機關代碼「{code}」的機關。", extra={"agency_code": code})
    return agency


@dataclass
class AgencyNode:
    agency: Agency
    children: list["AgencyNode"] = field(default_factory=list)


def agency_tree() -> list[AgencyNode]:
    """The active agencies as a forest, children in their sort order, read in one query."""
    agencies = list(
        Agency.objects.filter(is_active=True).select_related("parent").order_by("sort_order", "path")
    )
    nodes = {agency.pk: AgencyNode(agency) for agency in agencies}
    roots: list[AgencyNode] = []
    for agency in agencies:
        parent = nodes.get(agency.parent_id) if agency.parent_id else None
        (parent.children if parent else roots).append(nodes[agency.pk])
    return roots


def agency_list_in_tree_order() -> list[tuple[Agency, int]]:
    """Every active agency with its depth (0 for the root), parents before their children."""
    rows: list[tuple[Agency, int]] = []

    def walk(nodes: list[AgencyNode], depth: int) -> None:
        for node in nodes:
            rows.append((node.agency, depth))
            walk(node.children, depth + 1)

    walk(agency_tree(), 0)
    return rows
