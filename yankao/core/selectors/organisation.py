"""Counts over the city's organisation tree (機關) for statistics and the council report."""

from django.db.models import Count

from yankao.core.models import Agency


def agency_count_by_kind(*, active_only: bool = True) -> dict[str, int]:
    """The number of agencies of each kind, every kind present (zero where there is none)."""
    queryset = Agency.objects.all()
    if active_only:
        queryset = queryset.filter(is_active=True)
    rows = queryset.order_by().values("kind").annotate(n=Count("id"))
    counts = {row["kind"]: row["n"] for row in rows}
    return {kind: counts.get(kind, 0) for kind in Agency.Kind.values}


def agency_names_by_kind(*, kind: str, active_only: bool = True) -> list[str]:
    """The short names of the agencies of one kind, in the tree's order."""
    queryset = Agency.objects.filter(kind=kind)
    if active_only:
        queryset = queryset.filter(is_active=True)
    return [
        agency.display_short_name
        for agency in queryset.order_by("sort_order", "path").only("name", "short_name")
    ]
