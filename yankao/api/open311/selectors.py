"""What the public Open311 endpoint may read of the cases, as plain rows.

Only cases of the public categories (dispatch work); never a case that moved to another module
(transferred: the bullying module), never one whose petitioner asked for confidentiality, never
a bullying case. Texts pass through `public_text` first. The list reads one page of rows with
`values()` over the received_at index: no model instances, no per-row queries.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import ExpressionWrapper, F, IntegerField, Q, QuerySet
from django.db.models.lookups import In
from django.utils import timezone

from yankao.cases.models import Case, CaseEvent
from yankao.cases.workflow import OPEN_STATES, State
from yankao.servicedesk.duplicates import public_text

# Kinds that never appear, whatever their category.
HIDDEN_KINDS = ("bullying",)
STATUS_NOTES = {
    State.RECEIVED: "已收件",
    State.ASSIGNED: "已分派主管機關",
    State.IN_PROGRESS: "處理中",
    State.WAITING_CITIZEN: "待補正資料",
    State.REPLIED: "已答復",
    State.CLOSED: "已結案",
    State.NOT_PROCESSED: "不予處理（存查）",
    State.MERGED: "已併案處理",
}
REQUEST_FIELDS = (
    "id",
    "number",
    "state",
    "category__code",
    "category__name",
    "agency__name",
    "description",
    "location_text",
    "latitude",
    "longitude",
    "received_at",
    "updated_at",
    "due_on",
    "petitioner_name_masked",
    "merged_into__number",
)


@dataclass(frozen=True)
class RequestFilters:
    numbers: tuple[str, ...] = ()
    category_ids: tuple[int, ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    statuses: tuple[str, ...] = ()  # "open", "closed"


def _category_in(field: str, category_ids: tuple[int, ...]) -> In:
    """`field + 0 IN (...)`: through category_id's index the database would gather every public
    case of all time and sort them; walking the received_at (or occurred_at) index from the newest
    instead, it stops at the first page. There is no (category, received_at) index to do both."""
    return In(ExpressionWrapper(F(field) + 0, output_field=IntegerField()), list(category_ids))


def _public(prefix: str = "") -> Q:
    return (
        Q(**{f"{prefix}wants_confidentiality": False, f"{prefix}transferred_to_kind": ""})
        & ~Q(**{f"{prefix}state": State.TRANSFERRED})
        & ~Q(**{f"{prefix}kind__in": HIDDEN_KINDS})
    )


def public_cases(*, category_ids: tuple[int, ...]) -> QuerySet[Case]:
    return Case.objects.filter(_category_in("category_id", category_ids)).filter(_public())


def requests_list(
    *, filters: RequestFilters, public_category_ids: tuple[int, ...], limit: int
) -> list[dict[str, Any]]:
    """Public service requests, newest first: numbers override the other filters (the standard)."""
    queryset = Case.objects.filter(_public())
    if filters.numbers:
        queryset = queryset.filter(number__in=filters.numbers, category_id__in=public_category_ids)
    else:
        if filters.category_ids:
            # One or a few services asked for: their own index is the shorter walk.
            allowed = tuple(pk for pk in filters.category_ids if pk in public_category_ids)
            queryset = queryset.filter(category_id__in=allowed)
        else:
            queryset = queryset.filter(_category_in("category_id", public_category_ids))
        if filters.start is not None:
            queryset = queryset.filter(received_at__gte=filters.start)
        if filters.end is not None:
            queryset = queryset.filter(received_at__lte=filters.end)
        if set(filters.statuses) == {"open"}:
            queryset = queryset.filter(is_open=True)
        elif set(filters.statuses) == {"closed"}:
            queryset = queryset.filter(is_open=False)
    rows = list(queryset.order_by("-received_at", "-id").values(*REQUEST_FIELDS)[:limit])
    return [_request_row(row) for row in rows]


def _request_row(row: dict[str, Any]) -> dict[str, Any]:
    state = row["state"]
    notes = STATUS_NOTES.get(state, "")
    if state == State.MERGED and row["merged_into__number"]:
        notes = f"已併入 {row['merged_into__number']} 處理"
    # The petitioner's own name is taken out wherever the petitioner wrote it, found through its
    # mask (王○明): nothing is decrypted for a public page.
    names = (row["petitioner_name_masked"],)
    return {
        "service_request_id": row["number"],
        "status": "open" if state in OPEN_STATES else "closed",
        "status_notes": notes,
        "service_name": row["category__name"],
        "service_code": row["category__code"],
        "description": public_text(row["description"], masked_names=names),
        "agency_responsible": row["agency__name"],
        "service_notice": "",
        "requested_datetime": _w3c(row["received_at"]),
        "updated_datetime": _w3c(row["updated_at"]),
        "expected_datetime": row["due_on"].isoformat() + "T17:00:00+08:00" if row["due_on"] else "",
        "address": public_text(row["location_text"], masked_names=names),
        "address_id": "",
        "zipcode": "",
        "lat": float(row["latitude"]) if row["latitude"] is not None else "",
        "long": float(row["longitude"]) if row["longitude"] is not None else "",
        "media_url": "",
    }


def updates_list(
    *,
    public_category_ids: tuple[int, ...],
    start: datetime | None,
    end: datetime | None,
    numbers: tuple[str, ...] = (),
    limit: int,
) -> list[dict[str, Any]]:
    """The public timeline lines of the public cases (the servicerequestupdates extension)."""
    events = (
        CaseEvent.objects.filter(public=True)
        .filter(_category_in("case__category_id", public_category_ids))
        .filter(_public("case__"))
    )
    if numbers:
        events = events.filter(case__number__in=numbers)
    if start is not None:
        events = events.filter(occurred_at__gte=start)
    if end is not None:
        events = events.filter(occurred_at__lte=end)
    rows = events.order_by("-occurred_at", "-id").values(
        "id", "case__number", "to_state", "case__state", "occurred_at", "note"
    )[:limit]
    return [
        {
            "update_id": str(row["id"]),
            "service_request_id": row["case__number"],
            "status": "open" if (row["to_state"] or row["case__state"]) in OPEN_STATES else "closed",
            "updated_datetime": _w3c(row["occurred_at"]),
            "description": public_text(row["note"]),
            "media_url": "",
        }
        for row in rows
    ]


def _w3c(value: datetime) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds")
