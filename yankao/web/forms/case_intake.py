"""The staff intake form: a petition received at the counter (臨櫃), by letter (書面函件) or by e-mail.

The form checks what was typed (dates, contact, the read-back of an oral petition, the attachments
by content) and resolves the agency the officer picked; `yankao.cases.services.case_intake`
registers the case. A signed key drawn with the form, bound to the signed-in user, is the
submission's idempotency key: a double click or a resubmitted page returns the first case.
"""

import re
import secrets
from datetime import date
from typing import Any

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yankao.cases.models import Category, Channel
from yankao.core.exceptions import ApplicationError, InvalidDateError
from yankao.core.models import Agency
from yankao.core.personal_data import phone_normalise
from yankao.core.roc_dates import roc_date_format_short, roc_date_parse
from yankao.core.working_days import calendar_current, taiwan_date
from yankao.servicedesk.attachments import AttachmentRefusedError, attachment_limits, attachments_check
from yankao.web.forms.petitions import (
    DistrictChoiceField,
    MultipleFileField,
    category_choices,
    district_queryset,
)

INTAKE_CHANNELS = (Channel.COUNTER, Channel.LETTER, Channel.EMAIL)
OTHER_AGENCY = "other"
# Namespaces the signature (Django signing salt), not a secret: the key is SECRET_KEY.
_KEY_SALT = "yankao.web.case-intake"
_KEY_PREFIX = "intake:"
# A Taiwan number once +886 is written as 0: a landline or a mobile; an extension may follow.
_PHONE = re.compile(r"^0\d{8,9}$")
_EXTENSION = re.compile(r"(#|轉|分機|ext\.?|x).*$", re.IGNORECASE)
_TEXT_MAX = 20000


def intake_key_issue(user: Any) -> str:
    """A fresh key for one drawn form, signed and bound to the user who will submit it."""
    return signing.Signer(salt=_KEY_SALT).sign(f"{user.pk}:{secrets.token_urlsafe(16)}")


def intake_key_verify(token: str, user: Any) -> str:
    """The idempotency key that `token` carries for this user; ApplicationError when it is not ours."""
    try:
        value = signing.Signer(salt=_KEY_SALT).unsign(token or "")
    except signing.BadSignature:
        value = ""
    owner, _sep, nonce = value.partition(":")
    if not nonce or owner != str(user.pk):
        raise ApplicationError(str(_("表單識別碼無效，請重新整理頁面後再填寫；這次沒有送出任何資料。")))
    return f"{_KEY_PREFIX}{user.pk}:{nonce}"


def agency_queryset() -> QuerySet[Agency]:
    """Every active agency that can handle a case (the city government itself does not)."""
    return Agency.objects.filter(is_active=True).exclude(kind=Agency.Kind.CITY_GOVERNMENT).order_by("path")


class AgencyChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class CaseIntakeForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("收件管道"),
        choices=[(value, Channel(value).label) for value in INTAKE_CHANNELS],
        widget=forms.RadioSelect,
        error_messages={
            "required": _("請選擇收件管道：臨櫃、書面函件或電子郵件。"),
            "invalid_choice": _("請選擇收件管道：臨櫃、書面函件或電子郵件。"),
        },
    )
    received_at = forms.CharField(
        label=_("收件日期"),
        max_length=30,
        error_messages={"required": _("請填寫收件日期。")},
        help_text=_(
            "預設為今天；昨天收到的信件請填收到的那一天，處理期限由收件日起算。"
            "可寫 115/3/2、民國115年3月2日 或 2026-03-02。"
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric", "spellcheck": "false"}),
    )
    category = forms.ChoiceField(
        label=_("陳情類別"),
        choices=(),
        error_messages={"required": _("請選擇陳情類別。"), "invalid_choice": _("請從清單選擇陳情類別。")},
    )
    subject = forms.CharField(
        label=_("主旨"),
        max_length=200,
        error_messages={
            "required": _("請填寫主旨，一句話說明陳情的事情。"),
            "max_length": _("主旨請在 200 字以內，詳細情形請寫在內容。"),
        },
    )
    description = forms.CharField(
        label=_("陳情內容"),
        max_length=_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 7}),
        error_messages={"required": _("請填寫陳情內容；臨櫃口述請記錄陳情人所述的事實與訴求。")},
        help_text=_("臨櫃口述者，請記錄陳情人所述的事實、地點與希望市府怎麼處理。"),
    )
    district = DistrictChoiceField(
        label=_("行政區"),
        required=False,
        queryset=Agency.objects.none(),
        empty_label=_("不確定或不適用"),
        help_text=_("事情發生的地方，不是陳情人的住址；里鄰事務由所在地區公所辦理。"),
        error_messages={"invalid_choice": _("請從清單選擇行政區。")},
    )
    location_text = forms.CharField(
        label=_("地點說明"),
        required=False,
        max_length=200,
        error_messages={"max_length": _("地點說明請在 200 字以內。")},
        help_text=_("路名與門牌、路口或明顯地標。"),
    )
    agency = forms.CharField(label=_("辦理機關"), required=False, max_length=20)
    other_agency = AgencyChoiceField(
        label=_("從清單選擇機關"),
        required=False,
        queryset=Agency.objects.none(),
        to_field_name="code",
        empty_label=_("請選擇機關"),
        error_messages={"invalid_choice": _("請從清單選擇機關。")},
    )
    name = forms.CharField(
        label=_("陳情人姓名"),
        required=False,
        max_length=60,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("電話"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
        help_text=_("市話請加區碼，例如 07-3368333；或手機 0912-345-678。"),
    )
    email = forms.CharField(
        label=_("電子郵件"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    address = forms.CharField(
        label=_("通訊地址"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text=_("書面函件請照信封或來函填寫，答復將寄到這裡。"),
    )
    anonymous = forms.BooleanField(
        label=_("匿名陳情（不記錄姓名）"),
        required=False,
        help_text=_("未具真實姓名或聯絡方式的陳情，依行政程序法第173條得不予處理；請先向陳情人說明。"),
    )
    confidential = forms.BooleanField(
        label=_("陳情人要求身分保密"),
        required=False,
        help_text=_("承辦機關不得向被陳情或被檢舉的對象透露陳情人的身分（行政程序法第170條）。"),
    )
    attachments = MultipleFileField(label=_("附件（掃描的來函、照片）"), required=False)
    read_back = forms.BooleanField(
        label=_("已向陳情人朗讀或交其閱覽並確認"),
        required=False,
        help_text=_(
            "臨櫃口頭陳情應作成紀錄，向陳情人朗讀或使其閱覽，確認內容無誤（行政程序法第169條）。臨櫃收件必須勾選。"
        ),
    )
    form_key = forms.CharField(required=False, widget=forms.HiddenInput)

    REQUIRED_FIELDS = ("received_at", "category", "subject", "description")  # channel: its legend says so

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.idempotency_key = ""
        self.checked_attachments: list[Any] = []
        # Read when the form is drawn, not at import: categories and agencies are data.
        category_field = self.fields["category"]
        assert isinstance(category_field, forms.ChoiceField)
        category_field.choices = category_choices()
        district_field = self.fields["district"]
        assert isinstance(district_field, forms.ModelChoiceField)
        district_field.queryset = district_queryset()
        other_field = self.fields["other_agency"]
        assert isinstance(other_field, forms.ModelChoiceField)
        other_field.queryset = agency_queryset()
        limits = attachment_limits(on=self.today)
        self.fields["attachments"].help_text = _(
            "JPEG、PNG、HEIC 照片或 PDF，最多 %(count)s 個，每個 %(mb)s MB 以內；系統依檔案內容判斷類型。"
        ) % {"count": limits.max_count, "mb": limits.max_mb}
        for name in self.REQUIRED_FIELDS:
            self.fields[name].widget.attrs["aria-required"] = "true"

    @property
    def today(self) -> date:
        return taiwan_date(timezone.now())

    @staticmethod
    def initial_for(user: Any) -> dict[str, Any]:
        today = taiwan_date(timezone.now())
        return {"received_at": roc_date_format_short(today), "form_key": intake_key_issue(user)}

    # --- fields ------------------------------------------------------------------------------

    def clean_received_at(self) -> date:
        text = self.cleaned_data["received_at"]
        try:
            day = roc_date_parse(text)
        except InvalidDateError as error:
            raise ValidationError(error.message) from error
        if day > self.today:
            raise ValidationError(
                _("收件日期 %(day)s 晚於今天，請填實際收到的日期。") % {"day": roc_date_format_short(day)}
            )
        first_year, _last_year = calendar_current().years
        if day < date(first_year, 1, 1):
            raise ValidationError(
                _("收件日期早於工作日曆的已知年度（自民國%(year)s年起），無法計算處理期限；請洽系統管理者。")
                % {"year": first_year - 1911}
            )
        return day

    def clean_category(self) -> Category:
        code = self.cleaned_data.get("category") or ""
        category = Category.objects.filter(code=code, is_active=True, kind="petition").first()
        if category is None:
            raise ValidationError(_("請從清單選擇陳情類別。"))
        return category

    def clean_subject(self) -> str:
        subject = str(self.cleaned_data["subject"]).strip()
        if not subject:
            raise ValidationError(_("請填寫主旨，一句話說明陳情的事情。"))
        return subject

    def clean_description(self) -> str:
        description = str(self.cleaned_data["description"]).strip()
        if not description:
            raise ValidationError(_("請填寫陳情內容；臨櫃口述請記錄陳情人所述的事實與訴求。"))
        return description

    def clean_phone(self) -> str:
        phone = str(self.cleaned_data["phone"]).strip()
        if phone and not _PHONE.match(phone_normalise(_EXTENSION.sub("", phone))):
            raise ValidationError(_("電話號碼格式不正確，請含區碼，例如 07-3368333 或 0912-345-678。"))
        return phone

    def clean_email(self) -> str:
        email = str(self.cleaned_data["email"]).strip()
        if email:
            try:
                validate_email(email)
            except ValidationError:
                raise ValidationError(_("電子郵件格式不正確，例如 name@example.com。")) from None
        return email

    # --- the whole form ----------------------------------------------------------------------

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name in ("name", "address", "location_text"):
            cleaned[name] = str(cleaned.get(name) or "").strip()
        channel = cleaned.get("channel")
        if channel == Channel.COUNTER and not cleaned.get("read_back"):
            self.add_error(
                "read_back",
                _(
                    "臨櫃口頭陳情須作成紀錄，並向陳情人朗讀或交其閱覽確認後，勾選此項才能登錄（行政程序法第169條）。"
                ),
            )
        self._clean_petitioner(cleaned, channel=channel)
        cleaned["agency"] = self._clean_agency(cleaned)
        self._clean_attachments(cleaned)
        try:
            self.idempotency_key = intake_key_verify(cleaned.get("form_key", ""), self.user)
        except ApplicationError as error:
            self.add_error(None, error.message)
        return cleaned

    def _clean_petitioner(self, cleaned: dict[str, Any], *, channel: str | None) -> None:
        if cleaned.get("anonymous"):
            return
        if not cleaned.get("name"):
            self.add_error("name", _("請填寫陳情人姓名；陳情人不願具名時，請勾選「匿名陳情」。"))
        phone, email = cleaned.get("phone"), cleaned.get("email")
        if "phone" in self.errors or "email" in self.errors:
            return
        if channel == Channel.EMAIL and not email:
            self.add_error("email", _("電子郵件來信請填寫來信的電子郵件地址，機關才能答復。"))
        elif not (phone or email or cleaned.get("address")):
            self.add_error("phone", _("請至少填寫一種聯絡方式（電話、電子郵件或通訊地址），機關才能答復。"))

    def _clean_agency(self, cleaned: dict[str, Any]) -> Agency | None:
        """None: route by the suggestion; else the agency the officer picked (any active one)."""
        value = str(cleaned.get("agency") or "").strip()
        if not value:
            return None
        if value == OTHER_AGENCY:
            other = cleaned.get("other_agency")
            if other is None and "other_agency" not in self.errors:
                self.add_error("other_agency", _("選擇「另選其他機關」時，請從清單選擇辦理機關。"))
            return other
        agency = agency_queryset().filter(code=value).first()
        if agency is None:
            self.add_error("agency", _("請從建議或清單中選擇辦理機關。"))
        other = cleaned.get("other_agency")
        if agency is not None and other is not None and other != agency:
            # Both a suggestion and a listed agency: which one was meant is not ours to guess.
            self.add_error(
                "other_agency",
                _(
                    "您選了建議的%(suggested)s，又在清單選了%(listed)s；要改派清單的機關請點選「另選其他機關」，否則請把清單改回「請選擇機關」。"
                )
                % {"suggested": agency.name, "listed": other.name},
            )
        return agency

    def _clean_attachments(self, cleaned: dict[str, Any]) -> None:
        if "attachments" in self.errors:
            return
        try:
            self.checked_attachments = attachments_check(
                files=cleaned.get("attachments") or [], on=self.today
            )
        except AttachmentRefusedError as error:
            self.add_error("attachments", error.message)
