"""The yearly cycle's console pages: the annual plan's preliminary round, evaluations, tracked items,
municipal enterprise evaluations, and their Excel exports.

Thin: forms check shape; yankao.programs.annual's services decide and write, its selectors decide
who sees what. A refused action shows the page again with the user's input kept and the message on
top (400); a conflict (someone changed the record meanwhile) answers 409 with the current record and
the input kept, its version refreshed so a second submit is a deliberate overwrite.
"""

from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from yankao.core.exceptions import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from yankao.core.models import Agency, AuditAction, User
from yankao.core.permissions import agency_in_scope
from yankao.core.roc_dates import roc_date_format_short, roc_date_parse
from yankao.core.services.audit import audit_record
from yankao.core.spreadsheets import Column, workbook_build
from yankao.core.working_days import taiwan_date
from yankao.programs.annual import plan_document
from yankao.programs.annual.grades import enterprise_criteria
from yankao.programs.annual.models import (
    EnterpriseEvaluation,
    PlanItem,
    PlanRound,
    ProgramEvaluation,
    Recommendation,
    TrackedItem,
)
from yankao.programs.annual.permissions import acts_for_agency, is_rdec, reads_all
from yankao.programs.annual.selectors import enterprise as enterprise_selectors
from yankao.programs.annual.selectors import evaluations as evaluation_selectors
from yankao.programs.annual.selectors import plan as plan_selectors
from yankao.programs.annual.selectors import tracked as tracked_selectors
from yankao.programs.annual.services import enterprise as enterprise_services
from yankao.programs.annual.services import evaluations as evaluation_services
from yankao.programs.annual.services import plan as plan_services
from yankao.programs.annual.services import plan_workbooks
from yankao.programs.annual.services import tracked as tracked_services
from yankao.web.downloads import xlsx_download
from yankao.web.views.access import staff_required

# --- forms ------------------------------------------------------------------------------------------


class RocDateField(forms.DateField):
    """A date typed in the ROC calendar (113/03/31) or ISO (2024-03-31)."""

    def to_python(self, value: Any) -> date | None:
        if value in self.empty_values:
            return None
        if isinstance(value, date):
            return value
        try:
            return roc_date_parse(str(value))
        except ApplicationError as error:
            raise forms.ValidationError(error.message) from error


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class PlanItemForm(VersionForm):
    title = forms.CharField(label=gettext_lazy("計畫名稱"), max_length=200)
    goal = forms.CharField(label=gettext_lazy("施政目標"), widget=forms.Textarea(attrs={"rows": 3}))
    content = forms.CharField(label=gettext_lazy("實施內容"), widget=forms.Textarea(attrs={"rows": 5}))
    indicators = forms.CharField(
        label=gettext_lazy("關鍵績效指標"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    budget_thousands = forms.CharField(label=gettext_lazy("預算（千元）"), max_length=20, initial="0")


class PlanItemNewForm(PlanItemForm):
    agency = forms.ModelChoiceField(label=gettext_lazy("機關"), queryset=Agency.objects.none())

    def __init__(self, *args: Any, agencies: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies if agencies is not None else Agency.objects.none()  # type: ignore[attr-defined]
        self.fields["version"].required = False


class PlanImportForm(forms.Form):
    agency = forms.ModelChoiceField(label=gettext_lazy("機關"), queryset=Agency.objects.none())
    file = forms.FileField(label=gettext_lazy("提報表（Excel 或 CSV）"))

    def __init__(self, *args: Any, agencies: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies if agencies is not None else Agency.objects.none()  # type: ignore[attr-defined]


class ReviewForm(VersionForm):
    decision = forms.ChoiceField(
        label=gettext_lazy("審查結果"),
        choices=[("accept", gettext_lazy("採納")), ("return", gettext_lazy("退回修正"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=gettext_lazy("審查意見"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class RoundOpenForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("計畫年度（民國）"), min_value=100, max_value=200)
    opens_on = RocDateField(label=gettext_lazy("開始受理日"), help_text=gettext_lazy("例：113/02/15"))
    deadline = RocDateField(
        label=gettext_lazy("提報截止日"),
        required=False,
        help_text=gettext_lazy("留空則依規則表的提報期間計算。"),
    )


class ApproveForm(VersionForm):
    approved_on = RocDateField(label=gettext_lazy("核定日"), help_text=gettext_lazy("例：113/12/20"))


class DeadlineForm(VersionForm):
    deadline = RocDateField(label=gettext_lazy("新的提報截止日"))


class SelfAssessmentForm(VersionForm):
    self_score = forms.CharField(label=gettext_lazy("自評分數"), max_length=10)
    self_assessment = forms.CharField(
        label=gettext_lazy("自評說明"), widget=forms.Textarea(attrs={"rows": 5}), required=False
    )
    submit = forms.BooleanField(
        label=gettext_lazy("送出自評（送出後不能再修改，除非研考會退回）"), required=False, initial=True
    )


class EvaluationReviewForm(VersionForm):
    decision = forms.ChoiceField(
        label=gettext_lazy("評核"),
        choices=[("review", gettext_lazy("評定分數")), ("return", gettext_lazy("退回補正"))],
        widget=forms.RadioSelect,
    )
    review_score = forms.CharField(label=gettext_lazy("評核分數"), max_length=10, required=False)
    review_comment = forms.CharField(
        label=gettext_lazy("評核意見"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class TrackedItemForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("類別"), choices=TrackedItem.Kind.choices)
    title = forms.CharField(label=gettext_lazy("事項"), max_length=200)
    agency = forms.ModelChoiceField(
        label=gettext_lazy("主辦機關"),
        queryset=Agency.objects.filter(is_active=True).order_by("sort_order", "path"),
    )
    started_on = RocDateField(label=gettext_lazy("列管日"))
    due_on = RocDateField(label=gettext_lazy("預定完成日"))
    held_on = RocDateField(label=gettext_lazy("辦理日期（會議、現勘）"), required=False)
    location = forms.CharField(label=gettext_lazy("地點"), required=False, max_length=200)
    description = forms.CharField(
        label=gettext_lazy("說明"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class TrackedUpdateForm(VersionForm):
    progress = forms.CharField(label=gettext_lazy("辦理情形"), widget=forms.Textarea(attrs={"rows": 4}))


class TrackedRescheduleForm(VersionForm):
    due_on = RocDateField(label=gettext_lazy("新的預定完成日"))
    reason = forms.CharField(label=gettext_lazy("調整理由"), widget=forms.Textarea(attrs={"rows": 2}))


class TrackedCloseForm(VersionForm):
    outcome = forms.ChoiceField(
        label=gettext_lazy("結案方式"),
        choices=[("done", gettext_lazy("已完成，解除列管")), ("cancelled", gettext_lazy("撤銷列管"))],
        widget=forms.RadioSelect,
    )


class EnterpriseOpenForm(forms.Form):
    enterprise = forms.ModelChoiceField(label=gettext_lazy("受評事業"), queryset=Agency.objects.none())
    year = forms.IntegerField(label=gettext_lazy("考核年度（民國）"), min_value=100, max_value=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = enterprise_selectors.enterprise_candidates()  # type: ignore[attr-defined]


class PanelMemberForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("委員帳號"), max_length=150)
    is_external = forms.BooleanField(label=gettext_lazy("外部委員（專家學者）"), required=False)
    affiliation = forms.CharField(label=gettext_lazy("服務單位"), required=False, max_length=200)


class ReportForm(VersionForm):
    report = forms.CharField(label=gettext_lazy("考評報告"), widget=forms.Textarea(attrs={"rows": 6}))
    recommendations = forms.CharField(
        label=gettext_lazy("委員建議事項（每行一項）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class RespondForm(VersionForm):
    response = forms.CharField(label=gettext_lazy("辦理情形"), widget=forms.Textarea(attrs={"rows": 3}))


class RecommendationReviewForm(VersionForm):
    decision = forms.ChoiceField(
        label=gettext_lazy("審查結果"),
        choices=[("accept", gettext_lazy("已落實，解除追蹤")), ("return", gettext_lazy("仍須辦理"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=gettext_lazy("研考會意見"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


# --- helpers ---------------------------------------------------------------------------------------


def _today() -> date:
    return taiwan_date(timezone.now())


def _refused(form: forms.Form, error: ApplicationError, *, version: int | None = None) -> int:
    """Put the service's message on the form; a conflict refreshes the version the form carries."""
    errors = error.extra.get("errors") if isinstance(error.extra, dict) else None
    if isinstance(errors, dict) and not isinstance(error, ConflictError):
        for name, messages_ in errors.items():
            for message in messages_:
                form.add_error(name if name in form.fields else None, message)
    else:
        form.add_error(None, error.message)
    current = error.extra.get("current_version", version) if isinstance(error, ConflictError) else version
    if current is not None and form.is_bound and "version" in form.fields:
        data = form.data.copy()  # type: ignore[attr-defined]
        data["version"] = str(current)
        form.data = data
    if isinstance(error, ConflictError):
        return 409
    if isinstance(error, PermissionDeniedError):
        return 403
    return 400


def _export_audited(request: HttpRequest, *, target: str, rows: int) -> None:
    audit_record(action=AuditAction.EXPORT, target_type=target, detail={"rows": rows}, actor=request.user)


def _roc_year(year: int) -> int:
    return year - 1911


# --- home -------------------------------------------------------------------------------------------


@staff_required
@require_GET
def annual_home(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    today = _today()
    rounds = list(plan_selectors.plan_rounds_list()[:5])
    tracked = list(tracked_selectors.tracked_items_visible(user=user, status=TrackedItem.Status.OPEN))
    marks = [tracked_selectors.tracked_item_marks(item=item, today=today) for item in tracked]
    return render(
        request,
        "web/programs_annual/home.html",
        {
            "rounds": rounds,
            "tracked_open": len(tracked),
            "tracked_overdue": sum(1 for m in marks if m.overdue),
            "tracked_update_late": sum(1 for m in marks if m.update_late),
            "evaluations": enterprise_selectors.enterprise_evaluations_visible(user=user).count(),
            "recommendations_open": enterprise_selectors.recommendations_visible(user=user)
            .exclude(status=Recommendation.Status.CLOSED)
            .count(),
            "program_evaluations": evaluation_selectors.program_evaluations_visible(user=user).count(),
            "is_rdec": is_rdec(user),
        },
    )


# --- the annual plan --------------------------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def plan_rounds(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = RoundOpenForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not is_rdec(user):
            raise Http404
        if form.is_valid():
            year = form.cleaned_data["year"] + 1911
            try:
                plan_round = plan_services.plan_round_open(
                    year=year,
                    title=f"{form.cleaned_data['year']}年度施政計畫先期作業",
                    opens_on=form.cleaned_data["opens_on"],
                    deadline=form.cleaned_data["deadline"],
                    user=user,
                )
            except ApplicationError as error:
                status = _refused(form, error)
            else:
                messages.success(
                    request,
                    _("已開辦先期作業，截止日 %(d)s。") % {"d": roc_date_format_short(plan_round.deadline)},
                )
                return redirect("web:annual_plan_round", year=plan_round.year)
        else:
            status = 400
    return render(
        request,
        "web/programs_annual/plan_rounds.html",
        {"rounds": plan_selectors.plan_rounds_list(), "form": form if is_rdec(user) else None},
        status=status,
    )


def _round_or_404(year: int) -> PlanRound:
    try:
        return plan_selectors.plan_round_get(year=year)
    except NotFoundError:
        raise Http404 from None


def _user_agencies(user: Any) -> Any:
    """The agencies an agency user may submit for: their own and those below it."""
    if user.agency_id is None:
        return Agency.objects.none()
    scope = user.agency.path
    return Agency.objects.filter(is_active=True, path__startswith=scope).order_by("sort_order", "path")


@staff_required
@require_http_methods(["GET", "POST"])
def plan_round(request: HttpRequest, year: int) -> HttpResponse:
    user: Any = request.user
    round_ = _round_or_404(year)
    status_filter = request.GET.get("status", "")
    if status_filter not in PlanItem.Status.values:
        status_filter = ""
    items = list(plan_selectors.plan_items_visible(user=user, plan_round=round_, status=status_filter))
    can_submit = (
        bool(user.agency_id) and acts_for_agency(user, user.agency) and round_.status == PlanRound.Status.OPEN
    )
    new_form = PlanItemNewForm(agencies=_user_agencies(user)) if can_submit else None
    import_form = PlanImportForm(agencies=_user_agencies(user)) if can_submit else None
    import_errors: list[str] = []
    round_forms: dict[str, forms.Form] = {}
    status = 200
    if is_rdec(user):
        round_forms = {
            "deadline": DeadlineForm(
                initial={"version": round_.version, "deadline": roc_date_format_short(round_.deadline)}
            ),
            "approve": ApproveForm(initial={"version": round_.version}),
            "compile": VersionForm(initial={"version": round_.version}),
        }
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "new" and can_submit:
            new_form = PlanItemNewForm(request.POST, agencies=_user_agencies(user))
            if new_form.is_valid():
                data = new_form.cleaned_data
                try:
                    item = plan_services.plan_item_create(
                        plan_round=round_,
                        agency=data["agency"],
                        fields=plan_services.PlanItemFields(
                            title=data["title"],
                            goal=data["goal"],
                            content=data["content"],
                            indicators=data["indicators"],
                            budget_thousands=data["budget_thousands"],
                        ),
                        user=user,
                    )
                except ApplicationError as error:
                    status = _refused(new_form, error)
                else:
                    messages.success(request, _("已建立草稿；確認內容後請按「提報」。"))
                    return redirect("web:annual_plan_item", item_id=item.pk)
            else:
                status = 400
        elif action == "import" and can_submit:
            import_form = PlanImportForm(request.POST, request.FILES, agencies=_user_agencies(user))
            status = 400
            if import_form.is_valid():
                upload = import_form.cleaned_data["file"]
                try:
                    created = plan_workbooks.plan_items_import(
                        plan_round=round_,
                        agency=import_form.cleaned_data["agency"],
                        file=upload,
                        filename=upload.name,
                        user=user,
                    )
                except plan_workbooks.PlanImportError as error:
                    import_form.add_error(None, error.message)
                    import_errors = [str(row) for row in error.rows]
                except ApplicationError as error:
                    status = _refused(import_form, error)
                else:
                    messages.success(
                        request, _("已匯入 %(n)s 個草稿項目；請確認內容後逐項提報。") % {"n": len(created)}
                    )
                    return redirect("web:annual_plan_round", year=year)
        elif action in round_forms:
            form = {"deadline": DeadlineForm, "approve": ApproveForm, "compile": VersionForm}[action](
                request.POST
            )
            round_forms[action] = form
            if form.is_valid():
                try:
                    if action == "deadline":
                        plan_services.plan_round_deadline_set(
                            plan_round=round_,
                            deadline=form.cleaned_data["deadline"],
                            user=user,
                            expected_version=form.cleaned_data["version"],
                        )
                        messages.success(request, _("已調整提報截止日。"))
                    elif action == "compile":
                        plan_services.plan_round_compile(
                            plan_round=round_, user=user, expected_version=form.cleaned_data["version"]
                        )
                        messages.success(request, _("已彙編施政計畫，可下載草案文件。"))
                    else:
                        plan_services.plan_round_approve(
                            plan_round=round_,
                            approved_on=form.cleaned_data["approved_on"],
                            user=user,
                            expected_version=form.cleaned_data["version"],
                        )
                        messages.success(request, _("已登錄核定，文件改印為核定本。"))
                except ApplicationError as error:
                    status = _refused(form, error, version=round_.version)
                else:
                    return redirect("web:annual_plan_round", year=year)
            else:
                status = 400
        else:
            raise Http404
    return render(
        request,
        "web/programs_annual/plan_round.html",
        {
            "round": round_,
            "roc_year": _roc_year(round_.year),
            "items": items,
            "statuses": PlanItem.Status.choices,
            "status_filter": status_filter,
            "counts": plan_selectors.plan_round_counts(user=user, plan_round=round_)
            if reads_all(user)
            else None,
            "new_form": new_form,
            "import_form": import_form,
            "import_errors": import_errors,
            "round_forms": round_forms,
            "is_rdec": is_rdec(user),
            "past_deadline": _today() > round_.deadline,
        },
        status=status,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def plan_item(request: HttpRequest, item_id: int) -> HttpResponse:
    user: Any = request.user
    try:
        item = plan_selectors.plan_item_get(user=user, item_id=item_id)
    except NotFoundError:
        raise Http404 from None
    editable = (
        acts_for_agency(user, item.agency)
        and item.status in (PlanItem.Status.DRAFT, PlanItem.Status.RETURNED)
        and item.plan_round.status == PlanRound.Status.OPEN
    )
    reviewable = (
        is_rdec(user)
        and item.status == PlanItem.Status.SUBMITTED
        and item.plan_round.status == PlanRound.Status.OPEN
    )
    initial = {name: getattr(item, name) for name in ("title", "goal", "content", "indicators")}
    initial.update(version=item.version, budget_thousands=f"{item.budget_thousands:.0f}")
    edit_form = PlanItemForm(initial=initial) if editable else None
    review_form = ReviewForm(initial={"version": item.version}) if reviewable else None
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action in ("save", "submit") and editable:
            edit_form = PlanItemForm(request.POST)
            if edit_form.is_valid():
                data = edit_form.cleaned_data
                try:
                    fields = plan_services.PlanItemFields(
                        title=data["title"],
                        goal=data["goal"],
                        content=data["content"],
                        indicators=data["indicators"],
                        budget_thousands=data["budget_thousands"],
                    )
                    item = plan_services.plan_item_update(
                        item=item, fields=fields, user=user, expected_version=data["version"]
                    )
                    if action == "submit":
                        plan_services.plan_item_submit(item=item, user=user, expected_version=item.version)
                        messages.success(request, _("已提報研考會審查。"))
                    else:
                        messages.success(request, _("已儲存草稿。"))
                except ApplicationError as error:
                    status = _refused(edit_form, error, version=item.version)
                else:
                    return redirect("web:annual_plan_item", item_id=item.pk)
            else:
                status = 400
        elif action == "review" and reviewable:
            review_form = ReviewForm(request.POST)
            if review_form.is_valid():
                data = review_form.cleaned_data
                try:
                    if data["decision"] == "return":
                        plan_services.plan_item_return(
                            item=item, comment=data["comment"], user=user, expected_version=data["version"]
                        )
                        messages.success(request, _("已退回機關修正。"))
                    else:
                        plan_services.plan_item_accept(
                            item=item, comment=data["comment"], user=user, expected_version=data["version"]
                        )
                        messages.success(request, _("已採納。"))
                except ApplicationError as error:
                    status = _refused(review_form, error, version=item.version)
                else:
                    return redirect("web:annual_plan_item", item_id=item.pk)
            else:
                status = 400
        else:
            raise Http404
    return render(
        request,
        "web/programs_annual/plan_item.html",
        {
            "item": item,
            "events": item.events.select_related("actor"),
            "edit_form": edit_form,
            "review_form": review_form,
            "roc_year": _roc_year(item.plan_round.year),
        },
        status=status,
    )


def _plan_round_for_document(request: HttpRequest, year: int) -> PlanRound:
    user: Any = request.user
    round_ = _round_or_404(year)
    if not reads_all(user) and round_.status != PlanRound.Status.APPROVED:
        # Agencies read the approved plan; drafts of the whole city stay with the RDEC.
        raise Http404
    return round_


@staff_required
@require_GET
def plan_document_pdf(request: HttpRequest, year: int) -> HttpResponse:
    round_ = _plan_round_for_document(request, year)
    response = HttpResponse(
        plan_document.plan_document_bytes(plan_round=round_, kind="pdf"), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="annual-plan-{_roc_year(year)}.pdf"'
    return response


@staff_required
@require_GET
def plan_document_docx(request: HttpRequest, year: int) -> HttpResponse:
    round_ = _plan_round_for_document(request, year)
    response = HttpResponse(
        plan_document.plan_document_bytes(plan_round=round_, kind="docx"),
        content_type=plan_document.DOCX_CONTENT_TYPE,
    )
    response["Content-Disposition"] = f'attachment; filename="annual-plan-{_roc_year(year)}.docx"'
    return response


@staff_required
@require_GET
def plan_template(request: HttpRequest, year: int) -> HttpResponse:
    user: Any = request.user
    round_ = _round_or_404(year)
    if user.agency_id is None or not acts_for_agency(user, user.agency):
        raise Http404
    body = plan_workbooks.plan_template_build(plan_round=round_, agency=user.agency)
    return xlsx_download(data=body, filename=f"plan-template-{_roc_year(year)}-{user.agency.code}.xlsx")


@staff_required
@require_GET
def plan_items_export(request: HttpRequest, year: int) -> HttpResponse:
    user: Any = request.user
    round_ = _round_or_404(year)
    items = list(plan_selectors.plan_items_visible(user=user, plan_round=round_))
    columns = [
        Column("機關", 24),
        Column("序號", 6),
        Column("計畫名稱", 40),
        Column("施政目標", 40),
        Column("實施內容", 50),
        Column("關鍵績效指標", 30),
        Column("預算（千元）", 14),
        Column("狀態", 10),
        Column("審查意見", 40),
        Column("提報時間", 18),
    ]
    rows = (
        [
            i.agency.name,
            i.sequence,
            i.title,
            i.goal,
            i.content,
            i.indicators,
            int(i.budget_thousands),
            i.get_status_display(),
            i.review_comment,
            roc_date_format_short(i.submitted_at) if i.submitted_at else "",
        ]
        for i in items
    )
    body = workbook_build(
        sheets=[("施政計畫項目", columns, rows)],
        notes=[f"{round_.title}：提報項目清單（{roc_date_format_short(_today())}匯出）。"],
    )
    _export_audited(request, target="programs_annual.planitem", rows=len(items))
    return xlsx_download(data=body, filename=f"plan-items-{_roc_year(year)}.xlsx")


# --- annual evaluation of programs ------------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def evaluations(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    years = evaluation_selectors.program_evaluation_years()
    try:
        year = int(request.GET.get("year") or (years[0] if years else _today().year - 1))
    except ValueError:
        year = _today().year - 1
    if request.method == "POST":
        if not is_rdec(user):
            raise Http404
        try:
            created = evaluation_services.program_evaluations_open(year=year, user=user)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("已開辦 %(y)s 年度考核，新增 %(n)s 件。") % {"y": _roc_year(year), "n": created}
            )
        return redirect(f"{request.path}?year={year}")
    rows = evaluation_selectors.program_evaluations_visible(user=user, year=year)
    if request.GET.get("format") == "xlsx":
        columns = [
            Column("計畫編號", 16),
            Column("計畫名稱", 40),
            Column("主辦機關", 20),
            Column("狀態", 12),
            Column("自評分數", 10),
            Column("評核分數", 10),
            Column("等第", 8),
            Column("評核意見", 40),
        ]
        body = workbook_build(
            sheets=[
                (
                    "年度考核",
                    columns,
                    (
                        [
                            e.program.code,
                            e.program.name,
                            e.program.agency.name,
                            e.get_status_display(),
                            e.self_score,
                            e.review_score,
                            e.grade,
                            e.review_comment,
                        ]
                        for e in rows
                    ),
                )
            ]
        )
        _export_audited(request, target="programs_annual.programevaluation", rows=rows.count())
        return xlsx_download(data=body, filename=f"evaluations-{_roc_year(year)}.xlsx")
    return render(
        request,
        "web/programs_annual/evaluations.html",
        {
            "year": year,
            "roc_year": _roc_year(year),
            "years": [(y, _roc_year(y)) for y in years],
            "rows": rows[:500],
            "total": rows.count(),
            "grades": evaluation_selectors.grade_distribution(year=year),
            "is_rdec": is_rdec(user),
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def evaluation(request: HttpRequest, evaluation_id: int) -> HttpResponse:
    user: Any = request.user
    try:
        record = evaluation_selectors.program_evaluation_get(user=user, evaluation_id=evaluation_id)
    except NotFoundError:
        raise Http404 from None
    can_self = acts_for_agency(user, record.program.agency) and record.status in (
        ProgramEvaluation.Status.DRAFT,
        ProgramEvaluation.Status.RETURNED,
    )
    can_review = is_rdec(user) and record.status == ProgramEvaluation.Status.SELF_ASSESSED
    self_form = (
        SelfAssessmentForm(
            initial={
                "version": record.version,
                "self_score": record.self_score or "",
                "self_assessment": record.self_assessment,
            }
        )
        if can_self
        else None
    )
    review_form = EvaluationReviewForm(initial={"version": record.version}) if can_review else None
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "self" and can_self:
                self_form = SelfAssessmentForm(request.POST)
                if not self_form.is_valid():
                    status = 400
                else:
                    d = self_form.cleaned_data
                    evaluation_services.program_evaluation_self_assess(
                        evaluation=record,
                        score=d["self_score"],
                        assessment=d["self_assessment"],
                        user=user,
                        expected_version=d["version"],
                        submit=d["submit"],
                    )
                    messages.success(request, _("已送出自評。") if d["submit"] else _("已儲存自評草稿。"))
                    return redirect("web:annual_evaluation", evaluation_id=record.pk)
            elif action == "review" and can_review:
                review_form = EvaluationReviewForm(request.POST)
                if not review_form.is_valid():
                    status = 400
                else:
                    d = review_form.cleaned_data
                    if d["decision"] == "return":
                        evaluation_services.program_evaluation_return(
                            evaluation=record,
                            comment=d["review_comment"],
                            user=user,
                            expected_version=d["version"],
                        )
                    else:
                        evaluation_services.program_evaluation_review(
                            evaluation=record,
                            score=d["review_score"],
                            comment=d["review_comment"],
                            user=user,
                            expected_version=d["version"],
                        )
                    messages.success(
                        request, _("已完成評核。") if d["decision"] != "return" else _("已退回機關補正。")
                    )
                    return redirect("web:annual_evaluation", evaluation_id=record.pk)
            else:
                raise Http404
        except ApplicationError as error:
            form = self_form if action == "self" else review_form
            assert form is not None
            status = _refused(form, error, version=record.version)
    return render(
        request,
        "web/programs_annual/evaluation.html",
        {
            "record": record,
            "roc_year": _roc_year(record.year),
            "self_form": self_form,
            "review_form": review_form,
        },
        status=status,
    )


# --- tracked items ----------------------------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def tracked_items(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    kind = request.GET.get("kind", "")
    if kind not in TrackedItem.Kind.values:
        kind = ""
    attention = request.GET.get("attention") == "1"
    form = TrackedItemForm(request.POST or None) if is_rdec(user) else None
    status = 200
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            d = form.cleaned_data
            try:
                item = tracked_services.tracked_item_create(
                    fields=tracked_services.TrackedItemFields(
                        kind=d["kind"],
                        title=d["title"],
                        agency=d["agency"],
                        started_on=d["started_on"],
                        due_on=d["due_on"],
                        description=d["description"],
                        held_on=d["held_on"],
                        location=d["location"],
                    ),
                    user=user,
                )
            except ApplicationError as error:
                status = _refused(form, error)
            else:
                messages.success(request, _("已新增列管事項。"))
                return redirect("web:annual_tracked_item", item_id=item.pk)
        else:
            status = 400
    today = _today()
    rows = [
        (item, tracked_selectors.tracked_item_marks(item=item, today=today))
        for item in tracked_selectors.tracked_items_visible(user=user, kind=kind)
    ]
    if attention:
        rows = [(item, marks) for item, marks in rows if marks.overdue or marks.update_late]
    if request.GET.get("format") == "xlsx":
        columns = [
            Column("類別", 16),
            Column("事項", 40),
            Column("主辦機關", 20),
            Column("列管日", 12),
            Column("預定完成日", 12),
            Column("辦理日期", 12),
            Column("最近回報日", 12),
            Column("下次回報期限", 12),
            Column("狀態", 12),
            Column("逾期", 8),
        ]
        body = workbook_build(
            sheets=[
                (
                    "列管事項",
                    columns,
                    (
                        [
                            i.get_kind_display(),
                            i.title,
                            i.agency.name,
                            i.started_on,
                            i.due_on,
                            i.held_on,
                            i.last_update_on,
                            m.next_update_on,
                            i.get_status_display(),
                            "逾期" if m.overdue else ("回報逾期" if m.update_late else ""),
                        ]
                        for i, m in rows
                    ),
                )
            ]
        )
        _export_audited(request, target="programs_annual.trackeditem", rows=len(rows))
        return xlsx_download(data=body, filename="tracked-items.xlsx")
    return render(
        request,
        "web/programs_annual/tracked_items.html",
        {"rows": rows, "kinds": TrackedItem.Kind.choices, "kind": kind, "attention": attention, "form": form},
        status=status,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def tracked_item(request: HttpRequest, item_id: int) -> HttpResponse:
    user: Any = request.user
    try:
        item = tracked_selectors.tracked_item_get(user=user, item_id=item_id)
    except NotFoundError:
        raise Http404 from None
    is_open = item.status == TrackedItem.Status.OPEN
    update_form = (
        TrackedUpdateForm(initial={"version": item.version})
        if is_open and (acts_for_agency(user, item.agency) or is_rdec(user))
        else None
    )
    close_form = (
        TrackedCloseForm(initial={"version": item.version, "outcome": "done"})
        if is_open and is_rdec(user)
        else None
    )
    reschedule_form = (
        TrackedRescheduleForm(initial={"version": item.version}) if is_open and is_rdec(user) else None
    )
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        form: forms.Form | None = None
        try:
            if action == "update" and update_form is not None:
                form = update_form = TrackedUpdateForm(request.POST)
                if form.is_valid():
                    tracked_services.tracked_item_update_add(
                        item=item,
                        progress=form.cleaned_data["progress"],
                        user=user,
                        expected_version=form.cleaned_data["version"],
                    )
                    messages.success(request, _("已回報辦理情形。"))
                    return redirect("web:annual_tracked_item", item_id=item.pk)
                status = 400
            elif action == "reschedule" and reschedule_form is not None:
                form = reschedule_form = TrackedRescheduleForm(request.POST)
                if form.is_valid():
                    tracked_services.tracked_item_reschedule(
                        item=item, due_on=form.cleaned_data["due_on"], reason=form.cleaned_data["reason"],
                        user=user, expected_version=form.cleaned_data["version"],
                    )  # fmt: skip
                    messages.success(request, _("已調整預定完成日。"))
                    return redirect("web:annual_tracked_item", item_id=item.pk)
                status = 400
            elif action == "close" and close_form is not None:
                form = close_form = TrackedCloseForm(request.POST)
                if form.is_valid():
                    tracked_services.tracked_item_close(
                        item=item,
                        user=user,
                        expected_version=form.cleaned_data["version"],
                        cancelled=form.cleaned_data["outcome"] == "cancelled",
                    )
                    messages.success(request, _("已解除列管。"))
                    return redirect("web:annual_tracked_item", item_id=item.pk)
                status = 400
            else:
                raise Http404
        except ApplicationError as error:
            assert form is not None
            status = _refused(form, error, version=item.version)
    return render(
        request,
        "web/programs_annual/tracked_item.html",
        {
            "item": item,
            "marks": tracked_selectors.tracked_item_marks(item=item, today=_today()),
            "updates": item.updates.select_related("author"),
            "update_form": update_form,
            "close_form": close_form,
            "reschedule_form": reschedule_form,
        },
        status=status,
    )


# --- municipal enterprise evaluations ---------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def enterprise_evaluations(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = EnterpriseOpenForm(request.POST or None) if is_rdec(user) else None
    status = 200
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            try:
                record = enterprise_services.enterprise_evaluation_open(
                    enterprise=form.cleaned_data["enterprise"],
                    year=form.cleaned_data["year"] + 1911,
                    user=user,
                )
            except ApplicationError as error:
                status = _refused(form, error)
            else:
                messages.success(request, _("已建立考核，請組成考評小組。"))
                return redirect("web:annual_enterprise", evaluation_id=record.pk)
        else:
            status = 400
    records = enterprise_selectors.enterprise_evaluations_visible(user=user)
    recommendations = enterprise_selectors.recommendations_visible(user=user)
    if request.GET.get("format") == "xlsx":
        columns = [
            Column("受評事業", 24),
            Column("年度", 8),
            Column("序號", 6),
            Column("委員建議", 50),
            Column("狀態", 14),
            Column("回復期限", 12),
            Column("辦理情形", 50),
            Column("研考會意見", 30),
        ]
        body = workbook_build(
            sheets=[
                (
                    "委員建議事項",
                    columns,
                    (
                        [
                            r.evaluation.enterprise.name,
                            _roc_year(r.evaluation.year),
                            r.number,
                            r.text,
                            r.get_status_display(),
                            r.due_on,
                            r.response,
                            r.review_note,
                        ]
                        for r in recommendations
                    ),
                )
            ]
        )
        _export_audited(request, target="programs_annual.recommendation", rows=recommendations.count())
        return xlsx_download(data=body, filename="enterprise-recommendations.xlsx")
    today = _today()
    return render(
        request,
        "web/programs_annual/enterprise_list.html",
        {
            "records": records,
            "recommendations": [
                (r, r.status != Recommendation.Status.CLOSED and r.due_on < today) for r in recommendations
            ],
            "form": form,
        },
        status=status,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def enterprise_evaluation(request: HttpRequest, evaluation_id: int) -> HttpResponse:
    user: Any = request.user
    try:
        record = enterprise_selectors.enterprise_evaluation_get(user=user, evaluation_id=evaluation_id)
    except NotFoundError:
        raise Http404 from None
    criteria = enterprise_criteria(on=enterprise_services.evaluation_rule_date(record))
    seat = enterprise_selectors.panel_seat_of(user=user, evaluation=record)
    scoring = record.status == EnterpriseEvaluation.Status.SCORING
    rdec = is_rdec(user)
    status = 200
    forms_: dict[str, Any] = {}
    if rdec and scoring:
        forms_["member"] = PanelMemberForm()
        forms_["report"] = ReportForm(initial={"version": record.version})
    action = request.POST.get("action", "") if request.method == "POST" else ""
    form: forms.Form
    try:
        if action == "member" and "member" in forms_:
            form = forms_["member"] = PanelMemberForm(request.POST)
            if form.is_valid():
                reviewer = User.objects.filter(
                    username=form.cleaned_data["username"].strip(), is_active=True
                ).first()
                if reviewer is None:
                    raise ApplicationError(_("找不到這個帳號，請確認委員帳號。"))
                enterprise_services.panel_member_add(
                    evaluation=record,
                    reviewer=reviewer,
                    is_external=form.cleaned_data["is_external"],
                    affiliation=form.cleaned_data["affiliation"],
                    user=user,
                )
                messages.success(request, _("已加入考評小組。"))
                return redirect("web:annual_enterprise", evaluation_id=record.pk)
            status = 400
        elif action == "scores" and seat is not None and scoring:
            scores = {
                c.code: enterprise_services.ScoreInput(
                    score=request.POST.get(f"score_{c.code}", ""),
                    comment=request.POST.get(f"comment_{c.code}", ""),
                )
                for c in criteria
            }
            enterprise_services.criterion_scores_submit(member=seat, scores=scores, user=user)
            messages.success(request, _("已送出評分。"))
            return redirect("web:annual_enterprise", evaluation_id=record.pk)
        elif action == "report" and "report" in forms_:
            form = forms_["report"] = ReportForm(request.POST)
            if form.is_valid():
                enterprise_services.enterprise_evaluation_report(
                    evaluation=record,
                    report=form.cleaned_data["report"],
                    recommendations=form.cleaned_data["recommendations"].splitlines(),
                    user=user,
                    expected_version=form.cleaned_data["version"],
                )
                messages.success(request, _("已函送考評報告，委員建議事項開始追蹤。"))
                return redirect("web:annual_enterprise", evaluation_id=record.pk)
            status = 400
        elif action in ("respond", "recommendation_review"):
            recommendation = record.recommendations.filter(pk=request.POST.get("recommendation") or 0).first()
            if recommendation is None:
                raise Http404
            if action == "respond":
                form = RespondForm(request.POST)
                if form.is_valid():
                    enterprise_services.recommendation_respond(
                        recommendation=recommendation,
                        response=form.cleaned_data["response"],
                        user=user,
                        expected_version=form.cleaned_data["version"],
                    )
                    messages.success(request, _("已回復辦理情形。"))
                    return redirect("web:annual_enterprise", evaluation_id=record.pk)
            else:
                form = RecommendationReviewForm(request.POST)
                if form.is_valid():
                    enterprise_services.recommendation_review(
                        recommendation=recommendation,
                        accept=form.cleaned_data["decision"] == "accept",
                        note=form.cleaned_data["note"],
                        user=user,
                        expected_version=form.cleaned_data["version"],
                    )
                    messages.success(request, _("已審查辦理情形。"))
                    return redirect("web:annual_enterprise", evaluation_id=record.pk)
            messages.error(request, _("請填寫必要欄位。"))
            status = 400
        elif action:
            raise Http404
    except ApplicationError as error:
        messages.error(request, error.message)
        status = (
            409
            if isinstance(error, ConflictError)
            else (403 if isinstance(error, PermissionDeniedError) else 400)
        )
    my_scores = {s.criterion: s for s in seat.scores.all()} if seat else {}
    visible_scores = list(enterprise_selectors.scores_visible(user=user, evaluation=record))
    panel_rows = [
        {"member": m, "scores": {s.criterion: s.score for s in visible_scores if s.member_id == m.pk}}
        for m in record.panel.select_related("user")
        if rdec or reads_all(user) or (seat and m.pk == seat.pk)
    ]
    recommendations = [
        {
            "item": r,
            "respond": RespondForm(initial={"version": r.version})
            if enterprise_selectors.recommendation_can_respond(user=user, recommendation=r)
            else None,
            "review": RecommendationReviewForm(initial={"version": r.version, "decision": "accept"})
            if rdec and r.status == Recommendation.Status.RESPONDED
            else None,
        }
        for r in record.recommendations.all()
    ]
    return render(
        request,
        "web/programs_annual/enterprise.html",
        {
            "record": record,
            "roc_year": _roc_year(record.year),
            "criteria": criteria,
            "seat": seat,
            "scoring": scoring,
            "my_scores": my_scores,
            "panel_rows": panel_rows,
            "forms": forms_,
            "recommendations": recommendations,
            "shows_scores": rdec or reads_all(user) or seat is not None,
            "is_enterprise": agency_in_scope(scope=user.agency, agency=record.enterprise)
            if user.agency_id
            else False,
        },
        status=status,
    )
