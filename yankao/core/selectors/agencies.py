"""Reads of the city's organisation tree (機關).

Counts for statistics and the council report live in `yankao/core/selectors/organisation.py`.
"""

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from yankao.core.exceptions import NotFoundError
from yankao.core.models import Agency
from yankao.core.permissions import is_city_wide, is_staff_member

# The tree changes a few times a year and scopes are read on every inbox page: every process keeps
# each agency's subtree in memory, reloaded after a local edit at once (signals) and after another
# process's edit within this many seconds.
RELOAD_SECONDS = 30.0


class _SubtreeCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subtrees: dict[int, tuple[int, ...]] | None = None
        self._loaded_at = 0.0

    def clear(self) -> None:
        with self._lock:
            self._subtrees = None

    def subtrees(self) -> dict[int, tuple[int, ...]]:
        subtrees = self._subtrees
        if subtrees is None or time.monotonic() - self._loaded_at > RELOAD_SECONDS:
            subtrees = self._load()
        return subtrees

    def _load(self) -> dict[int, tuple[int, ...]]:
        paths = dict(Agency.objects.values_list("pk", "path"))
        by_path = {path: pk for pk, path in paths.items()}
        members: dict[int, list[int]] = {pk: [] for pk in paths}
        for pk, path in paths.items():
            # Every ancestor on the path (and the agency itself) has this agency in its subtree.
            parts = path.split("/")
            for depth in range(1, len(parts) + 1):
                ancestor = by_path.get("/".join(parts[:depth]))
                if ancestor is not None:
                    members[ancestor].append(pk)
        loaded = {pk: tuple(sorted(ids)) for pk, ids in members.items()}
        with self._lock:
            self._subtrees = loaded
            self._loaded_at = time.monotonic()
        return loaded


subtree_cache = _SubtreeCache()


def agency_subtree_ids(*, agency_id: int) -> tuple[int, ...]:
    """The agency and every agency below it (active or not), by primary key; () if there is none."""
    return subtree_cache.subtrees().get(agency_id, ())


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
