"""The rows of the agency inbox, read as plain values and rendered once per case version.

The inbox is the page officers keep open all day. Building 50 Case instances with their
category, agency and officer cost about as much as the rest of the request together, and 50
`{% cache %}` tags cost a key computation and a cache call each (make bench, servicedesk.inbox).
Here a page reads plain rows (`cases.inbox_query`), fetches all its cached rows in one `get_many`,
and renders only the rows whose case changed since they were cached.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.cache import caches
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from yankao.cases.models import Channel
from yankao.cases.selectors import due_soon_horizon, due_status_of
from yankao.cases.workflow import State

ROW_CACHE_SECONDS = 600
ROW_TEMPLATE = "web/cases/_inbox_row.html"


@dataclass(frozen=True)
class InboxRow:
    id: int
    number: str
    version: int
    subject: str
    state: str
    state_label: str
    channel_label: str
    category: str
    agency: str
    officer: str  # "" when nobody has taken the case
    received_at: datetime
    due_on: date
    petitioner: str
    due_status: str  # overdue, due_soon, paused, on_time, closed
    days_left: int
    days_late: int


def inbox_rows_from_values(*, items: Sequence[dict[str, Any]], today: date) -> list[InboxRow]:
    horizon = due_soon_horizon(today=today)
    # Labels are lazy translations: turn each into text once per page, not once per row.
    state_labels = {value: str(label) for value, label in State.choices}
    channel_labels = {value: str(label) for value, label in Channel.choices}
    rows = []
    for item in items:
        due_on = item["due_on"]
        rows.append(
            InboxRow(
                id=item["id"],
                number=item["number"],
                version=item["version"],
                subject=item["subject"],
                state=item["state"],
                state_label=state_labels[item["state"]],
                channel_label=channel_labels[item["channel"]],
                category=item["category__name"],
                agency=item["agency__short_name"] or item["agency__name"],
                officer=(item["officer__display_name"] or item["officer__username"] or "")
                if item["officer_id"]
                else "",
                received_at=item["received_at"],
                due_on=due_on,
                petitioner=item["petitioner_name_masked"],
                due_status=due_status_of(state=item["state"], due_on=due_on, today=today, horizon=horizon),
                days_left=(due_on - today).days,
                days_late=(today - due_on).days,
            )
        )
    return rows


def inbox_rows_render(
    *, items: Sequence[dict[str, Any]], today: date, show_agency: bool
) -> tuple[list[InboxRow], SafeString]:
    """The page's rows and their HTML; a row is re-rendered only when its case or the day changed."""
    rows = inbox_rows_from_values(items=items, today=today)
    if not rows:
        return rows, mark_safe("")
    cache = caches["local"]
    language = get_language() or ""
    keys = {
        row.id: f"inbox-row:{language}:{int(show_agency)}:{today.isoformat()}:{row.id}:{row.version}:"
        f"{items[index]['updated_at'].isoformat()}"
        for index, row in enumerate(rows)
    }
    cached: dict[str, str] = cache.get_many(list(keys.values()))
    missing = {}
    template = None
    parts = []
    for row in rows:
        key = keys[row.id]
        html = cached.get(key)
        if html is None:
            template = template or get_template(ROW_TEMPLATE)
            html = template.render({"row": row, "show_agency": show_agency})
            missing[key] = html
        parts.append(html)
    if missing:
        cache.set_many(missing, ROW_CACHE_SECONDS)
    # Each part was rendered by the row template with autoescaping on.
    return rows, mark_safe("".join(parts))  # noqa: S308
