"""The 1999 operator console: log a call in a few keystrokes, and the live calls dashboard.

Thin over `yankao.servicedesk.services.call_log` and the hotline selectors. The console is the
operators' alone (403 for anyone else). As the operator types, htmx asks for the caller's earlier
calls and cases (once the number is whole) and for likely duplicates of what is being said
(debounced); both are POSTs, so a caller's number never lands in a URL or an access log.

The form carries a signed token holding its one-submission key and the moment it was shown:
the call's start. "新來電" (Alt+N) shows a fresh form, starting the clock again.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from yankao.cases.selectors import case_get_for_user
from yankao.core.exceptions import ApplicationError
from yankao.core.models import Agency, Role
from yankao.core.report_registry import Chart, ChartKind, ChartSeries
from yankao.reports.renderers.svg import chart_svg
from yankao.servicedesk.hotline_selectors import (
    call_list_for_case,
    caller_history,
    hotline_category_list,
    hotline_category_match,
    hotline_live_board,
)
from yankao.servicedesk.hotline_services import CallInvalidError, call_log
from yankao.servicedesk.models import CallOutcome
from yankao.web.views.access import staff_required

TOKEN_SALT = "yankao.hotline.call-form"  # noqa: S105  (a signing namespace, not a secret)
DASHBOARD_ROLES = frozenset({Role.OPERATOR, Role.RDEC_STAFF, Role.RDEC_ADMIN, Role.AUDITOR})
DUPLICATE_TEXT_MIN = 4  # characters of the summary before duplicates are looked for


@dataclass(frozen=True)
class Shortcut:
    keys: str
    label: Any  # a lazy translation
    target: str  # the id of the field to focus or the button to press


FIELD_SHORTCUTS = (
    Shortcut("Alt+1", gettext_lazy("來電號碼"), "id_phone"),
    Shortcut("Alt+2", gettext_lazy("類別"), "id_category"),
    Shortcut("Alt+3", gettext_lazy("來電摘要"), "id_summary"),
    Shortcut("Alt+4", gettext_lazy("答復內容"), "id_answer"),
    Shortcut("Alt+5", gettext_lazy("地點"), "id_location_text"),
)
OUTCOME_BUTTONS = (
    (CallOutcome.ANSWERED, "Alt+A", "a"),
    (CallOutcome.DISPATCHED, "Alt+D", "d"),
    (CallOutcome.PETITION, "Alt+P", "p"),
    (CallOutcome.TRANSFERRED, "Alt+T", "t"),
    (CallOutcome.OTHER, "Alt+O", "o"),
)


class CallForm(forms.Form):
    phone = forms.CharField(
        label=gettext_lazy("來電號碼"),
        required=False,
        max_length=30,
        help_text=gettext_lazy("未顯示號碼時留空"),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    caller_name = forms.CharField(
        label=gettext_lazy("來電者姓名"),
        required=False,
        max_length=60,
        help_text=gettext_lazy("轉陳情時必填"),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    category = forms.CharField(
        label=gettext_lazy("類別"),
        max_length=60,
        help_text=gettext_lazy("輸入後從清單選"),
        widget=forms.TextInput(attrs={"list": "hotline-categories", "autocomplete": "off"}),
    )
    summary = forms.CharField(
        label=gettext_lazy("來電摘要"),
        required=False,
        help_text=gettext_lazy("第一行為案件主旨"),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    answer = forms.CharField(
        label=gettext_lazy("答復內容"),
        required=False,
        help_text=gettext_lazy("當場答復時必填"),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    location_text = forms.CharField(
        label=gettext_lazy("地點"), required=False, max_length=200, widget=forms.TextInput()
    )
    district = forms.ModelChoiceField(
        label=gettext_lazy("行政區"),
        required=False,
        queryset=Agency.objects.filter(kind=Agency.Kind.DISTRICT_OFFICE).order_by("code"),
        empty_label=gettext_lazy("（不指定）"),
    )
    token = forms.CharField(widget=forms.HiddenInput())

    def clean_category(self) -> str:
        text = self.cleaned_data["category"]
        category = hotline_category_match(text=text)
        if category is None:
            raise forms.ValidationError(_("查無類別「%(text)s」，請從清單中選擇。") % {"text": text})
        return category.code

    def clean_token(self) -> dict[str, Any]:
        try:
            value: dict[str, Any] = signing.loads(self.cleaned_data["token"], salt=TOKEN_SALT)
        except signing.BadSignature:
            raise forms.ValidationError(_("表單已失效，請按「新來電」重新開始。")) from None
        return value


def _token_issue() -> str:
    return signing.dumps({"key": uuid.uuid4().hex, "at": timezone.now().timestamp()}, salt=TOKEN_SALT)


def _operator(request: HttpRequest) -> Any:
    user: Any = request.user
    if user.role != Role.OPERATOR:
        raise PermissionDenied(_("1999話務登錄限話務員使用。"))
    return user


@never_cache
@staff_required
@require_http_methods(["GET", "POST"])
def hotline_console(request: HttpRequest) -> HttpResponse:
    user = _operator(request)
    if request.method != "POST":
        return _render(request, CallForm(initial={"token": _token_issue()}))
    form = CallForm(request.POST)
    outcome = request.POST.get("outcome", "")
    if form.is_valid():
        data = form.cleaned_data
        try:
            result = call_log(
                operator=user,
                started_at=datetime.fromtimestamp(float(data["token"]["at"]), tz=UTC),
                outcome=outcome,
                category_code=data["category"],
                phone=data["phone"],
                summary=data["summary"],
                answer=data["answer"],
                caller_name=data["caller_name"],
                location_text=data["location_text"],
                district=data["district"],
                idempotency_key=str(data["token"]["key"]),
            )
        except CallInvalidError as error:
            for name, problems in error.errors.items():
                for problem in problems:
                    form.add_error(name if name in form.fields else None, problem)
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _logged_message(result))
            return redirect(reverse("web:hotline_console"), permanent=False)
    return _render(request, form, status=400, outcome=outcome)


def _logged_message(result: Any) -> str:
    call, case = result.call, result.case
    label = CallOutcome(call.outcome).label
    minutes, seconds = divmod(call.duration_seconds, 60)
    text = _("已登錄來電（%(outcome)s，通話 %(m)d 分 %(s)02d 秒）") % {
        "outcome": label,
        "m": minutes,
        "s": seconds,
    }
    if not result.created:
        return _("這通來電已登錄過，未重複登錄。")
    if call.transferred_reference:
        return text + _("；已移轉，對方編號 %(ref)s。") % {"ref": call.transferred_reference}
    if case is not None:
        return text + _("；案件編號 %(number)s，查詢碼 %(code)s（請告知來電者），由%(agency)s辦理。") % {
            "number": case.number,
            "code": result.tracking_code,
            "agency": case.agency.name,
        }
    return text + "。"


def _render(request: HttpRequest, form: CallForm, *, status: int = 200, outcome: str = "") -> HttpResponse:
    token = form.data.get("token") if form.is_bound else form.initial.get("token")
    try:
        started = signing.loads(str(token), salt=TOKEN_SALT)["at"]
    except (signing.BadSignature, KeyError, TypeError):
        started = None
    context = {
        # The call's clock on screen (hotline.js counts from this instant).
        "started_ms": int(float(started) * 1000) if started is not None else None,
        "form": form,
        "categories": hotline_category_list(),
        "field_shortcuts": FIELD_SHORTCUTS,
        "outcomes": [
            {"value": value.value, "label": value.label, "keys": keys, "key": key, "chosen": value == outcome}
            for value, keys, key in OUTCOME_BUTTONS
        ],
        "caller_url": reverse("web:hotline_caller"),
        "duplicates_url": reverse("web:hotline_duplicates"),
    }
    return render(request, "web/hotline/console.html", context, status=status)


@never_cache
@staff_required
@require_POST
def hotline_caller(request: HttpRequest) -> HttpResponse:
    """The caller's earlier calls and cases, for the side panel (htmx), once the number is whole."""
    user = _operator(request)
    try:
        history = caller_history(user=user, phone=request.POST.get("phone", ""))
    except ApplicationError as error:
        return render(request, "web/hotline/_caller.html", {"error": error.message})
    return render(request, "web/hotline/_caller.html", {"history": history})


@never_cache
@staff_required
@require_POST
def hotline_duplicates(request: HttpRequest) -> HttpResponse:
    """Open cases that look like what the caller is describing (htmx, debounced as they type)."""
    _operator(request)
    text = f"{request.POST.get('summary', '')}".strip()
    context: dict[str, Any] = {"candidates": [], "asked": len(text) >= DUPLICATE_TEXT_MIN}
    if context["asked"]:
        category = hotline_category_match(text=request.POST.get("category", ""))
        try:
            from yankao.servicedesk.duplicates import duplicate_candidates_find
        except ImportError:  # the duplicate detection lands separately; the console works without it
            context["unavailable"] = True
        else:
            context["candidates"] = duplicate_candidates_find(
                text=text,
                category_code=category.code if category else None,
                phone=request.POST.get("phone", ""),
                address=request.POST.get("location_text", ""),
                received_at=timezone.now(),
            )
    return render(request, "web/hotline/_duplicates.html", context)


@never_cache
@staff_required
def hotline_dashboard(request: HttpRequest) -> HttpResponse:
    """Today's calls as they come in; the figures part refreshes itself every 30 seconds (htmx)."""
    user: Any = request.user
    if user.role not in DASHBOARD_ROLES:
        raise PermissionDenied(_("話務即時看板限1999話務員與研考會同仁檢視。"))
    board = hotline_live_board(user=user)
    template = (
        "web/hotline/_board.html" if request.headers.get("HX-Request") else "web/hotline/dashboard.html"
    )
    return render(request, template, {"board": board, "hours_chart": _hours_chart(board.hours)})


def _hours_chart(hours: list[int]) -> SafeString:
    chart = Chart(
        title=_("今日各時段來電"),
        kind=ChartKind.COLUMN,
        categories=tuple(f"{hour:02d}" for hour in range(24)),
        series=(ChartSeries(name=_("通數"), values=tuple(hours)),),
        unit=_("通"),
    )
    return mark_safe(chart_svg(chart=chart, width=720, height=260))  # noqa: S308  (our SVG; the renderer escapes text)


@never_cache
@staff_required
def hotline_case_calls(request: HttpRequest, number: str) -> HttpResponse:
    """The calls behind a case, for whoever may see the case (an officer sees calls only this way)."""
    try:
        case = case_get_for_user(user=request.user, number=number)
        calls = call_list_for_case(user=request.user, case_id=case.pk)
    except ApplicationError as error:
        raise Http404(error.message) from error
    return render(request, "web/hotline/case_calls.html", {"case": case, "calls": calls})
