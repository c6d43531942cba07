"""The citizen's side of petitions and the mayor's mailbox: submit, reopen, answer the survey.

Every write goes to the case engine (yankao.cases.services); this module checks what the public
may send first: the petition's content and contact, its attachments, and the rate limits.

Identity: the public forms require a real name and at least one contact method. 行政程序法 §173
and the 要點 (point 14) let an agency leave a petition without a real name or contact
unprocessed (registered, not answered); taking it anyway and closing it later would mislead the
citizen, so the form asks up front. `anonymous=True` stays possible for other callers (an
anonymous tip passed on by staff): the name is then not kept and contact is optional.
"""

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _

from yankao.cases.models import Case, Category, Channel, SurveyResponse
from yankao.cases.selectors import TrackedCase, case_track
from yankao.cases.services import (
    IntakeResult,
    Petitioner,
    Upload,
    case_intake,
    case_reopen_by_citizen,
    case_survey_answer,
)
from yankao.core.exceptions import ApplicationError, NotFoundError
from yankao.core.models import Agency
from yankao.core.personal_data import phone_normalise
from yankao.core.selectors.rules import rule_get
from yankao.core.working_days import taiwan_date
from yankao.servicedesk.antiabuse import (
    SubmissionRefusedError,
    rate_limit_count,
    rate_limit_reached,
    rate_window_seconds,
)
from yankao.servicedesk.attachments import UploadedFileLike, attachments_check

PUBLIC_CHANNELS = (Channel.WEB, Channel.MAYORS_MAILBOX)
# A Taiwan phone number once +886 is written as 0: a landline (area code + 6–8 digits) or a mobile
# 09 + 8 digits; an extension after "#", "轉" or "分機" is allowed.
_PHONE = re.compile(r"^0\d{8,9}$")
_EXTENSION = re.compile(r"(#|轉|分機|ext\.?|x).*$", re.IGNORECASE)
_IDEMPOTENCY_PREFIX = "petition-web:"
_IDEMPOTENCY_KEY_MAX = 48  # with the prefix, within Case.idempotency_key's 64 characters
_DONE_KEY = "yankao:petition-done:"
# Model field lengths (yankao.cases.models.Case): refuse with a message rather than a database error.
_SUBJECT_MAX = 200
_LOCATION_MAX = 200


class PetitionInvalidError(ApplicationError):
    """The petition cannot be registered as sent; `errors` maps each form field to its messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        first = next(iter(errors.values()))[0]
        super().__init__(first, code="invalid", extra={"errors": errors})
        self.errors = errors


@dataclass
class _Errors:
    by_field: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.by_field.setdefault(name, []).append(message)


def petition_submit(
    *,
    channel: str,
    category: Category | None,
    subject: str,
    description: str,
    name: str = "",
    phone: str = "",
    email: str = "",
    address: str = "",
    anonymous: bool = False,
    confidential: bool = False,
    district: Agency | None = None,
    location_text: str = "",
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    files: list[UploadedFileLike] | tuple[UploadedFileLike, ...] = (),
    idempotency_key: str,
    client_ip: str | None = None,
) -> IntakeResult:
    """Register a citizen's petition; the result's tracking code is shown to the citizen once.

    Refuses with PetitionInvalidError (messages per field), AttachmentRefusedError or
    SubmissionRefusedError (rate limit); a refusal writes nothing. A retry with the same
    idempotency key returns the first case, even when the limits have been reached since.
    """
    today = taiwan_date(timezone.now())
    errors = _Errors()
    if channel not in PUBLIC_CHANNELS:
        raise ApplicationError(_("不明的陳情管道。"))
    if not idempotency_key or len(idempotency_key) > _IDEMPOTENCY_KEY_MAX:
        raise ApplicationError(_("缺少送出識別碼，請重新整理頁面後再填寫。"))
    subject, description = subject.strip(), description.strip()
    name, phone, email, address = name.strip(), phone.strip(), email.strip(), address.strip()
    location_text = location_text.strip()

    if category is None or not category.is_active or category.kind != "petition":
        errors.add("category", _("請選擇陳情類別。"))
    if not subject:
        errors.add("subject", _("請填寫主旨，簡要說明陳情的事情。"))
    elif len(subject) > _SUBJECT_MAX:
        errors.add("subject", _("主旨請在 %(max)s 字以內，詳細情形請寫在內容。") % {"max": _SUBJECT_MAX})
    if not description:
        errors.add("description", _("請填寫陳情內容：發生什麼事、在哪裡、希望市府怎麼處理。"))
    if len(location_text) > _LOCATION_MAX:
        errors.add("location_text", _("地點說明請在 %(max)s 字以內。") % {"max": _LOCATION_MAX})
    if district is not None and district.kind != Agency.Kind.DISTRICT_OFFICE:
        errors.add("district", _("請從清單選擇行政區。"))
    _check_point(errors, latitude=latitude, longitude=longitude)
    _check_contact(errors, anonymous=anonymous, name=name, phone=phone, email=email, address=address)
    if errors.by_field or category is None:
        raise PetitionInvalidError(errors.by_field)

    checked = attachments_check(files=files, on=today)

    key = _IDEMPOTENCY_PREFIX + idempotency_key
    is_retry = _is_done(key)
    contacts = [c for c in (phone_normalise(phone) if phone else "", email.lower()) if c]
    if not is_retry:
        _check_rate_limits(client_ip=client_ip, contacts=contacts, today=today)

    result = case_intake(
        kind="petition",
        channel=channel,
        category=category,
        subject=subject,
        description=description,
        petitioner=Petitioner(
            name="" if anonymous else name,
            phone=phone,
            email=email,
            address=address,
            anonymous=anonymous,
            confidential=confidential,
        ),
        district=district,
        location_text=location_text,
        latitude=latitude,
        longitude=longitude,
        idempotency_key=key,
        attachments=[Upload(name=a.name, content=a.content, content_type=a.content_type) for a in checked],
    )
    if result.created:
        _mark_done(key, today=today)
        rate_limit_count(scope="submit-ip", identity=client_ip or "", on=today)
        for contact in contacts:
            rate_limit_count(scope="submit-contact", identity=contact, on=today)
    return result


def petition_reopen(*, number: str, tracking_code: str, reason: str, client_ip: str | None = None) -> Case:
    """The citizen says the matter is not resolved; wrong number or code counts toward the lookup limit."""
    return _tracked(
        case_reopen_by_citizen, client_ip=client_ip, number=number, tracking_code=tracking_code, reason=reason
    )


def petition_survey_answer(
    *,
    number: str,
    tracking_code: str,
    process_score: int,
    outcome_score: int,
    comment: str = "",
    client_ip: str | None = None,
) -> SurveyResponse:
    """The citizen's satisfaction with the process and with the outcome, asked separately."""
    response: SurveyResponse = _tracked(
        case_survey_answer,
        client_ip=client_ip,
        number=number,
        tracking_code=tracking_code,
        process_score=process_score,
        outcome_score=outcome_score,
        comment=comment,
    )
    return response


@dataclass(frozen=True)
class PetitionTracking:
    """The tracking page's view of a case: the engine's public view and what the citizen may do."""

    case: TrackedCase
    reopen_until: date | None  # the last day to say "not resolved", when the case can be reopened
    survey_offered: bool


def petition_track(*, number: str, tracking_code: str, client_ip: str | None = None) -> PetitionTracking:
    """The case as its petitioner may see it (no personal data); NotFoundError for a wrong number or code.

    A read, kept here with the other tracking-page calls because a wrong guess is counted against
    the address (`petition.track_failure_limit`) and too many are refused.
    """
    tracked: TrackedCase = _tracked(
        case_track, client_ip=client_ip, number=number, tracking_code=tracking_code
    )
    # The survey follows the rule in force when the reply was sent, as the engine's notice does.
    survey_offered = (
        tracked.can_answer_survey
        and tracked.replied_at is not None
        and bool(rule_get(key="petition.satisfaction_survey", on=taiwan_date(tracked.replied_at)).value)
    )
    return PetitionTracking(case=tracked, reopen_until=tracked.reopen_until, survey_offered=survey_offered)


def track_lookup_allowed(*, client_ip: str | None) -> None:
    """SubmissionRefusedError when this address got too many numbers or codes wrong lately."""
    today = taiwan_date(timezone.now())
    if rate_limit_reached(
        scope="track-failure", identity=client_ip or "", limit_rule="petition.track_failure_limit", on=today
    ):
        raise SubmissionRefusedError(
            _("查詢錯誤次數過多，請稍後再試。如需協助，請撥 1999 市民服務專線。"), code="rate_limited"
        )


def track_failure_count(*, client_ip: str | None) -> None:
    rate_limit_count(scope="track-failure", identity=client_ip or "", on=taiwan_date(timezone.now()))


def _tracked(service: Any, *, client_ip: str | None, **kwargs: Any) -> Any:
    track_lookup_allowed(client_ip=client_ip)
    try:
        return service(**kwargs)
    except NotFoundError:
        track_failure_count(client_ip=client_ip)
        raise


def _check_contact(
    errors: _Errors, *, anonymous: bool, name: str, phone: str, email: str, address: str
) -> None:
    if not anonymous:
        if not name:
            errors.add("name", _("請填寫真實姓名。依行政程序法第173條，未具真實姓名的陳情得不予處理。"))
        if not (phone or email or address):
            errors.add(
                "phone",
                _("請至少留下一種聯絡方式（電話、電子郵件或地址），機關才能答復您。"),
            )
    if phone and not _PHONE.match(phone_normalise(_EXTENSION.sub("", phone))):
        errors.add("phone", _("電話號碼格式不正確，請含區碼，例如 07-3368333 或 0912-345-678。"))
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors.add("email", _("電子郵件格式不正確，例如 name@example.com。"))


def _check_point(errors: _Errors, *, latitude: Decimal | None, longitude: Decimal | None) -> None:
    if (latitude is None) != (longitude is None):
        errors.add("latitude", _("請同時填寫緯度與經度，或兩者都不填。"))
        return
    if latitude is not None and not Decimal(-90) <= latitude <= Decimal(90):
        errors.add("latitude", _("緯度應介於 -90 與 90 之間（高雄約為 22.6）。"))
    if longitude is not None and not Decimal(-180) <= longitude <= Decimal(180):
        errors.add("longitude", _("經度應介於 -180 與 180 之間（高雄約為 120.3）。"))


def _check_rate_limits(*, client_ip: str | None, contacts: list[str], today: date) -> None:
    if rate_limit_reached(
        scope="submit-ip", identity=client_ip or "", limit_rule="petition.submit_limit_per_ip", on=today
    ) or any(
        rate_limit_reached(
            scope="submit-contact", identity=contact, limit_rule="petition.submit_limit_per_contact", on=today
        )
        for contact in contacts
    ):
        raise SubmissionRefusedError(
            _(
                "短時間內送出的陳情件數已達上限，這次沒有送出。請稍後再試；"
                "若事情緊急，請撥 1999 市民服務專線。"
            ),
            code="rate_limited",
        )


def _is_done(key: str) -> bool:
    return bool(cache.get(_DONE_KEY + key))


def _mark_done(key: str, *, today: date) -> None:
    # Remembered for one rate window: long enough for any browser retry of the same form.
    cache.set(_DONE_KEY + key, True, timeout=rate_window_seconds(on=today))
