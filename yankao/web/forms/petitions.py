"""Forms of the citizen's side of petitions: the petition (網路陳情, 市長信箱) and the tracking page.

The forms check the shape of what was typed and run the anti-abuse checks
(yankao.servicedesk.antiabuse); whether a petition may be registered (content, real name and
contact, attachments, rate limits) is decided by yankao.servicedesk.services, whose messages the
view puts on the fields.
"""

from collections import OrderedDict
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yankao.cases.models import Category
from yankao.core.exceptions import ApplicationError
from yankao.core.models import Agency
from yankao.core.working_days import taiwan_date
from yankao.servicedesk.antiabuse import form_token_verify
from yankao.servicedesk.attachments import attachment_limits

# The form's `accept` names JPEG, PNG and PDF only: iOS then converts HEIC photos to JPEG itself.
ACCEPT = "image/jpeg,image/png,application/pdf,.jpg,.jpeg,.png,.pdf"
_DEGREES = Decimal("0.000001")  # Case.latitude/longitude keep 6 decimals (about 10 cm)
_TEXT_MAX = 20000


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name; the attachments' type, size and count are the service's to judge."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:  # type: ignore[type-arg]
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [file for file in files if file]


def category_choices() -> list[tuple[str, Any]]:
    """The petition categories grouped as the city groups them (道路與交通, 環境, …)."""
    groups: OrderedDict[str, list[tuple[str, str]]] = OrderedDict()
    for category in Category.objects.filter(is_active=True, kind="petition").order_by("sort_order", "code"):
        groups.setdefault(category.group or str(_("其他")), []).append((category.code, category.name))
    return [("", _("請選擇類別")), *groups.items()]


def district_queryset() -> Any:
    return Agency.objects.filter(kind=Agency.Kind.DISTRICT_OFFICE, is_active=True).order_by(
        "sort_order", "code"
    )


class DistrictChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        # "高雄市苓雅區公所" → "苓雅區": the citizen picks a place, not an office.
        label = obj.short_name or obj.name
        return str(label).removeprefix("高雄市").removesuffix("公所")


class PetitionForm(forms.Form):
    category = forms.ChoiceField(label=_("陳情類別"), required=False, choices=())
    subject = forms.CharField(
        label=_("主旨"),
        required=False,
        max_length=200,
        help_text=_("一句話說明事情，例如「自強三路與四維三路口路燈不亮」。"),
    )
    description = forms.CharField(
        label=_("陳情內容"),
        required=False,
        max_length=_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("發生什麼事、從什麼時候開始、希望市府怎麼處理。"),
    )
    district = DistrictChoiceField(
        label=_("行政區"),
        required=False,
        queryset=Agency.objects.none(),
        empty_label=_("不確定或不適用"),
        help_text=_("事情發生的地方，不是您的住址。"),
    )
    location_text = forms.CharField(
        label=_("地點說明"),
        required=False,
        max_length=200,
        help_text=_("路名與門牌、路口或明顯地標，例如「四維三路2號前人行道」。"),
    )
    latitude = forms.CharField(
        label=_("緯度（選填）"),
        required=False,
        max_length=40,
        help_text=_("可從手機地圖複製座標貼上，例如 22.620000；可整組貼上「22.62, 120.31」。"),
    )
    longitude = forms.CharField(
        label=_("經度（選填）"), required=False, max_length=40, help_text=_("例如 120.312000。")
    )
    attachments = MultipleFileField(label=_("附件（選填）"), required=False)
    name = forms.CharField(
        label=_("姓名"),
        required=False,
        max_length=60,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    phone = forms.CharField(
        label=_("電話"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
        help_text=_("市話請加區碼，例如 07-3368333；或手機 0912-345-678。"),
    )
    email = forms.CharField(
        label=_("電子郵件"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    address = forms.CharField(
        label=_("通訊地址"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
        help_text=_("希望以書面答復時填寫。"),
    )
    confidential = forms.BooleanField(
        label=_("請對我的身分保密"),
        required=False,
        help_text=_("勾選後，承辦機關不會向被陳情或被檢舉的對象透露您的身分（行政程序法第170條）。"),
    )
    challenge_answer = forms.CharField(
        label=_("驗證題"),
        required=False,
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    form_token = forms.CharField(required=False, widget=forms.HiddenInput)
    # The honeypot: hidden from people (CSS and the accessibility tree), filled in by scripts.
    website = forms.CharField(
        label=_("網站（請勿填寫）"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    REQUIRED_FIELDS = ("category", "subject", "description", "name")

    def __init__(self, *args: Any, question: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Read when the form is drawn, not at import: categories and districts are data.
        category_field = self.fields["category"]
        assert isinstance(category_field, forms.ChoiceField)
        category_field.choices = category_choices()
        district_field = self.fields["district"]
        assert isinstance(district_field, forms.ModelChoiceField)
        district_field.queryset = district_queryset()
        if question:
            self.fields["challenge_answer"].label = question
        limits = attachment_limits(on=taiwan_date(timezone.now()))
        self.fields["attachments"].help_text = _(
            "照片或文件，可一次選多個檔案：JPEG、PNG、HEIC 照片或 PDF，最多 %(count)s 個，每個 %(mb)s MB 以內。"
        ) % {"count": limits.max_count, "mb": limits.max_mb}
        self.fields["challenge_answer"].help_text = _("防止自動程式濫用：請以數字作答，例如 7 或「七」。")
        for name in self.REQUIRED_FIELDS:
            self.fields[name].widget.attrs["aria-required"] = "true"
        self.fields["challenge_answer"].widget.attrs["aria-required"] = "true"
        self.idempotency_key = ""

    def clean_category(self) -> Category | None:
        code = self.cleaned_data.get("category") or ""
        return Category.objects.filter(code=code, is_active=True, kind="petition").first() if code else None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self._clean_point(cleaned)
        try:
            self.idempotency_key = form_token_verify(
                token=cleaned.get("form_token", ""),
                answer=cleaned.get("challenge_answer", ""),
                honeypot=cleaned.get("website", ""),
                on=taiwan_date(timezone.now()),
            )
        except ApplicationError as error:
            self.refusal_code = error.code
            target = "challenge_answer" if error.code in ("challenge_wrong", "challenge_spent") else None
            self.add_error(target, error.message)
        return cleaned

    refusal_code = ""

    def _clean_point(self, cleaned: dict[str, Any]) -> None:
        latitude, longitude = cleaned.get("latitude", "").strip(), cleaned.get("longitude", "").strip()
        if "," in latitude and not longitude:
            latitude, _sep, longitude = latitude.partition(",")
        for name, text in (("latitude", latitude), ("longitude", longitude)):
            if not text.strip():
                cleaned[name] = None
                continue
            try:
                cleaned[name] = Decimal(text.strip()).quantize(_DEGREES)
            except InvalidOperation:
                cleaned[name] = None
                self.add_error(name, _("請以數字填寫座標，例如 22.620000，或留空。"))


class TrackForm(forms.Form):
    number = forms.CharField(
        label=_("案件編號"),
        max_length=30,
        error_messages={"required": _("請輸入案件編號。")},
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
        ),
        help_text=_("收件時顯示的編號，例如 P1150301-00123。"),
    )
    tracking_code = forms.CharField(
        label=_("查詢碼"),
        max_length=20,
        error_messages={"required": _("請輸入查詢碼。")},
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
        ),
        help_text=_("收件時顯示的 8 碼英數字，不分大小寫。"),
    )

    def clean_number(self) -> str:
        return str(self.cleaned_data["number"]).strip().upper()

    def clean_tracking_code(self) -> str:
        return str(self.cleaned_data["tracking_code"]).replace(" ", "").replace("-", "").strip().upper()


class ReopenForm(TrackForm):
    reason = forms.CharField(
        label=_("仍未解決的情形"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("請說明仍未解決的情形，機關才知道要再處理什麼。")},
    )


SCORE_CHOICES = [
    (5, _("5 非常滿意")),
    (4, _("4 滿意")),
    (3, _("3 普通")),
    (2, _("2 不滿意")),
    (1, _("1 非常不滿意")),
]


class SurveyForm(TrackForm):
    process_score = forms.TypedChoiceField(
        label=_("對處理過程（速度、態度、說明是否清楚）的滿意度"),
        choices=SCORE_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("請選擇對處理過程的滿意度。")},
    )
    outcome_score = forms.TypedChoiceField(
        label=_("對處理結果（問題是否解決）的滿意度"),
        choices=SCORE_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("請選擇對處理結果的滿意度。")},
    )
    comment = forms.CharField(
        label=_("其他意見（選填）"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
