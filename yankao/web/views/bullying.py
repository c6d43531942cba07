"""The bullying module's console pages (ADR 0012): the register, intake, one report with a form for
each step allowed now, the hand-off from the service desk, and the aggregate dashboard.

Only designated bullying staff (the investigator role) reach a report; every other staff member
is sent to the dashboard, which shows counts only. Names are masked on every page; a reveal is a
POST with a reason whose answer is rendered once, never stored in the session or a URL.
Action forms post the version the page showed: a change by someone else in between is refused.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yankao.bullying import services
from yankao.bullying.models import (
    AppealResult,
    BullyingAttachment,
    BullyingReport,
    Ground,
    Method,
    Outcome,
    PartyRole,
    Source,
    State,
)
from yankao.bullying.permissions import can_handle_bullying, can_view_bullying_statistics
from yankao.bullying.report_sections import bullying_content
from yankao.bullying.selectors import (
    bullying_due_summary,
    bullying_report_for_update,
    bullying_report_get_for_user,
    bullying_report_list_for_user,
    bullying_statistics,
)
from yankao.bullying.workflow import Action, actions_allowed
from yankao.cases.selectors import case_get_for_user
from yankao.cases.services import case_transfer_kind
from yankao.core.exceptions import ApplicationError, NotFoundError, PermissionDeniedError
from yankao.core.roc_dates import FORMATS_HINT, TAIWAN, roc_date_format, roc_date_parse
from yankao.core.working_days import taiwan_date
from yankao.reports.renderers.numbers import number_format
from yankao.reports.renderers.svg import chart_svg
from yankao.web.views.access import staff_required

# --- form fields ------------------------------------------------------------------------------


class RocDateField(forms.CharField):
    """A date typed as officials write it (113/06/03) or ISO."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", FORMATS_HINT)
        super().__init__(**kwargs)

    def clean(self, value: Any) -> date | None:
        text = super().clean(value)
        if not text:
            return None
        try:
            return roc_date_parse(text)
        except ApplicationError as error:
            raise forms.ValidationError(error.message) from error


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class IntakeForm(forms.Form):
    source = forms.ChoiceField(label=gettext_lazy("通報來源"), choices=Source.choices)
    received_on = RocDateField(label=gettext_lazy("收件日"))
    received_time = forms.TimeField(label=gettext_lazy("收件時間"), help_text=gettext_lazy("例如 14:30"))
    school = forms.CharField(label=gettext_lazy("學校"), max_length=100)
    summary = forms.CharField(
        label=gettext_lazy("通報內容（發生經過）"), widget=forms.Textarea(attrs={"rows": 6})
    )
    is_anonymous = forms.BooleanField(label=gettext_lazy("匿名檢舉"), required=False)
    names_actor = forms.BooleanField(label=gettext_lazy("已指明行為人"), required=False)
    names_acts = forms.BooleanField(label=gettext_lazy("已指明具體霸凌行為"), required=False)
    reporter_name = forms.CharField(label=gettext_lazy("檢舉人姓名"), required=False, max_length=60)
    reporter_phone = forms.CharField(label=gettext_lazy("檢舉人電話"), required=False, max_length=30)
    reporter_email = forms.EmailField(label=gettext_lazy("檢舉人電子郵件"), required=False)
    victim_name = forms.CharField(label=gettext_lazy("被霸凌學生姓名"), required=False, max_length=60)
    victim_detail = forms.CharField(label=gettext_lazy("被霸凌學生班級座號"), required=False, max_length=60)
    actor_name = forms.CharField(label=gettext_lazy("行為人姓名"), required=False, max_length=60)
    actor_detail = forms.CharField(label=gettext_lazy("行為人班級座號"), required=False, max_length=60)
    witness_name = forms.CharField(label=gettext_lazy("證人姓名"), required=False, max_length=60)


class AuthorityReportForm(VersionForm):
    reported_on = RocDateField(label=gettext_lazy("校安通報日"))
    reported_time = forms.TimeField(label=gettext_lazy("校安通報時間"), help_text=gettext_lazy("例如 16:00"))


class AcceptForm(VersionForm):
    decided_on = RocDateField(label=gettext_lazy("審查決議日"))


class NotAcceptForm(VersionForm):
    decided_on = RocDateField(label=gettext_lazy("審查決議日"))
    ground = forms.ChoiceField(label=gettext_lazy("不予受理事由（準則第25條）"), choices=Ground.choices)
    unanimous = forms.BooleanField(label=gettext_lazy("審查小組全體委員一致決議"), required=False)


class NoticeForm(VersionForm):
    sent_on = RocDateField(label=gettext_lazy("書面通知日"), required=False)
    unreachable = forms.BooleanField(label=gettext_lazy("無從通知檢舉人"), required=False)


class TeamForm(VersionForm):
    formed_on = RocDateField(label=gettext_lazy("處理小組組成日"))
    method = forms.ChoiceField(label=gettext_lazy("處理方式"), choices=Method.choices)


class MeetingForm(VersionForm):
    met_on = RocDateField(label=gettext_lazy("第一次會議日"))


class ExtendForm(VersionForm):
    months = forms.IntegerField(label=gettext_lazy("延長月數"), min_value=1, initial=1)
    reason = forms.CharField(label=gettext_lazy("延長理由"), widget=forms.Textarea(attrs={"rows": 2}))
    decided_on = RocDateField(label=gettext_lazy("延長決定日"))
    notice_sent_on = RocDateField(label=gettext_lazy("通知當事人日"))


class OutcomeForm(VersionForm):
    outcome = forms.ChoiceField(label=gettext_lazy("調查結果"), choices=Outcome.choices)
    decided_on = RocDateField(label=gettext_lazy("調查結果決定日"))
    notified_on = RocDateField(label=gettext_lazy("結果通知送達日"))
    follow_up = forms.CharField(
        label=gettext_lazy("輔導及追蹤措施"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class FollowUpForm(VersionForm):
    follow_up = forms.CharField(
        label=gettext_lazy("輔導及追蹤措施"), widget=forms.Textarea(attrs={"rows": 3})
    )


class AppealForm(VersionForm):
    filed_on = RocDateField(label=gettext_lazy("申復日"))


class AppealDecideForm(VersionForm):
    result = forms.ChoiceField(label=gettext_lazy("申復結果"), choices=AppealResult.choices)
    decided_on = RocDateField(label=gettext_lazy("申復決定日"))


class CloseForm(VersionForm):
    closed_on = RocDateField(label=gettext_lazy("結案日"))


class PartyForm(VersionForm):
    role = forms.ChoiceField(label=gettext_lazy("身分"), choices=PartyRole.choices)
    name = forms.CharField(label=gettext_lazy("姓名"), max_length=60)
    detail = forms.CharField(label=gettext_lazy("班級座號等識別資料"), max_length=60, required=False)


class RevealForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("檢視理由"),
        max_length=200,
        help_text=gettext_lazy("理由會記入稽核紀錄；請勿在理由中寫入姓名。"),
    )


class HandoffForm(forms.Form):
    number = forms.CharField(label=gettext_lazy("陳情案號"), max_length=40)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class FilterForm(forms.Form):
    state = forms.ChoiceField(
        label=gettext_lazy("狀態"),
        required=False,
        choices=[("", gettext_lazy("全部")), ("open", gettext_lazy("處理中（未結案）")), *State.choices],
    )
    source = forms.ChoiceField(
        label=gettext_lazy("通報來源"), required=False, choices=[("", gettext_lazy("全部")), *Source.choices]
    )
    year = forms.IntegerField(
        label=gettext_lazy("收件年度（民國）"),
        required=False,
        min_value=90,
        max_value=200,
        help_text=gettext_lazy("例如 112"),
    )


class PeriodForm(forms.Form):
    date_from = RocDateField(label=gettext_lazy("起日"), required=False)
    date_to = RocDateField(label=gettext_lazy("迄日"), required=False, help_text="")


# --- the steps ---------------------------------------------------------------------------------


def _at(day: date, moment: time) -> datetime:
    return datetime.combine(day, moment, tzinfo=TAIWAN)


@dataclass(frozen=True)
class Step:
    key: str
    label: Any
    form_class: type[forms.Form]
    action: str
    perform: Callable[[BullyingReport, Any, dict[str, Any]], Any]
    done: Any


STEPS: dict[str, Step] = {
    step.key: step
    for step in (
        Step(
            "authority_report",
            gettext_lazy("登錄校安通報"),
            AuthorityReportForm,
            Action.AUTHORITY_REPORT,
            lambda r, u, d: services.bullying_authority_report_record(
                report=r,
                user=u,
                reported_at=_at(d["reported_on"], d["reported_time"]),
                expected_version=d["version"],
            ),
            gettext_lazy("已登錄校安通報。"),
        ),
        Step(
            "accept",
            gettext_lazy("審查決議：受理"),
            AcceptForm,
            Action.ACCEPT,
            lambda r, u, d: services.bullying_screening_decide(
                report=r, user=u, accept=True, decided_on=d["decided_on"], expected_version=d["version"]
            ),
            gettext_lazy("已決議受理；請於期限內組成處理小組。"),
        ),
        Step(
            "not_accept",
            gettext_lazy("審查決議：不予受理"),
            NotAcceptForm,
            Action.NOT_ACCEPT,
            lambda r, u, d: services.bullying_screening_decide(
                report=r,
                user=u,
                accept=False,
                decided_on=d["decided_on"],
                ground=d["ground"],
                unanimous=d["unanimous"],
                expected_version=d["version"],
            ),
            gettext_lazy("已決議不予受理；請以書面通知並敘明理由。"),
        ),
        Step(
            "notice",
            gettext_lazy("登錄受理與否書面通知"),
            NoticeForm,
            Action.NOTICE,
            lambda r, u, d: services.bullying_notice_record(
                report=r,
                user=u,
                sent_on=d["sent_on"],
                unreachable=d["unreachable"],
                expected_version=d["version"],
            ),
            gettext_lazy("已登錄書面通知。"),
        ),
        Step(
            "form_team",
            gettext_lazy("組成處理小組"),
            TeamForm,
            Action.FORM_TEAM,
            lambda r, u, d: services.bullying_team_form(
                report=r, user=u, formed_on=d["formed_on"], method=d["method"], expected_version=d["version"]
            ),
            gettext_lazy("已登錄處理小組。"),
        ),
        Step(
            "first_meeting",
            gettext_lazy("登錄第一次會議"),
            MeetingForm,
            Action.FIRST_MEETING,
            lambda r, u, d: services.bullying_first_meeting_record(
                report=r, user=u, met_on=d["met_on"], expected_version=d["version"]
            ),
            gettext_lazy("已登錄第一次會議，調查期限開始計算。"),
        ),
        Step(
            "extend",
            gettext_lazy("延長調查期限"),
            ExtendForm,
            Action.EXTEND,
            lambda r, u, d: services.bullying_investigation_extend(
                report=r,
                user=u,
                months=d["months"],
                reason=d["reason"],
                decided_on=d["decided_on"],
                notice_sent_on=d["notice_sent_on"],
                expected_version=d["version"],
            ),
            gettext_lazy("已延長調查期限。"),
        ),
        Step(
            "outcome",
            gettext_lazy("登錄調查結果"),
            OutcomeForm,
            Action.OUTCOME,
            lambda r, u, d: services.bullying_outcome_record(
                report=r,
                user=u,
                outcome=d["outcome"],
                decided_on=d["decided_on"],
                notified_on=d["notified_on"],
                follow_up=d["follow_up"],
                expected_version=d["version"],
            ),
            gettext_lazy("已登錄調查結果，申復期間開始計算。"),
        ),
        Step(
            "follow_up",
            gettext_lazy("更新輔導及追蹤措施"),
            FollowUpForm,
            Action.FOLLOW_UP,
            lambda r, u, d: services.bullying_follow_up_update(
                report=r, user=u, follow_up=d["follow_up"], expected_version=d["version"]
            ),
            gettext_lazy("已更新追蹤措施。"),
        ),
        Step(
            "appeal",
            gettext_lazy("登錄申復"),
            AppealForm,
            Action.APPEAL,
            lambda r, u, d: services.bullying_appeal_file(
                report=r, user=u, filed_on=d["filed_on"], expected_version=d["version"]
            ),
            gettext_lazy("已登錄申復。"),
        ),
        Step(
            "appeal_decide",
            gettext_lazy("登錄申復結果"),
            AppealDecideForm,
            Action.APPEAL_DECIDE,
            lambda r, u, d: services.bullying_appeal_decide(
                report=r,
                user=u,
                result=d["result"],
                decided_on=d["decided_on"],
                expected_version=d["version"],
            ),
            gettext_lazy("已登錄申復結果。"),
        ),
        Step(
            "add_party",
            gettext_lazy("新增關係人"),
            PartyForm,
            Action.ADD_PARTY,
            lambda r, u, d: services.bullying_party_add(
                report=r,
                user=u,
                party=services.PartyInput(role=d["role"], name=d["name"], detail=d["detail"]),
                expected_version=d["version"],
            ),
            gettext_lazy("已新增關係人（姓名加密保存）。"),
        ),
        Step(
            "close",
            gettext_lazy("結案"),
            CloseForm,
            Action.CLOSE,
            lambda r, u, d: services.bullying_report_close(
                report=r, user=u, closed_on=d["closed_on"], expected_version=d["version"]
            ),
            gettext_lazy("已結案。"),
        ),
    )
}


EVENT_LABELS: dict[str, Any] = {"intake": gettext_lazy("收件"), **{a.value: a.label for a in Action}}


# --- pages ------------------------------------------------------------------------------------


def _require_handler(request: HttpRequest) -> None:
    if not can_handle_bullying(request.user):
        raise PermissionDenied(_("校園霸凌通報僅限指定的霸凌調查人員檢視；其他同仁請參閱統計數字。"))


@staff_required
@require_GET
def bullying_register(request: HttpRequest) -> HttpResponse:
    if not can_handle_bullying(request.user):
        # Everyone else on the staff sees the figures only.
        return redirect("web:bullying_dashboard")
    form = FilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    rows = bullying_report_list_for_user(
        user=request.user,
        state=data.get("state", ""),
        source=data.get("source", ""),
        due=request.GET.get("due", "") if request.GET.get("due") in ("due_soon", "overdue") else "",
        year=data["year"] + 1911 if data.get("year") else None,
    )
    summary = bullying_due_summary(user=request.user)
    return render(request, "web/bullying/register.html", {"form": form, "rows": rows, "summary": summary})


@staff_required
@require_http_methods(["GET", "POST"])
def bullying_new(request: HttpRequest) -> HttpResponse:
    _require_handler(request)
    now = timezone.localtime(timezone.now(), TAIWAN)
    form = IntakeForm(
        request.POST or None,
        initial={"received_on": roc_date_format(now.date()), "received_time": now.strftime("%H:%M")},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        parties = [
            services.PartyInput(role=role, name=data[f"{key}_name"], detail=data.get(f"{key}_detail", ""))
            for key, role in (
                ("victim", PartyRole.VICTIM),
                ("actor", PartyRole.ACTOR),
                ("witness", PartyRole.WITNESS),
            )
            if data[f"{key}_name"].strip()
        ]
        try:
            report = services.bullying_report_intake(
                data=services.ReportInput(
                    source=data["source"],
                    summary=data["summary"],
                    school=data["school"],
                    reporter=services.Reporter(
                        name=data["reporter_name"], phone=data["reporter_phone"], email=data["reporter_email"]
                    ),
                    is_anonymous=data["is_anonymous"],
                    names_actor=data["names_actor"],
                    names_acts=data["names_acts"],
                    parties=parties,
                    received_at=_at(data["received_on"], data["received_time"]),
                ),
                user=request.user,
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("已登錄通報 %(number)s。") % {"number": report.number})
            return redirect("web:bullying_detail", number=report.number)
    return render(request, "web/bullying/new.html", {"form": form}, status=400 if form.errors else 200)


def _detail_page(
    request: HttpRequest,
    number: str,
    *,
    reveal_reason: str = "",
    failed: tuple[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    try:
        detail = bullying_report_get_for_user(user=request.user, number=number, reveal_reason=reveal_reason)
    except PermissionDeniedError as error:
        raise PermissionDenied(error.message) from error
    except NotFoundError as error:
        raise Http404(error.message) from error
    report = detail.report
    allowed = actions_allowed(state=report.state)
    steps = []
    for step in STEPS.values():
        if step.action not in allowed:
            continue
        if step.key == "authority_report" and report.authority_reported_at is not None:
            continue
        if step.key == "notice" and (report.notice_sent_on or report.notice_unreachable):
            continue
        if step.key == "appeal" and report.appeal_filed_on is not None:
            continue
        if failed and failed[0] == step.key:
            form = failed[1]
        else:
            form = step.form_class(initial={"version": report.version}, prefix=step.key)
        steps.append(
            {
                "key": step.key,
                "label": step.label,
                "form": form,
                "open": bool(failed and failed[0] == step.key),
            }
        )
    failure = None
    if failed and not any(step["key"] == failed[0] for step in steps):
        # The step is no longer possible (someone moved the report on): say why, above everything.
        failure = {"label": STEPS[failed[0]].label, "errors": [str(e) for e in failed[1].non_field_errors()]}
    context = {
        "failure": failure,
        "detail": detail,
        "report": report,
        "steps": steps,
        "reveal_form": RevealForm(prefix="reveal"),
        "timeline": [
            (event.at, EVENT_LABELS.get(event.kind, event.kind), event.actor.username if event.actor else "")
            for event in report.events.select_related("actor").order_by("at", "id")
        ],
    }
    return render(request, "web/bullying/detail.html", context, status=status)


@staff_required
@require_GET
def bullying_detail(request: HttpRequest, number: str) -> HttpResponse:
    _require_handler(request)
    return _detail_page(request, number)


@staff_required
@require_POST
def bullying_reveal(request: HttpRequest, number: str) -> HttpResponse:
    _require_handler(request)
    form = RevealForm(request.POST, prefix="reveal")
    if not form.is_valid():
        messages.error(request, _("請填寫檢視個人資料的理由。"))
        return redirect("web:bullying_detail", number=number)
    try:
        response = _detail_page(request, number, reveal_reason=form.cleaned_data["reason"])
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("web:bullying_detail", number=number)
    # The revealed page must not be kept by the browser or a proxy.
    response["Cache-Control"] = "no-store"
    return response


@staff_required
@require_POST
def bullying_action(request: HttpRequest, number: str, action: str) -> HttpResponse:
    _require_handler(request)
    step = STEPS.get(action)
    if step is None:
        raise Http404
    try:
        report = bullying_report_for_update(user=request.user, number=number)
    except NotFoundError as error:
        raise Http404(error.message) from error
    form = step.form_class(request.POST, prefix=step.key)
    if form.is_valid():
        try:
            step.perform(report, request.user, form.cleaned_data)
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, str(step.done))
            return redirect("web:bullying_detail", number=number)
    return _detail_page(request, number, failed=(step.key, form), status=409 if _conflict(form) else 400)


def _conflict(form: forms.Form) -> bool:
    return any("為免覆蓋" in str(error) for error in form.non_field_errors())


@staff_required
@require_GET
def bullying_attachment(request: HttpRequest, number: str, attachment_id: int) -> HttpResponse:
    _require_handler(request)
    attachment = BullyingAttachment.objects.filter(pk=attachment_id, report__number=number).first()
    if attachment is None:
        raise Http404
    bullying_report_get_for_user(user=request.user, number=number)  # audits the read
    response = FileResponse(attachment.file.open("rb"), as_attachment=True)
    response["Cache-Control"] = "no-store"
    return cast(HttpResponse, response)  # a streamed file; the decorators pass it through as it is


@staff_required
@require_http_methods(["GET", "POST"])
def bullying_handoff(request: HttpRequest) -> HttpResponse:
    """Hand a service-desk case that is a bullying report over to this module (by its handler)."""
    form = HandoffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        number = form.cleaned_data["number"].strip()
        try:
            case = case_get_for_user(user=request.user, number=number)
            reference = case_transfer_kind(
                case=case,
                to_kind="bullying",
                user=request.user,
                expected_version=form.cleaned_data["version"],
            )
        except (NotFoundError, PermissionDeniedError):
            form.add_error("number", _("找不到案件 %(number)s，或您無權處理該案。") % {"number": number})
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("案件 %(number)s 已移轉校園霸凌調查，參考編號 %(reference)s；本案內容已自陳情系統移除。")
                % {"number": number, "reference": reference},
            )
            return redirect("web:bullying_handoff")
    return render(request, "web/bullying/handoff.html", {"form": form}, status=400 if form.errors else 200)


@staff_required
@require_GET
def bullying_dashboard(request: HttpRequest) -> HttpResponse:
    if not can_view_bullying_statistics(request.user):
        raise PermissionDenied
    today = taiwan_date(timezone.now())
    form = PeriodForm(request.GET or None)
    context: dict[str, Any] = {"form": form}
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    first = data.get("date_from") or date(today.year, 1, 1)
    last = data.get("date_to") or today
    try:
        stats = bullying_statistics(user=request.user, first=first, last=last)
    except ApplicationError as error:
        form.add_error(None, error.message)
        return render(request, "web/bullying/dashboard.html", context, status=400)
    content = bullying_content(stats)
    context.update(
        {
            "stats": stats,
            "note": content.note,
            "figures": [(f.label, number_format(f.value), f.unit) for f in content.figures],
            "charts": [
                {
                    "id": f"bullying-chart-{index}",
                    "title": f"{chart.title}（單位：{chart.unit}）",
                    # chart_svg escapes every text it writes; the markup is the renderer's own.
                    "svg": mark_safe(chart_svg(chart=chart)),  # noqa: S308
                    "table": table,
                }
                for index, (chart, table) in enumerate(zip(content.charts, content.tables, strict=True))
            ],
            "is_handler": can_handle_bullying(request.user),
        }
    )
    return render(request, "web/bullying/dashboard.html", context)
