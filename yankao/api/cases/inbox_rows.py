"""The JSON inbox's rows, encoded once per case version, day and language.

Staff clients poll the inbox all day, and a page's rows seldom change between two polls. Building
and encoding 50 nested rows cost more than the query that reads them (make bench,
servicedesk.inbox_api; ADR 0018), so each row's JSON is kept in this process and reused while its
case, the day, the language and the time zone stay the same. Names that can change without touching
the case (a renamed agency or category, an officer's name) are reread at least every
`ROW_MAX_AGE_SECONDS`, as in the HTML inbox's row cache (`yankao.web.inbox_rows`).
"""

import json
import time
from collections.abc import Sequence
from datetime import date
from typing import Any

from django.utils import timezone
from django.utils.translation import get_language

from yankao.cases.selectors import due_soon_horizon, due_status_of
from yankao.cases.workflow import State

ROW_MAX_AGE_SECONDS = 600
# About 20 MB at 400 bytes a row; when full the cache starts over rather than tracking use.
ROWS_KEPT_MAX = 50_000

_ROWS: dict[tuple[Any, ...], bytes] = {}
_STATE_LABELS: dict[str, dict[str, str]] = {}
_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _encode(value: Any) -> bytes:
    # As DRF's JSONRenderer writes (UNICODE_JSON, COMPACT_JSON, STRICT_JSON), down to the escaped line
    # separators that would end a JavaScript string.
    return _encoder.encode(value).replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").encode()


def inbox_json(*, items: Sequence[dict[str, Any]], next_cursor: str | None, today: date) -> bytes:
    """`{"results": [...], "next_cursor": ...}` for a page of `cases.inbox_query` rows."""
    language = get_language() or ""
    zone = timezone.get_current_timezone()
    # The period in the key retires every row at most ROW_MAX_AGE_SECONDS after it was encoded.
    context = (today, language, str(zone), int(time.time()) // ROW_MAX_AGE_SECONDS)
    parts = []
    labels = horizon = None
    for item in items:
        key = (item["id"], item["version"], item["updated_at"], context)
        encoded = _ROWS.get(key)
        if encoded is None:
            if labels is None:
                labels = _state_labels(language)
                horizon = due_soon_horizon(today=today)
            encoded = _encode(_row(item, labels=labels, today=today, horizon=horizon, zone=zone))
            if len(_ROWS) >= ROWS_KEPT_MAX:
                _ROWS.clear()
            _ROWS[key] = encoded
        parts.append(encoded)
    return b'{"results":[' + b",".join(parts) + b'],"next_cursor":' + _encode(next_cursor) + b"}"


def _row(
    item: dict[str, Any], *, labels: dict[str, str], today: date, horizon: Any, zone: Any
) -> dict[str, Any]:
    # The shape of CaseSummarySerializer (yankao.api.cases.views), key for key; a test holds them equal.
    return {
        "number": item["number"],
        "kind": item["kind"],
        "state": item["state"],
        "state_label": labels[item["state"]],
        "channel": item["channel"],
        "category": {"code": item["category__code"], "name": item["category__name"]},
        "agency": {"code": item["agency__code"], "name": item["agency__name"]},
        "officer": item["officer__username"],
        "subject": item["subject"],
        "received_at": item["received_at"].astimezone(zone).isoformat(),
        "due_on": item["due_on"].isoformat(),
        "due_status": due_status_of(state=item["state"], due_on=item["due_on"], today=today, horizon=horizon),
        "petitioner_name_masked": item["petitioner_name_masked"],
        "version": item["version"],
    }


def _state_labels(language: str) -> dict[str, str]:
    labels = _STATE_LABELS.get(language)
    if labels is None:
        labels = _STATE_LABELS[language] = {value: str(label) for value, label in State.choices}
    return labels
