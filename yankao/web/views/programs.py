"""The programs pages of the console (/console/programs/): dashboards, the exception list, programs,
monthly reports and their review, and the monthly workbook both ways.

RDEC staff see every agency; an agency's officers and liaisons their agency's programs only, and
another agency's program or report answers 404. Every form posts the version it showed.
"""

from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yankao.core.exceptions import ApplicationError, ConflictError, InvalidDateError, NotFoundError
from yankao.core.models import Agency
from yankao.core.roc_dates import roc_date_format, roc_date_format_short, roc_date_parse
from yankao.core.spreadsheets import SpreadsheetError
from yankao.core.working_days import taiwan_date
from yankao.programs import selectors, services
from yankao.programs.access import (
    can_file_report,
    can_review_reports,
    can_see_all_programs,
    can_use_programs,
)
from yankao.programs.caching import programs_generation
from yankao.programs.models import (
    Light,
    MilestoneStatus,
    MonthlyReport,
    Program,
    ProgressMethod,
    ReportState,
)
from yankao.programs.periods import month_add, month_first, month_label
from yankao.programs.services import BudgetSpec, MilestoneSpec, ReportFigures, ReportInvalidError
from yankao.programs.workbooks import (
    ImportRejectedError,
    program_list_workbook,
    reports_import,
    template_agency_check,
    template_build,
)
from yankao.web.downloads import xlsx_download
from yankao.web.views.access import staff_required
from yankao.web.views.programs_forms import (
    BudgetFormSet,
    MilestoneEditFormSet,
    MilestoneFormSet,
    ProgramEditForm,
    ProgramFilterForm,
    ProgramForm,
    ReportForm,
    ReviewForm,
    WorkbookTemplateForm,
    WorkbookUploadForm,
)

# The exception list is read top down, most serious first; a page holds what one sitting handles.
EXCEPTIONS_PAGE_SIZE = 100


def _today() -> date:
    return taiwan_date(timezone.now())


def _render(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    context.setdefault("is_rdec", can_review_reports(request.user))
    return render(request, template, context, status=status)


def _require_programs(request: HttpRequest) -> None:
    if not can_use_programs(request.user):
        raise PermissionDenied


def _agency_param(request: HttpRequest) -> Agency | None:
    """The ?agency= of RDEC pages; an agency user is always held to their own agency."""
    value = request.GET.get("agency", "")
    if not can_see_all_programs(request.user):
        return None
    if not value.isdigit():
        return None
    return Agency.objects.filter(pk=int(value)).first()


@staff_required
def programs_dashboard(request: HttpRequest) -> HttpResponse:
    _require_programs(request)
    today = _today()
    agency = _agency_param(request)
    user: Any = request.user
    scope = agency.name if agency else (_("全市") if can_see_all_programs(user) else user.agency.name)

    def figures() -> dict[str, Any]:
        dashboard = selectors.dashboard_build_cached(user=user, today=today, agency=agency)
        exceptions = selectors.exceptions_list_cached(user=user, today=today, agency=agency)
        light_total = sum(dashboard.lights.values()) or 1
        return {
            "dashboard": dashboard,
            "exceptions": exceptions[:15],
            "exception_count": len(exceptions),
            "lights": [
                (
                    key,
                    label,
                    dashboard.lights.get(key, 0),
                    5 * round(dashboard.lights.get(key, 0) * 20 / light_total),
                )
                for key, label in Light.choices
            ],
            "execution": selectors.execution_by_type_as_of(on=today),
            "current_month": month_label(dashboard.window.current),
            "current_due": roc_date_format(dashboard.window.current_due),
        }

    return _render(
        request,
        "web/programs/dashboard.html",
        {
            # Computed only when the page's cached fragment is stale (see the template's {% cache %}).
            "figures": SimpleLazyObject(figures),
            "fragment_key": _fragment_key(user, agency, today),
            "scope": scope,
            "agency": agency,
        },
    )


def _fragment_key(user: Any, agency: Agency | None, today: date, *parts: object) -> str:
    """The key of a page's cached fragment: the data's generation, the user's scope, day and language."""
    scope = "all" if can_see_all_programs(user) else f"agency{user.agency_id}"
    return ":".join(
        str(part)
        for part in (
            programs_generation(),
            scope,
            agency.pk if agency else "-",
            today,
            get_language(),
            *parts,
        )
    )


@staff_required
def programs_exceptions(request: HttpRequest) -> HttpResponse:
    _require_programs(request)
    today = _today()
    agency = _agency_param(request)
    rows = selectors.exceptions_list_cached(user=request.user, today=today, agency=agency)
    if request.GET.get("format") == "xlsx":
        ids = [row.program_id for row in rows]
        programs = Program.objects.filter(pk__in=ids).select_related("agency", "program_type")
        order = {pk: index for index, pk in enumerate(ids)}
        data = program_list_workbook(
            programs=sorted(programs, key=lambda p: order[p.pk]), title=_("待關注計畫"), user=request.user
        )
        return xlsx_download(data=data, filename="programs-exceptions.xlsx")
    page = Paginator(rows, EXCEPTIONS_PAGE_SIZE).get_page(request.GET.get("page"))
    return _render(
        request,
        "web/programs/exceptions.html",
        {
            "rows": page.object_list,
            "page": page,
            "total": len(rows),
            "agency": agency,
            "today": roc_date_format(today),
            "fragment_key": _fragment_key(request.user, agency, today, page.number),
        },
    )


def _filtered(request: HttpRequest, form: ProgramFilterForm) -> QuerySet[Program]:
    programs = selectors.programs_visible(user=request.user).select_related("agency", "program_type")
    agency = _agency_param(request)
    if agency is not None:
        programs = programs.filter(agency=agency)
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            programs = programs.filter(Q(code__icontains=data["q"]) | Q(name__icontains=data["q"]))
        if data["program_type"]:
            programs = programs.filter(program_type=data["program_type"])
        if data["control_level"]:
            programs = programs.filter(control_level=data["control_level"])
        if data["light"]:
            programs = programs.filter(light=data["light"])
    return programs.order_by("agency__path", "code")


@staff_required
def programs_list(request: HttpRequest) -> HttpResponse:
    _require_programs(request)
    form = ProgramFilterForm(request.GET or None)
    programs = _filtered(request, form)
    if request.GET.get("format") == "xlsx":
        return xlsx_download(
            data=program_list_workbook(programs=programs.iterator(), title=_("列管計畫"), user=request.user),
            filename="programs.xlsx",
        )
    page = Paginator(programs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return _render(
        request,
        "web/programs/list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "total": page.paginator.count,
            "last_due": selectors.reporting_window(today=_today()).last_due,
        },
    )


@staff_required
def program_new(request: HttpRequest) -> HttpResponse:
    """Put a program under control: the program, its milestones and its yearly budgets (RDEC staff)."""
    _require_programs(request)
    if not can_review_reports(request.user):
        raise PermissionDenied
    form = ProgramForm(request.POST or None)
    milestones = MilestoneFormSet(request.POST or None, prefix="milestone")
    budgets = BudgetFormSet(request.POST or None, prefix="budget")
    if request.method == "POST" and form.is_valid() and milestones.is_valid() and budgets.is_valid():
        data = form.cleaned_data
        try:
            program = services.program_create(
                code=data["code"].strip(),
                name=data["name"].strip(),
                program_type=data["program_type"],
                agency=data["agency"],
                co_agencies=data["co_agencies"],
                parent=data["parent"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                controlled_from=data["controlled_from"] or data["starts_on"],
                control_level=data["control_level"],
                progress_method=data["progress_method"],
                total_budget=data["total_budget"] or 0,
                description=data["description"],
                milestones=[
                    MilestoneSpec(
                        name=row["name"], planned_on=row["planned_on"], weight=row["weight"] or Decimal(0)
                    )
                    for row in milestones.cleaned_data
                    if row.get("name")
                ],
                budgets=[
                    BudgetSpec(year=row["year"] + 1911, source=row["source"], amount=row["amount"] or 0)
                    for row in budgets.cleaned_data
                    if row.get("year") and row.get("source")
                ],
                user=request.user,
            )
        except ReportInvalidError as error:
            for name, message in error.errors.items():
                form.add_error(name if name in form.fields else None, message)
        else:
            messages.success(request, _("已將「%(name)s」列入管制。") % {"name": program.name})
            return redirect("web:program_detail", pk=program.pk)
    return _render(
        request,
        "web/programs/program_new.html",
        {"form": form, "milestones": milestones, "budgets": budgets},
        status=400 if request.method == "POST" else 200,
    )


def _program(request: HttpRequest, pk: int) -> Program:
    _require_programs(request)
    try:
        return selectors.program_get_for(user=request.user, pk=pk)
    except NotFoundError as error:
        raise Http404(error.message) from error


@staff_required
def program_detail(request: HttpRequest, pk: int) -> HttpResponse:
    program = _program(request, pk)
    today = _today()
    reports = selectors.program_reports(program=program)
    window = selectors.reporting_window(today=today)
    fileable = [
        month
        for month in (window.current, month_first(today))
        if month_first(program.starts_on) <= month <= month_first(program.ends_on)
    ]
    return _render(
        request,
        "web/programs/detail.html",
        {
            "program": program,
            "reports": reports,
            "milestones": list(program.milestones.all()),
            "indicators": list(program.indicators.all()),
            "budgets": list(program.budgets.all()),
            "children": list(program.children.select_related("agency")),
            "rollup": selectors.program_rollup(program=program),
            "co_agencies": list(program.co_agencies.all()),
            "risk": program.risk_ratings.order_by("-quarter").first(),
            "can_file": can_file_report(request.user, program),
            "can_edit": can_review_reports(request.user),
            "fileable": [(month.strftime("%Y-%m"), month_label(month)) for month in fileable],
            # The owner chooses how progress is computed until the first report is filed.
            "method_choices": ProgressMethod.choices
            if can_file_report(request.user, program)
            and not selectors.program_has_filed_report(program=program)
            else None,
        },
    )


@staff_required
def program_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a program under control: name, end, level, release, milestones (RDEC staff)."""
    program = _program(request, pk)
    if not can_review_reports(request.user):
        raise PermissionDenied
    initial_rows = [
        {"id": m.pk, "name": m.name, "planned_on": roc_date_format_short(m.planned_on), "weight": m.weight}
        for m in program.milestones.all()
    ]
    form = ProgramEditForm(
        request.POST or None,
        initial={
            "version": program.version,
            "name": program.name,
            "control_level": program.control_level,
            "ends_on": roc_date_format_short(program.ends_on),
            "controlled_until": roc_date_format_short(program.controlled_until)
            if program.controlled_until
            else "",
            "description": program.description,
        },
    )
    milestones = MilestoneEditFormSet(request.POST or None, initial=initial_rows, prefix="milestone")
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid() and milestones.is_valid():
            data = form.cleaned_data
            try:
                services.program_update(
                    program=program,
                    user=request.user,
                    expected_version=data["version"],
                    name=data["name"].strip(),
                    ends_on=data["ends_on"],
                    control_level=data["control_level"],
                    controlled_until=data["controlled_until"],
                    description=data["description"],
                    milestones=[
                        services.MilestoneEdit(
                            id=row.get("id"),
                            name=row["name"].strip(),
                            planned_on=row["planned_on"],
                            weight=row.get("weight") or Decimal(0),
                        )
                        for row in milestones.cleaned_data
                        if row.get("name")
                    ],
                )
            except ConflictError as error:
                form.add_error(None, error.message)
                status = 409
            except ReportInvalidError as error:
                for name, message in error.errors.items():
                    form.add_error(name if name in form.fields else None, message)
            else:
                messages.success(request, _("已更新「%(name)s」。") % {"name": data["name"].strip()})
                return redirect("web:program_detail", pk=program.pk)
    return _render(
        request,
        "web/programs/program_edit.html",
        {"program": program, "form": form, "milestones": milestones},
        status=status,
    )


@staff_required
@require_POST
def program_progress_method(request: HttpRequest, pk: int) -> HttpResponse:
    program = _program(request, pk)
    version = request.POST.get("version", "")
    try:
        services.program_progress_method_set(
            program=program,
            method=request.POST.get("method", ""),
            user=request.user,
            expected_version=int(version) if version.isdigit() else None,
        )
    except ValueError:
        messages.error(request, _("請從清單選擇進度計算方式。"))
    except (ApplicationError, ConflictError) as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已變更進度計算方式。"))
    return redirect("web:program_detail", pk=program.pk)


def _month(text: str) -> date:
    try:
        year, month = (int(part) for part in text.split("-"))
        return date(year, month, 1)
    except ValueError:
        raise Http404 from None


@staff_required
def report_edit(request: HttpRequest, pk: int, month: str) -> HttpResponse:
    program = _program(request, pk)
    if not can_file_report(request.user, program):
        raise Http404
    period = _month(month)
    report = MonthlyReport.objects.filter(program=program, period=period).first()
    milestones = list(program.milestones.all())
    entered = program.progress_method == ProgressMethod.ENTERED
    if report is not None and report.state not in services.EDITABLE_STATES:
        messages.info(request, _("這份月報%(state)s，不能再修改。") % {"state": report.get_state_display()})
        return redirect("web:program_report", pk=report.pk)
    if request.method == "POST":
        form = ReportForm(request.POST, milestones=milestones, entered=entered)
        if form.is_valid():
            data = form.cleaned_data
            figures = ReportFigures(
                planned_progress=data.get("planned_progress"),
                actual_progress=data.get("actual_progress"),
                budget_allocated=data["budget_allocated"],
                budget_executed=data["budget_executed"],
                narrative=data["narrative"],
                delay_reason=data["delay_reason"],
                remedy=data["remedy"],
                milestones={m.pk: (data[f"milestone_{m.pk}"], None) for m in milestones},
            )
            submit = "submit" in request.POST
            try:
                saved = services.report_save(
                    program=program,
                    period=period,
                    figures=figures,
                    user=request.user,
                    submit=submit,
                    expected_version=data.get("version") or None,
                    today=_today(),
                )
            except ReportInvalidError as error:
                for name, message in error.errors.items():
                    form.add_error(name if name in form.fields else None, message)
            except ConflictError as error:
                form.add_error(None, error.message)
            except ApplicationError as error:
                form.add_error(None, error.message)
            else:
                if submit:
                    messages.success(request, _("已送出%(month)s月報，燈號：%(light)s。") % {
                        "month": month_label(period), "light": saved.get_light_display()})  # fmt: skip
                    return redirect("web:program_report", pk=saved.pk)
                messages.success(request, _("已暫存%(month)s月報。") % {"month": month_label(period)})
                return redirect("web:program_report_edit", pk=program.pk, month=month)
    else:
        initial: dict[str, Any] = {}
        source = report or MonthlyReport.objects.filter(program=program, period=month_add(period, -1)).first()
        if source is not None:
            initial = {
                "planned_progress": source.planned_progress,
                "actual_progress": source.actual_progress,
                "budget_allocated": source.budget_allocated,
                "budget_executed": source.budget_executed,
            }
        if report is not None:
            initial.update(
                version=report.version,
                narrative=report.narrative,
                delay_reason=report.delay_reason,
                remedy=report.remedy,
            )
            for line in report.milestone_lines.all():
                initial[f"milestone_{line.milestone_id}"] = line.status
        else:
            for milestone in milestones:
                if milestone.completed_on is not None:
                    initial[f"milestone_{milestone.pk}"] = MilestoneStatus.DONE
        form = ReportForm(initial=initial, milestones=milestones, entered=entered)
    return _render(
        request,
        "web/programs/report_edit.html",
        {
            "program": program,
            "report": report,
            "form": form,
            "period_label": month_label(period),
            "due_on": roc_date_format(services.report_due_on(period=period)),
        },
        status=400 if request.method == "POST" else 200,
    )


def _report(request: HttpRequest, pk: int) -> MonthlyReport:
    _require_programs(request)
    try:
        return selectors.report_get_for(user=request.user, pk=pk)
    except NotFoundError as error:
        raise Http404(error.message) from error


@staff_required
def report_detail(request: HttpRequest, pk: int, review_form: ReviewForm | None = None) -> HttpResponse:
    report = _report(request, pk)
    reviewable = can_review_reports(request.user)
    if reviewable and review_form is None:
        review_form = ReviewForm(initial={"version": report.version})
    return _render(
        request,
        "web/programs/report_detail.html",
        {
            "report": report,
            "program": report.program,
            "events": selectors.report_events(report=report),
            "milestone_lines": list(report.milestone_lines.select_related("milestone")),
            "review_form": review_form if reviewable else None,
            "can_edit": can_file_report(request.user, report.program)
            and report.state in services.EDITABLE_STATES,
            "period_label": month_label(report.period),
            "due_on": roc_date_format(report.due_on),
            "is_overdue": report.state in (ReportState.DRAFT, ReportState.RETURNED)
            and _today() > report.due_on,
        },
        status=400 if review_form is not None and review_form.errors else 200,
    )


@staff_required
@require_POST
def report_review(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    if not can_review_reports(request.user):
        raise PermissionDenied
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return report_detail(request, pk, review_form=form)
    data = form.cleaned_data
    try:
        if data["decision"] == "accept":
            services.report_accept(
                report=report, user=request.user, comment=data["comment"], expected_version=data["version"]
            )
            messages.success(request, _("已審定這份月報。"))
        elif data["decision"] == "return":
            services.report_return(
                report=report, user=request.user, comment=data["comment"], expected_version=data["version"]
            )
            messages.success(request, _("已退回機關修正。"))
        else:
            services.report_comment(report=report, user=request.user, comment=data["comment"])
            messages.success(request, _("已加註審查意見。"))
    except ReportInvalidError as error:
        for message in error.errors.values():
            form.add_error("comment", message)
        return report_detail(request, pk, review_form=form)
    except ApplicationError as error:
        form.add_error(None, error.message)
        return report_detail(request, pk, review_form=form)
    return redirect("web:program_report", pk=report.pk)


@staff_required
def review_queue(request: HttpRequest) -> HttpResponse:
    _require_programs(request)
    if not can_review_reports(request.user):
        raise PermissionDenied
    reports = (
        MonthlyReport.objects.filter(state=ReportState.SUBMITTED)
        .select_related("program", "program__agency")
        .order_by("submitted_at")
    )
    page = Paginator(reports, 50).get_page(request.GET.get("page"))
    return _render(request, "web/programs/review_queue.html", {"page": page})


def _month_text(text: str) -> date:
    text = text.strip()
    if text.endswith("月") and "日" not in text:
        text += "1日"
    elif text.count("/") == 1:
        text += "/01"
    elif text.count("-") == 1:
        text += "-01"
    return month_first(roc_date_parse(text))


@staff_required
def workbook(request: HttpRequest) -> HttpResponse:
    """Download the month's template (GET with month) or upload a filled one (POST)."""
    _require_programs(request)
    user: Any = request.user
    agency = _agency_param(request) if can_see_all_programs(user) else user.agency
    template_form = WorkbookTemplateForm(request.GET or None)
    upload_form = WorkbookUploadForm()
    errors: list[str] = []
    if request.method == "POST":
        upload_form = WorkbookUploadForm(request.POST, request.FILES)
        if upload_form.is_valid():
            file = upload_form.cleaned_data["file"]
            try:
                result = reports_import(file=file, filename=file.name, user=user, today=_today())
            except ImportRejectedError as error:
                errors = [str(row) for row in error.errors]
                upload_form.add_error(None, error.message)
            except (SpreadsheetError, ApplicationError) as error:
                upload_form.add_error(None, error.message)
            else:
                messages.success(
                    request,
                    _("已匯入 %(count)d 份月報（%(months)s），新增 %(created)d、更新 %(updated)d。")
                    % {"count": result.created + result.updated, "months": "、".join(result.period_labels),
                       "created": result.created, "updated": result.updated},
                )  # fmt: skip
                return redirect("web:programs_workbook")
    elif template_form.is_valid():
        if agency is None:
            template_form.add_error(None, _("請先從儀表板選擇機關，再下載該機關的範本。"))
        else:
            try:
                period = _month_text(template_form.cleaned_data["month"])
                template_agency_check(user=user, agency=agency)
            except InvalidDateError as error:
                template_form.add_error("month", error.message)
            else:
                return xlsx_download(
                    data=template_build(agency=agency, period=period),
                    filename=f"programs-{agency.code}-{period:%Y-%m}.xlsx",
                )
    default_month = selectors.reporting_window(today=_today()).current
    return _render(
        request,
        "web/programs/workbook.html",
        {
            "agency": agency,
            "template_form": template_form,
            "upload_form": upload_form,
            "errors": errors,
            "default_month": f"{default_month.year - 1911}/{default_month.month:02d}",
        },
        status=400 if errors or upload_form.errors else 200,
    )


def report_edit_url(program: Program, period: date) -> str:
    return reverse("web:program_report_edit", kwargs={"pk": program.pk, "month": period.strftime("%Y-%m")})
