"""The staff side of the case engine: the agency inbox, its CSV export and bulk actions.

Thin over `yankao.cases`: the selectors decide what a user may see, the services what a user may
do. The inbox pages with a keyset cursor ("more"), never with a total count: on a million cases an
exact COUNT costs more than the page itself (reference/perf-anchors.md §2).
"""

import csv
from collections.abc import Iterator
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from yankao.cases.inbox_query import case_inbox_page
from yankao.cases.models import Case, Extension
from yankao.cases.permissions import can_handle_case
from yankao.cases.selectors import (
    case_due_status,
    case_get_for_user,
    case_list_for_user,
    case_scope,
    extension_list_pending_for_user,
    staff_alert_list_for_user,
)
from yankao.cases.services import case_accept, staff_alerts_mark_read
from yankao.core.exceptions import ApplicationError, NotFoundError, PermissionDeniedError
from yankao.core.models import AuditAction, Role
from yankao.core.permissions import is_city_wide
from yankao.core.roc_dates import roc_date_format_short
from yankao.core.services.audit import audit_record
from yankao.core.working_days import taiwan_date
from yankao.servicedesk.duplicates import duplicate_marks_for_cases
from yankao.web.forms.cases import BulkForm, InboxFilterForm
from yankao.web.inbox_rows import inbox_rows_render
from yankao.web.views.access import staff_required

PAGE_SIZE = 50
DUPLICATE_MARKS_MAX = 200  # a page and a few "more" pages
EXPORT_BATCH = 500
# An export is for a working list, not a data dump: the statistics pages and open data serve those.
EXPORT_MAX_ROWS = 20_000


@staff_required
@require_GET
def case_inbox(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = InboxFilterForm(request.GET)
    filters = form.selector_filters()
    after = request.GET.get("after") or None
    page = case_inbox_page(user=user, after=after, limit=PAGE_SIZE, **filters)
    show_agency = is_city_wide(user) or user.role == Role.LIAISON
    rows, rows_html = inbox_rows_render(
        items=page.items, today=taiwan_date(timezone.now()), show_agency=show_agency
    )
    context = {
        "form": form,
        "rows": rows,
        "rows_html": rows_html,
        "marks_query": urlencode([("number", row.number) for row in rows if row.due_status != "closed"]),
        "next_cursor": page.next_cursor,
        "after": after,
        "show_agency": show_agency,
        "can_bulk_accept": user.role in (Role.OFFICER, Role.LIAISON, Role.RDEC_STAFF, Role.RDEC_ADMIN),
        "pending_extensions": _pending_extensions(user) if user.role == Role.LIAISON and not after else [],
        "alerts": staff_alert_list_for_user(user=user) if not after else [],
        "filtered": any(request.GET.get(key) for key in form.fields),
    }
    # "More" loaded in place by htmx needs only the rows and the next link.
    template = "web/cases/_inbox_rows.html" if request.headers.get("HX-Target") == "case-more-row" else None
    return render(request, template or "web/cases/inbox.html", context)


@staff_required
@require_GET
def case_duplicate_marks(request: HttpRequest) -> HttpResponse:
    """Marks for the inbox rows whose cases probably repeat other open cases (htmx, out of band)."""
    user: Any = request.user
    numbers = request.GET.getlist("number")[:DUPLICATE_MARKS_MAX]
    ids = dict(case_scope(user=user).filter(number__in=numbers).values_list("id", "number"))
    marks = duplicate_marks_for_cases(case_ids=list(ids))
    return render(
        request,
        "web/cases/_duplicate_marks.html",
        {"marks": [(ids[case_id], count) for case_id, count in marks.items()]},
    )


@staff_required
@require_POST
def case_alerts_read(request: HttpRequest) -> HttpResponse:
    """Mark the person's reminders read (one, or all of them)."""
    alert_id = request.POST.get("alert")
    staff_alerts_mark_read(
        user=request.user, alert_ids=[int(alert_id)] if alert_id and alert_id.isdigit() else None
    )
    return redirect("web:case_inbox")


def _list(user: Any, *, filters: dict[str, Any], after: str | None, limit: int) -> Any:
    try:
        return case_list_for_user(user=user, after=after, limit=limit, **filters)
    except PermissionDeniedError as error:
        raise PermissionDenied(error.message) from error


def _pending_extensions(user: Any) -> list[Extension]:
    return extension_list_pending_for_user(user=user)[:5]


@staff_required  # type: ignore[arg-type]  # typed for HttpResponse; a stream passes through as it is
@require_GET
def case_export(request: HttpRequest) -> StreamingHttpResponse:
    """The inbox with its current filters as CSV (masked petitioner), audited as an export."""
    user: Any = request.user
    filters = InboxFilterForm(request.GET).selector_filters()
    _list(user, filters=filters, after=None, limit=1)  # refuse before the audit entry and the headers
    audit_record(
        action=AuditAction.EXPORT,
        target_type="cases.case",
        fields=["petitioner_name_masked"],
        detail={"what": "inbox", "filters": {k: str(v) for k, v in filters.items()}},
    )
    return _csv_response(_export_rows(user, filters), filename="cases")


def _export_rows(user: Any, filters: dict[str, Any]) -> Iterator[Case]:
    after: str | None = None
    sent = 0
    while sent < EXPORT_MAX_ROWS:
        page = _list(user, filters=filters, after=after, limit=EXPORT_BATCH)
        yield from page.items
        sent += len(page.items)
        if not page.next_cursor:
            return
        after = page.next_cursor


class _Echo:
    def write(self, value: str) -> str:
        return value


CSV_HEADER = [
    "案件編號",
    "狀態",
    "類別",
    "來源管道",
    "主管機關",
    "承辦人",
    "陳情人",
    "主旨",
    "收件日期",
    "處理期限",
    "期限狀態",
]
DUE_LABELS = {"overdue": "已逾期", "due_soon": "即將到期", "on_time": "期限內", "closed": "已結案"}


def _csv_response(cases: Iterator[Case], *, filename: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    today = timezone.localdate()

    def lines() -> Iterator[str]:
        # A byte-order mark: Excel, which most agencies open CSV with, otherwise guesses Big5.
        yield "\ufeff" + writer.writerow(CSV_HEADER)
        for case in cases:
            yield writer.writerow(
                [
                    case.number,
                    case.get_state_display(),
                    case.category.name,
                    case.get_channel_display(),
                    case.agency.name,
                    str(case.officer) if case.officer_id else "",
                    case.petitioner_name_masked,
                    _csv_safe(case.subject),
                    roc_date_format_short(timezone.localtime(case.received_at)),
                    roc_date_format_short(case.due_on),
                    DUE_LABELS.get(case_due_status(case=case, today=today), ""),
                ]
            )

    stamp = date.today().strftime("%Y%m%d")  # noqa: DTZ011 - a file name, local day is fine
    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}-{stamp}.csv"'
    return response


def _csv_safe(text: str) -> str:
    # A citizen's text starting with = + - @ would run as a formula in a spreadsheet (CSV injection).
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


@staff_required  # type: ignore[arg-type]  # an export answers with a stream
@require_POST
def case_bulk(request: HttpRequest) -> HttpResponseBase:
    """Accept or export the rows ticked in the inbox; each row carries the version it showed."""
    user: Any = request.user
    form = BulkForm(request.POST)
    back = request.POST.get("next") or ""
    back = back if back.startswith("/console/cases/") else "/console/cases/"
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(back)
    selected = [_number_and_version(value) for value in form.cleaned_data["numbers"]]
    cases = []
    for number, _version in selected:
        try:
            cases.append(case_get_for_user(user=user, number=number))
        except (NotFoundError, PermissionDeniedError) as error:
            raise Http404(error.message) from error
    if form.cleaned_data["action"] == "export":
        audit_record(
            action=AuditAction.EXPORT,
            target_type="cases.case",
            fields=["petitioner_name_masked"],
            detail={"what": "selected", "numbers": [case.number for case in cases]},
        )
        return _csv_response(iter(cases), filename="cases-selected")
    accepted, refused = [], []
    for case, (_number, version) in zip(cases, selected, strict=True):
        if not can_handle_case(user, case):
            refused.append(_("%(number)s：您沒有承辦此案的權限。") % {"number": case.number})
            continue
        try:
            case_accept(case=case, user=user, expected_version=version)
        except ApplicationError as error:
            refused.append(f"{case.number}：{error.message}")
        else:
            accepted.append(case.number)
    if accepted:
        messages.success(
            request,
            _("已承辦 %(count)d 件：%(numbers)s") % {"count": len(accepted), "numbers": "、".join(accepted)},
        )
    for line in refused:
        messages.error(request, line)
    return redirect(back)


def _number_and_version(value: str) -> tuple[str, int | None]:
    number, _sep, version = value.partition(":")
    return number, int(version) if version.isdigit() else None
