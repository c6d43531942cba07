"""Writes of the 1999 console: log a call and, in the same transaction, whatever it became.

Every call is a `Call` row. A call answered on the spot (or a wrong number, a hang-up) is only
that row; a dispatched call becomes a case of kind "dispatch" and a call turned into a petition a
case of kind "petition", both through the case engine's `case_intake` on the hotline channel; a
call that belongs to another module (a school bullying report) is registered and handed over with
the engine's `case_transfer_kind`. The call points at its case, so it counts once among calls and
the case once among petitions (or dispatches).

The caller's number is stored as the engine stores a petitioner's (encrypted, keyed digest of the
digits, mask), so the console finds a caller's earlier calls and cases by the same digest.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from yankao.cases.kinds import case_kind_receivers
from yankao.cases.models import Case, Category, Channel
from yankao.cases.selectors import category_get_active
from yankao.cases.services import Petitioner, case_intake, case_transfer_kind
from yankao.core.exceptions import ApplicationError, PermissionDeniedError
from yankao.core.models import Agency, AuditAction, Role
from yankao.core.personal_data import mask_phone, personal_digest, personal_encrypt, phone_normalise
from yankao.core.roc_dates import TAIWAN
from yankao.core.services.audit import audit_record_for
from yankao.core.working_days import taiwan_date
from yankao.servicedesk.hotline_kinds import DISPATCH_KIND
from yankao.servicedesk.models import Call, CallOutcome, CallSource

# Who logs calls: the 1999 operators (the console is theirs alone).
CALL_LOGGERS = frozenset({Role.OPERATOR})
CASE_OUTCOMES = frozenset({CallOutcome.DISPATCHED, CallOutcome.PETITION, CallOutcome.TRANSFERRED})
TRANSFER_KINDS = {"bullying": "校園霸凌通報"}
_PHONE = re.compile(r"^0\d{8,9}$")
_EXTENSION = re.compile(r"(#|轉|分機|ext\.?|x).*$", re.IGNORECASE)
_SUBJECT_MAX = 60
_SUMMARY_MAX = 4000
_LOCATION_MAX = 200
_NAME_MAX = 60
# A form's start time may be this far ahead of the server's clock (clock skew), and no older than
# a working shift: an older one is a page left open, not a call.
_CLOCK_SKEW = timedelta(seconds=60)
_OLDEST_START = timedelta(hours=12)
_IDEMPOTENCY_MAX = 48  # with the "hotline-" prefix, within Case.idempotency_key's 64 characters


class CallInvalidError(ApplicationError):
    """The call cannot be logged as typed; `errors` maps each form field to its messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        first = next(iter(errors.values()))[0]
        super().__init__(first, code="invalid", extra={"errors": errors})
        self.errors = errors


@dataclass(frozen=True)
class CallResult:
    call: Call
    case: Case | None  # the dispatch or petition it became (None when answered on the spot)
    tracking_code: str  # of that case, to read to the caller; "" without a case
    created: bool  # False: a repeated submission of a call already logged


@dataclass
class _Errors:
    by_field: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.by_field.setdefault(name, []).append(message)


def call_log(
    *,
    operator: Any,
    started_at: datetime,
    outcome: str,
    category_code: str,
    phone: str = "",
    summary: str = "",
    answer: str = "",
    caller_name: str = "",
    location_text: str = "",
    district: Agency | None = None,
    transfer_to: str = "bullying",
    idempotency_key: str | None = None,
    ended_at: datetime | None = None,
    source: str = CallSource.CONSOLE,
) -> CallResult:
    """Log one call and create what it became. Bad input raises CallInvalidError and writes nothing;
    a repeated submission with the same key returns the call already logged."""
    if not (
        getattr(operator, "is_authenticated", False) and operator.is_active and operator.role in CALL_LOGGERS
    ):
        raise PermissionDeniedError("只有1999話務員可以登錄來電。")
    if idempotency_key:
        existing = Call.objects.filter(idempotency_key=idempotency_key).select_related("case").first()
        if existing is not None:
            return CallResult(call=existing, case=existing.case, tracking_code="", created=False)

    ended_at = ended_at or timezone.now()
    errors = _Errors()
    category = _category(errors, category_code)
    digits = _phone(errors, phone)
    summary, answer = summary.strip(), answer.strip()
    caller_name, location_text = caller_name.strip(), location_text.strip()
    _check_outcome(
        errors,
        outcome=outcome,
        summary=summary,
        answer=answer,
        caller_name=caller_name,
        digits=digits,
        transfer_to=transfer_to,
    )
    for name, value, limit, label in (
        ("summary", summary, _SUMMARY_MAX, "來電摘要"),
        ("answer", answer, _SUMMARY_MAX, "答復內容"),
        ("location_text", location_text, _LOCATION_MAX, "地點"),
        ("caller_name", caller_name, _NAME_MAX, "來電者姓名"),
    ):
        if len(value) > limit:
            errors.add(name, f"{label}最多{limit}字，目前{len(value)}字。")
    if started_at > ended_at + _CLOCK_SKEW or started_at < ended_at - _OLDEST_START:
        errors.add("started_at", "通話開始時間不合理（畫面可能開啟過久）；請按「新來電」重新開始計時。")
    if idempotency_key and len(idempotency_key) > _IDEMPOTENCY_MAX:
        errors.add("form_key", "表單識別碼過長，請重新整理頁面。")
    if errors.by_field:
        raise CallInvalidError(errors.by_field)
    assert category is not None  # no error above means a category was found

    local_start = started_at.astimezone(TAIWAN)
    call = Call(
        started_at=started_at,
        started_on=taiwan_date(started_at),
        started_hour=local_start.hour,
        duration_seconds=max(0, int((ended_at - started_at).total_seconds())),
        operator=operator,
        caller_phone_encrypted=personal_encrypt(phone.strip()) if digits else "",
        caller_phone_digest=personal_digest(digits),
        caller_phone_masked=mask_phone(digits) if digits else "",
        category=category,
        outcome=outcome,
        summary=summary,
        answer=answer if outcome == CallOutcome.ANSWERED else "",
        source=source,
        idempotency_key=idempotency_key or None,
    )
    tracking_code = ""
    try:
        with transaction.atomic():
            case = None
            if outcome in CASE_OUTCOMES:
                result = case_intake(
                    kind=DISPATCH_KIND if outcome == CallOutcome.DISPATCHED else "petition",
                    channel=Channel.HOTLINE,
                    category=category,
                    subject=_subject(summary),
                    description=summary,
                    petitioner=Petitioner(
                        name=caller_name, phone=phone.strip() if digits else "", anonymous=not caller_name
                    ),
                    district=district,
                    location_text=location_text,
                    received_at=ended_at,
                    idempotency_key=f"hotline-{idempotency_key}" if idempotency_key else None,
                    actor=operator,
                )
                case, tracking_code = result.case, result.tracking_code
                if outcome == CallOutcome.TRANSFERRED:
                    call.transferred_to = transfer_to
                    try:
                        call.transferred_reference = case_transfer_kind(
                            case=case, to_kind=transfer_to, user=operator
                        )
                    except PermissionDeniedError as error:
                        # The engine lets only those who handle a case hand it over; say what to
                        # do instead (the call and its case are rolled back with this error).
                        raise PermissionDeniedError(
                            f"案件移轉其他業務須由承辦人或研考會辦理，話務員目前不能直接移轉（{error.message}）。"
                            f"請改以轉陳情登錄，並在摘要註明需移轉「{TRANSFER_KINDS[transfer_to]}」。"
                        ) from error
                    tracking_code = ""  # the receiving module tells the caller its own reference
            call.case = case
            # Field checks only: uniqueness and the check constraints are the database's (a query each).
            call.full_clean(
                exclude=["operator", "category", "case"], validate_unique=False, validate_constraints=False
            )
            call.save()
            audit_record_for(
                call,
                action=AuditAction.CREATE,
                fields=["caller_phone", "category", "outcome", "summary", "answer"],
                detail={"outcome": outcome, "case": case.number if case else ""},
                actor=operator,
            )
    except IntegrityError:
        # Two submissions of one form racing: the first is the call.
        existing = (
            Call.objects.filter(idempotency_key=idempotency_key).select_related("case").first()
            if idempotency_key
            else None
        )
        if existing is None:
            raise
        return CallResult(call=existing, case=existing.case, tracking_code="", created=False)
    return CallResult(call=call, case=case, tracking_code=tracking_code, created=True)


def _category(errors: _Errors, code: str) -> Category | None:
    if not code.strip():
        errors.add("category", "請選擇來電類別。")
        return None
    try:
        return category_get_active(code=code.strip())
    except ApplicationError:
        errors.add("category", f"查無類別「{code.strip()}」，請從清單中選擇。")
        return None


def _phone(errors: _Errors, phone: str) -> str:
    """The number's digits ("" when withheld); an error when something was typed that is no number."""
    if not phone.strip():
        return ""
    digits = phone_normalise(_EXTENSION.sub("", phone.strip()))
    if not _PHONE.match(digits) or (digits.startswith("09") and len(digits) != 10):
        errors.add("phone", "來電號碼格式不正確：市話請含區碼（例如07-3368333），手機為09開頭10碼。")
        return ""
    return digits


def _check_outcome(
    errors: _Errors,
    *,
    outcome: str,
    summary: str,
    answer: str,
    caller_name: str,
    digits: str,
    transfer_to: str,
) -> None:
    if outcome not in CallOutcome.values:
        errors.add("outcome", "請選擇處理結果：當場答復、派工、轉陳情、移轉或其他。")
        return
    if outcome in CASE_OUTCOMES and not summary:
        errors.add("summary", "派工、轉陳情或移轉前，請寫下來電摘要（將成為案件內容）。")
    if outcome == CallOutcome.ANSWERED and not answer:
        errors.add("answer", "當場答復請記下答復內容。")
    if outcome == CallOutcome.PETITION:
        # 行政程序法 §173 / 要點 point 14: a petition without a real name or contact may be left
        # unprocessed; ask on the phone rather than register one that will be.
        if not caller_name:
            errors.add("caller_name", "轉陳情需記下來電者姓名（無真實姓名之陳情得不予處理）。")
        if not digits:
            errors.add("phone", "轉陳情需有來電者的聯絡電話。")
    if outcome == CallOutcome.TRANSFERRED:
        if transfer_to not in TRANSFER_KINDS:
            errors.add("transfer_to", "請選擇移轉的業務。")
        elif transfer_to not in case_kind_receivers:
            errors.add(
                "outcome",
                f"「{TRANSFER_KINDS[transfer_to]}」業務尚未在本系統啟用，無法移轉；"
                "請改以轉陳情登錄，並依現行程序通報。",
            )


def _subject(summary: str) -> str:
    first_line = summary.splitlines()[0].strip() if summary else ""
    return first_line[:_SUBJECT_MAX] or "1999來電"
