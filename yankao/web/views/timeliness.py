"""The console pages of the timeliness audit (公文時效): dashboard, drill-down, imports, samples, exports.

Thin: the selectors decide scope (RDEC, inspectors and auditors see the city; a liaison or
officer their agency's subtree) and the services decide who may import or sample.
"""

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from yankao.core.exceptions import ApplicationError, NotFoundError, PermissionDeniedError
from yankao.core.models import Agency
from yankao.core.report_registry import Chart, ChartKind, ChartSeries
from yankao.core.roc_dates import FORMATS_HINT, roc_date_format, roc_date_format_short, roc_date_parse
from yankao.core.services.audit import audit_record
from yankao.core.spreadsheets import Column, SpreadsheetError, workbook_build
from yankao.core.working_days import taiwan_date
from yankao.reports.renderers.svg import chart_svg
from yankao.timeliness.importing import errors_csv
from yankao.timeliness.models import Category, Figure, MappingProfile, SampleItem, Status
from yankao.timeliness.report_sections import METHOD, PETITION_LABEL, PETITION_NOTE
from yankao.timeliness.selectors import (
    DocumentFilter,
    FigureRow,
    audited_on_latest,
    document_get,
    document_page,
    figures_by,
    figures_ranking,
    figures_total,
    import_batch_get,
    import_batch_list,
    sample_get,
    sample_list_for_user,
    timeliness_scope_for_user,
)
from yankao.timeliness.services import register_import, sample_draw, sample_item_record
from yankao.web.downloads import xlsx_download

STATUS_LABELS = dict(Status.choices)


def _scope(request: HttpRequest) -> str:
    try:
        return timeliness_scope_for_user(user=request.user) or ""
    except PermissionDeniedError as error:
        raise PermissionDenied(error.message) from error


class PeriodForm(forms.Form):
    date_from = forms.CharField(label=_("收文日起"), required=False, help_text=FORMATS_HINT)
    date_to = forms.CharField(label=_("收文日迄"), required=False)


def _default_period() -> tuple[date, date]:
    latest = Figure.objects.order_by("-month").values_list("month", flat=True).first()
    year = latest.year if latest else taiwan_date(timezone.now()).year
    return date(year, 1, 1), date(year, 12, 31)


def _period(data: Any) -> tuple[date, date]:
    first, last = _default_period()
    if data.get("date_from"):
        first = roc_date_parse(str(data["date_from"]))
    if data.get("date_to"):
        last = roc_date_parse(str(data["date_to"]))
    if first > last:
        raise ApplicationError("收文日起日晚於迄日。")
    return first, last


def _drill(filters: DocumentFilter) -> str:
    return reverse("web:timeliness_documents") + "?" + urlencode(filters.as_query())


def _row_view(row: FigureRow, *, base: DocumentFilter, **filter_changes: Any) -> dict[str, Any]:
    filters = DocumentFilter(**{**base.__dict__, **filter_changes})
    overdue = DocumentFilter(**{**filters.__dict__, "status": "overdue"})
    extended = DocumentFilter(**{**filters.__dict__, "extended": True})
    return {
        "label": PETITION_LABEL
        if row.key == Category.PETITION and "category" in filter_changes
        else row.label,
        "row": row,
        "url": _drill(filters),
        "overdue_url": _drill(overdue),
        "extended_url": _drill(extended),
    }


@login_required
def timeliness_dashboard(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    form = PeriodForm(request.GET or None)
    context: dict[str, Any] = {"form": form, "scope_is_city": scope == ""}
    try:
        first, last = _period(request.GET)
    except ApplicationError as error:
        form.add_error(None, error.message)
        return render(request, "web/timeliness/dashboard.html", context, status=400)
    base = DocumentFilter(date_from=first, date_to=last)
    user = request.user
    by_category = figures_by(user=user, group="category", date_from=first, date_to=last)
    by_month = figures_by(user=user, group="month", date_from=first, date_to=last)
    total = figures_total(by_category)
    if scope == "":
        by_agency = figures_ranking(figures_by(user=user, group="agency", date_from=first, date_to=last))
        groups = [_row_view(row, base=base, agency_id=row.key) for row in by_agency]
        group_title = gettext("各機關排名（依限辦結率）")
    else:
        by_unit = figures_ranking(figures_by(user=user, group="unit", date_from=first, date_to=last))
        groups = [_row_view(row, base=base, unit=row.key) for row in by_unit]
        group_title = gettext("各單位排名（依限辦結率）")
    chart = Chart(
        title=gettext("每月依限辦結率"),
        kind=ChartKind.LINE,
        categories=tuple(row.label for row in by_month),
        series=(ChartSeries(gettext("依限辦結率"), tuple(float(row.on_time_rate or 0) for row in by_month)),),
        unit="%",
    )
    context.update(
        {
            "first": first,
            "last": last,
            "period_label": f"{roc_date_format(first)}至{roc_date_format(last)}",
            "total": total,
            "total_url": _drill(base),
            "total_overdue_url": _drill(DocumentFilter(**{**base.__dict__, "status": "overdue"})),
            "categories": [_row_view(row, base=base, category=row.key) for row in by_category],
            "months": [_row_view(row, base=base, month=row.key) for row in by_month],
            "groups": groups,
            "group_title": group_title,
            "chart_svg": chart_svg(chart=chart) if by_month else "",
            "method": METHOD,
            "petition_note": PETITION_NOTE,
            "audited_on": audited_on_latest(user=user),
            "export_url": reverse("web:timeliness_export") + "?" + urlencode(base.as_query()),
        }
    )
    return render(request, "web/timeliness/dashboard.html", context)


def _filters(data: Any) -> DocumentFilter:
    first, last = _period(data)
    month = None
    if data.get("month"):
        try:
            year, number = (int(part) for part in str(data["month"]).split("-"))
            month = date(year, number, 1)
        except ValueError as error:
            raise ApplicationError("月份格式應為 2023-05。") from error
    category = data.get("category") or None
    if category and category not in Category.values:
        raise ApplicationError("類別不正確。")
    status = data.get("status") or None
    if status and status not in [*Status.values, "overdue"]:
        raise ApplicationError("時效狀態不正確。")
    agency = data.get("agency") or None
    return DocumentFilter(
        date_from=first,
        date_to=last,
        agency_id=int(agency) if agency and str(agency).isdigit() else None,
        unit=data.get("unit") if "unit" in data else None,
        category=category,
        month=month,
        status=status,
        extended=data.get("extended") == "1",
    )


@login_required
def timeliness_documents(request: HttpRequest) -> HttpResponse:
    _scope(request)
    try:
        filters = _filters(request.GET)
        after = request.GET.get("after")
        documents, next_key = document_page(
            user=request.user, filters=filters, after=int(after) if after and after.isdigit() else None
        )
    except ApplicationError as error:
        return render(request, "web/timeliness/documents.html", {"error": error.message}, status=400)
    agency_name = (
        Agency.objects.filter(pk=filters.agency_id).values_list("name", flat=True).first()
        if filters.agency_id is not None
        else None
    )
    described = [f"{roc_date_format(filters.date_from)}至{roc_date_format(filters.date_to)}"]
    if agency_name:
        described.append(agency_name)
    if filters.unit is not None:
        described.append(filters.unit or gettext("（未填單位）"))
    if filters.category:
        described.append(str(Category(filters.category).label))
    if filters.month:
        described.append(f"{filters.month.year - 1911}/{filters.month.month:02d}")
    if filters.status:
        described.append(
            gettext("逾期（含逾期未結）")
            if filters.status == "overdue"
            else str(STATUS_LABELS[filters.status])
        )
    if filters.extended:
        described.append(gettext("有展期"))
    next_url = None
    if next_key is not None:
        next_url = (
            reverse("web:timeliness_documents") + "?" + urlencode({**filters.as_query(), "after": next_key})
        )
    return render(
        request,
        "web/timeliness/documents.html",
        {"documents": documents, "described": "、".join(described), "next_url": next_url},
    )


@login_required
def timeliness_document(request: HttpRequest, pk: int) -> HttpResponse:
    _scope(request)
    try:
        document = document_get(user=request.user, pk=pk)
    except NotFoundError as error:
        raise Http404(error.message) from error
    return render(request, "web/timeliness/document.html", {"document": document})


# --- imports ---------------------------------------------------------------------------------------


class ImportForm(forms.Form):
    profile = forms.ModelChoiceField(
        label=_("欄位對應設定"), queryset=MappingProfile.objects.filter(is_active=True), empty_label=None
    )
    file = forms.FileField(label=_("公文登記檔"), help_text=_("CSV（UTF-8 或 Big5）或 Excel（.xlsx）"))


@login_required
@require_http_methods(["GET", "POST"])
def timeliness_imports(request: HttpRequest) -> HttpResponse:
    _scope(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            outcome = register_import(
                actor=request.user,
                profile=form.cleaned_data["profile"],
                file=upload.file,
                filename=upload.name,
            )
        except PermissionDeniedError as error:
            raise PermissionDenied(error.message) from error
        except (SpreadsheetError, ApplicationError) as error:
            form.add_error("file", error.message)
        else:
            batch = outcome.batch
            if outcome.succeeded:
                messages.success(
                    request,
                    gettext("匯入完成：新增 %(new)s 筆、更新 %(updated)s 筆、未變動 %(unchanged)s 筆。")
                    % {
                        "new": batch.new_count,
                        "updated": batch.updated_count,
                        "unchanged": batch.unchanged_count,
                    },
                )
            else:
                messages.error(
                    request,
                    gettext("檔案有 %(count)s 個錯誤，全部未匯入。請修正後重新上傳。")
                    % {"count": batch.error_count},
                )
            return redirect("web:timeliness_import", pk=batch.pk)
    batches = list(import_batch_list(user=request.user)[:30])
    status = 400 if request.method == "POST" else 200
    return render(request, "web/timeliness/imports.html", {"form": form, "batches": batches}, status=status)


@login_required
def timeliness_import(request: HttpRequest, pk: int) -> HttpResponse:
    _scope(request)
    try:
        batch = import_batch_get(user=request.user, pk=pk)
    except NotFoundError as error:
        raise Http404(error.message) from error
    return render(request, "web/timeliness/import.html", {"batch": batch, "shown_errors": batch.errors[:500]})


@login_required
def timeliness_import_errors(request: HttpRequest, pk: int) -> HttpResponse:
    _scope(request)
    try:
        batch = import_batch_get(user=request.user, pk=pk)
    except NotFoundError as error:
        raise Http404(error.message) from error
    response = HttpResponse(errors_csv(batch.errors), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{batch.pk}-errors.csv"'
    return response


# --- export ---------------------------------------------------------------------------------------


FIGURE_COLUMNS = (
    Column("名稱", 28), Column("件數", 10), Column("依限辦結", 10), Column("逾限辦結", 10), Column("逾期未結", 10),
    Column("未結（未逾期）", 12), Column("逾期件數", 10), Column("依限辦結率（%）", 14),
    Column("依展期後期限之依限辦結率（%）", 18), Column("平均發文使用日數（一般公文）", 18), Column("展期件數", 10),
)  # fmt: skip


def _figure_cells(row: FigureRow, label: str) -> list[Any]:
    return [
        label, row.total, row.on_time, row.late, row.open_overdue, row.open, row.overdue,
        row.on_time_rate, row.on_time_rate_extended, row.average_days_used, row.extended,
    ]  # fmt: skip


@login_required
def timeliness_export(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    try:
        first, last = _period(request.GET)
    except ApplicationError as error:
        return HttpResponse(error.message, status=400, content_type="text/plain; charset=utf-8")
    user = request.user
    sheets = []
    for title, group in (
        ("依類別", "category"),
        ("依月份", "month"),
        ("依機關" if scope == "" else "依單位", "agency" if scope == "" else "unit"),
    ):
        rows = figures_by(user=user, group=group, date_from=first, date_to=last)  # type: ignore[arg-type]
        if group in ("agency", "unit"):
            rows = figures_ranking(rows)
        labelled = [
            _figure_cells(
                row, PETITION_LABEL if group == "category" and row.key == Category.PETITION else row.label
            )
            for row in rows
        ]
        sheets.append((title, FIGURE_COLUMNS, labelled))
    data = workbook_build(
        sheets=sheets,
        notes=[
            f"公文時效查核：收文日 {roc_date_format(first)} 至 {roc_date_format(last)}（依收文月份）。",
            METHOD,
            PETITION_NOTE,
        ],
    )
    audit_record(
        action="export",
        target_type="timeliness.figure",
        detail={"from": first.isoformat(), "to": last.isoformat()},
    )
    return xlsx_download(
        data=data, filename=f"timeliness-{roc_date_format_short(first).replace('/', '')}.xlsx"
    )


# --- samples --------------------------------------------------------------------------------------


class SampleForm(forms.Form):
    agency = forms.ModelChoiceField(label=_("機關"), queryset=Agency.objects.filter(is_active=True))
    date_from = forms.CharField(label=_("收文日起"), help_text=FORMATS_HINT)
    date_to = forms.CharField(label=_("收文日迄"))
    seed = forms.IntegerField(
        label=_("亂數種子"), min_value=0, help_text=_("相同種子抽出相同公文，可供覆核。")
    )
    size = forms.IntegerField(
        label=_("抽樣件數"), min_value=1, max_value=500, required=False, help_text=_("空白時依規則預設。")
    )


@login_required
@require_http_methods(["GET", "POST"])
def timeliness_samples(request: HttpRequest) -> HttpResponse:
    _scope(request)
    form = SampleForm(request.POST or None, initial={"seed": int(timezone.now().strftime("%Y%m%d"))})
    if request.method == "POST" and form.is_valid():
        try:
            sample = sample_draw(
                actor=request.user,
                agency=form.cleaned_data["agency"],
                date_from=roc_date_parse(form.cleaned_data["date_from"]),
                date_to=roc_date_parse(form.cleaned_data["date_to"]),
                seed=form.cleaned_data["seed"],
                size=form.cleaned_data["size"],
            )
        except PermissionDeniedError as error:
            raise PermissionDenied(error.message) from error
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            return redirect("web:timeliness_sample", pk=sample.pk)
    samples = list(sample_list_for_user(user=request.user)[:50])
    return render(
        request,
        "web/timeliness/samples.html",
        {"form": form, "samples": samples},
        status=400 if form.errors else 200,
    )


@login_required
def timeliness_sample(request: HttpRequest, pk: int) -> HttpResponse:
    _scope(request)
    try:
        sample, items = sample_get(user=request.user, pk=pk)
    except NotFoundError as error:
        raise Http404(error.message) from error
    return render(
        request,
        "web/timeliness/sample.html",
        {"sample": sample, "items": items, "findings": SampleItem.Finding.choices},
    )


@login_required
@require_POST
def timeliness_sample_item(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    _scope(request)
    try:
        sample, items = sample_get(user=request.user, pk=pk)
        item = next((item for item in items if item.pk == item_pk), None)
        if item is None:
            raise NotFoundError("找不到這筆抽查項目。")
        version = int(request.POST.get("version", "0") or 0)
        sample_item_record(
            actor=request.user,
            item=item,
            version=version,
            finding=request.POST.get("finding", ""),
            note=request.POST.get("note", ""),
            follow_up=request.POST.get("follow_up", ""),
            resolved=request.POST.get("resolved") == "1",
        )
    except NotFoundError as error:
        raise Http404(error.message) from error
    except PermissionDeniedError as error:
        raise PermissionDenied(error.message) from error
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, gettext("已記錄第 %(position)s 件的查核結果。") % {"position": item.position}
        )
    return redirect("web:timeliness_sample", pk=sample.pk)
