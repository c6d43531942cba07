"""Reads of the city's organisation tree (機關)."""

from django.db.models import Count

from yankao.core.models import Agency


def agency_count_by_kind(*, active_only: bool = True) -> dict[str, int]:
    """The number of agencies of each kind, every kind present (zero where there is none)."""
    queryset = Agency.objects.all()
    if active_only:
        queryset = queryset.filter(is_active=True)
    counts = dict(queryset.order_by().values_list("kind").annotate(n=Count("id")).values_list("kind", "n"))
    return {kind: counts.get(kind, 0) for kind in Agency.Kind.values}
