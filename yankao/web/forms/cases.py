"""Forms of the staff side of the case engine: the inbox's filters and one form per case action.

Forms only check the shape of what was typed (a number is a number, a reason is not empty); the
services decide whether the action is allowed and say why not.
"""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yankao.cases.models import Category, Channel
from yankao.cases.workflow import State
from yankao.core.models import Agency

REASON_MAX = 2000
REPLY_MAX = 10000


class InboxFilterForm(forms.Form):
    """The inbox's filters, read from the query string; every field is optional."""

    DUE_CHOICES = [("", _("不限")), ("soon", _("即將到期")), ("overdue", _("已逾期"))]
    ORDER_CHOICES = [("due", _("依處理期限（最急的在前）")), ("-received", _("依收件時間（最新的在前）"))]
    STATE_CHOICES = [("", _("未結案（全部）")), ("all", _("全部狀態")), *State.choices]

    search = forms.CharField(label=_("案件編號"), required=False, max_length=30)
    state = forms.ChoiceField(label=_("狀態"), required=False, choices=STATE_CHOICES)
    category = forms.ModelChoiceField(
        label=_("類別"),
        required=False,
        queryset=Category.objects.filter(is_active=True),
        to_field_name="code",
        empty_label=_("全部類別"),
    )
    channel = forms.ChoiceField(
        label=_("來源管道"), required=False, choices=[("", _("全部管道")), *Channel.choices]
    )
    due = forms.ChoiceField(label=_("期限"), required=False, choices=DUE_CHOICES)
    mine = forms.BooleanField(label=_("只看我承辦的"), required=False)
    order = forms.ChoiceField(label=_("排序"), required=False, choices=ORDER_CHOICES)

    def selector_filters(self) -> dict[str, Any]:
        """The cleaned filters as `case_list_for_user` takes them (an invalid form filters nothing)."""
        data = self.cleaned_data if self.is_valid() else {}
        filters: dict[str, Any] = {"order": data.get("order") or "due", "mine": bool(data.get("mine"))}
        state = data.get("state") or ""
        if state == "":
            # Open work is what an inbox is for; closed cases are one choice away.
            filters["states"] = [State.RECEIVED, State.ASSIGNED, State.IN_PROGRESS, State.WAITING_CITIZEN]
        elif state != "all":
            filters["state"] = state
        if data.get("category"):
            filters["category"] = data["category"].code
        if data.get("channel"):
            filters["channel"] = data["channel"]
        if data.get("due"):
            filters["due"] = data["due"]
        if data.get("search"):
            filters["search"] = data["search"].strip()
        return filters


class CaseActionForm(forms.Form):
    """Every action posts the version of the case the page showed, so a concurrent change is caught."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


def _text(
    label: Any, *, max_length: int = REASON_MAX, required: bool = True, rows: int = 3, **kw: Any
) -> Any:
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        strip=True,
        widget=forms.Textarea(attrs={"rows": rows}),
        **kw,
    )


class AcceptForm(CaseActionForm):
    pass


class RerouteForm(CaseActionForm):
    to_agency = forms.ModelChoiceField(
        label=_("改分至機關"),
        queryset=Agency.objects.order_by("path"),
        to_field_name="code",
        empty_label=_("請選擇機關"),
    )
    reason = _text(_("改分理由"), help_text=_("會記錄於案件歷程；陳情人會收到移轉通知。"))


class RequestInfoForm(CaseActionForm):
    message = _text(
        _("請民眾補正的內容"),
        rows=4,
        help_text=_("送出後暫停計時，民眾補正後再恢復；期限順延暫停的工作日數。"),
    )


class ResumeForm(CaseActionForm):
    note = _text(_("補正情形說明"), required=False, rows=2)


class ExtensionRequestForm(CaseActionForm):
    working_days = forms.IntegerField(label=_("展延工作日數"), min_value=1, max_value=60)
    reason = _text(_("展期理由"), help_text=_("經研考聯絡人核准後，陳情人會收到展期通知與理由。"))


class ExtensionDecideForm(forms.Form):
    DECISIONS = [("approve", _("核准")), ("reject", _("駁回"))]

    extension = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    decision = forms.ChoiceField(label=_("核定結果"), choices=DECISIONS, widget=forms.RadioSelect)
    note = _text(_("核定意見"), required=False, rows=2)


class ReplyForm(CaseActionForm):
    reply = _text(_("答復內容"), max_length=REPLY_MAX, rows=8, help_text=_("答復後陳情人會收到通知。"))


class CloseForm(CaseActionForm):
    pass


class TransferBullyingForm(CaseActionForm):
    confirm = forms.BooleanField(
        label=_(
            "本案涉及校園霸凌；移轉後內容與陳情人資料交由霸凌調查人員保密處理，本處只保留案號與對方編號。"
        ),
        error_messages={"required": _("請勾選確認後再移轉。")},
    )


class NotProcessForm(CaseActionForm):
    GROUNDS = [
        ("no_content", _("無具體內容（行政程序法第173條第1款）")),
        ("no_identity", _("未具真實姓名或住址（行政程序法第173條第1款）")),
        ("repeated_answered", _("同一事由經予適當處理，並已明確答覆後，而仍一再陳情（第173條第2款）")),
        ("sent_to_many", _("非主管陳情內容之機關，接獲陳情人以同一事由分向各機關陳情（第173條第3款）")),
    ]

    ground = forms.ChoiceField(label=_("不予處理事由"), choices=GROUNDS, widget=forms.RadioSelect)
    note = _text(_("說明"), rows=2)


class MergeForm(CaseActionForm):
    into = forms.CharField(
        label=_("併入的案件編號"), max_length=30, help_text=_("同一機關、尚未結案的案件。")
    )


class LinkRepeatForm(CaseActionForm):
    earlier = forms.CharField(
        label=_("先前已答復的案件編號"), max_length=30, help_text=_("本案將以前案的答復結案。")
    )


class RevealForm(forms.Form):
    reason = forms.CharField(
        label=_("查看理由"),
        max_length=200,
        strip=True,
        help_text=_("查看陳情人身分會記入稽核紀錄，請說明理由（例如：電話聯繫補正）。"),
    )


class _AnyNumbers(forms.MultipleChoiceField):
    # Numbers are checked against the user's scope by the selector, not against a fixed list.
    def valid_value(self, value: Any) -> bool:
        return True


class BulkForm(forms.Form):
    ACTIONS = [("accept", _("承辦所選案件")), ("export", _("匯出所選案件（CSV）"))]

    action = forms.ChoiceField(label=_("對所選案件"), choices=ACTIONS)
    numbers = _AnyNumbers(label=_("案件"), error_messages={"required": _("請先勾選至少一件案件。")})
