"""Writes to cases: intake and every transition of the life cycle (see README.md and workflow.py).

Each service locks the case row, checks the transition table and the version the user saw,
writes the change, a timeline event, the audit entry and any notice to the petitioner, in one
transaction.
"""

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from yankao.cases.kinds import TransferPayload, case_kind_receivers, case_kinds
from yankao.cases.models import (
    Case,
    CaseAttachment,
    CaseEvent,
    Category,
    Channel,
    Extension,
    Notice,
    StaffAlert,
    SurveyResponse,
)
from yankao.cases.permissions import can_decide_extension, can_handle_case, can_transfer_kind
from yankao.cases.workflow import FINAL_STATES, OPEN_STATES, Action, State, transition_target
from yankao.core.durations import deadline_from_rule
from yankao.core.exceptions import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from yankao.core.models import Agency, AuditAction, RuleUnit
from yankao.core.personal_data import (
    mask_name,
    personal_decrypt,
    personal_digest,
    personal_encrypt,
    phone_normalise,
)
from yankao.core.roc_dates import roc_date_format, roc_date_format_compact
from yankao.core.row_insert import rows_insert, rows_insert_batch
from yankao.core.selectors.rules import RuleVersion, rule_get, rule_history
from yankao.core.services.audit import audit_record_for
from yankao.core.services.numbering import number_next
from yankao.core.working_days import add_working_days, count_working_days, taiwan_date

TRACKING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud on the phone
TRACKING_LENGTH = 8

NOT_PROCESSED_GROUNDS = {
    "no_content": "無具體內容",
    "no_identity": "未具真實姓名或聯絡方式",
    "repeated_answered": "同一事由經適當處理並已明確答覆，而仍一再陳情",
    "sent_to_many": "非主管機關，陳情人同時向各機關陳情",
}


@dataclass(frozen=True)
class Petitioner:
    name: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    anonymous: bool = False
    confidential: bool = False


@dataclass(frozen=True)
class Upload:
    name: str
    content: bytes
    content_type: str  # detected from the content by the caller's checks


@dataclass(frozen=True)
class IntakeResult:
    case: Case
    tracking_code: str  # shown once to the citizen; only its digest is stored
    created: bool


class CaseConflictError(ConflictError):
    pass


# --- intake -------------------------------------------------------------------------------


def case_intake(
    *,
    kind: str,
    channel: str,
    category: Category,
    subject: str,
    description: str,
    petitioner: Petitioner,
    agency: Agency | None = None,
    district: Agency | None = None,
    location_text: str = "",
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    received_at: datetime | None = None,
    idempotency_key: str | None = None,
    attachments: Sequence[Upload] = (),
    actor: Any = None,
) -> IntakeResult:
    """Register a case, route it, start its clock. A retry with the same idempotency key returns
    the first case (created=False) with the same tracking code."""
    case_kind = case_kinds.get(kind)
    if channel not in Channel.values:
        raise ApplicationError(f"不明的來源管道「{channel}」。")
    if not subject.strip() or not description.strip():
        raise ApplicationError("請填寫主旨與內容。")
    if idempotency_key and attachments:
        # With files, look first: a retry must not store them again. Without, the unique key in the
        # insert below decides, one round trip fewer on the hot path of agency systems.
        existing = Case.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return IntakeResult(
                case=existing, tracking_code=tracking_code_for_key(idempotency_key), created=False
            )

    received_at = received_at or timezone.now()
    received_on = taiwan_date(received_at)
    if agency is None:
        # The first suggestion never depends on the text; the keyword scan is for people choosing.
        agency = district if category.routed_to_district and district is not None else category.default_agency
    rule = deadline_rule_for(kind=kind, category=category, channel=channel, on=received_on)
    tracking_code = tracking_code_for_key(idempotency_key) if idempotency_key else _random_tracking_code()
    identity = petitioner_fields(petitioner)
    case = Case(
        kind=kind,
        channel=channel,
        category=category,
        agency=agency,
        state=State.ASSIGNED,
        subject=subject.strip(),
        description=description.strip(),
        location_text=location_text.strip(),
        district=district,
        latitude=latitude,
        longitude=longitude,
        is_anonymous=petitioner.anonymous,
        wants_confidentiality=petitioner.confidential,
        tracking_code_digest=tracking_digest(tracking_code),
        idempotency_key=idempotency_key or None,
        received_at=received_at,
        due_on=due_on_for_rule(rule=rule, start=received_at),
        deadline_rule=rule_label(rule),
        deadline_unit=rule.unit,
        assigned_at=received_at,
        **identity,
    )
    # Uniqueness (number, idempotency key) is the database's to decide: a racing retry
    # must reach the IntegrityError below and get the first case, not a validation error.
    # Constraints too: the database enforces them, and validating them here costs a query.
    # Built and checked before the transaction: every intake of the day waits on the number's row
    # lock, held from number_next to the commit, so nothing that can be done earlier is done there.
    case.full_clean(
        exclude=["number", "category", "agency", "district"],
        validate_unique=False,
        validate_constraints=False,
    )
    try:
        with transaction.atomic():
            case.number = number = number_next(
                prefix=f"{case_kind.number_prefix}{roc_date_format_compact(received_on)}-"
            )
            rows_insert(rows=[case])
            for upload in attachments:
                _attach(case=case, upload=upload, at=received_at)
            # The timeline, the audit entry and the receipt go to the database in one round trip:
            # the day's number lock is held until the commit.
            with rows_insert_batch():
                person = actor if getattr(actor, "is_authenticated", False) else None
                rows_insert(
                    rows=[
                        CaseEvent(
                            case=case,
                            occurred_at=received_at,
                            actor=person,
                            kind="intake",
                            to_state=State.RECEIVED,
                            public=True,
                            note="收件",
                        ),
                        CaseEvent(
                            case=case,
                            occurred_at=received_at,
                            actor=person,
                            action=Action.ASSIGN,
                            kind=Action.ASSIGN,
                            from_state=State.RECEIVED,
                            to_state=State.ASSIGNED,
                            public=True,
                            note=f"分派{agency.name}辦理",
                            data={"agency": agency.code},
                        ),
                    ]
                )
                audit_record_for(
                    case,
                    action=AuditAction.CREATE,
                    fields=["subject", "description", "category", "agency", *identity],
                    detail={"number": number, "channel": channel},
                    actor=actor,
                )
                _notice(
                    case,
                    purpose=Notice.Purpose.RECEIPT,
                    body=(
                        f"您的陳情已收件，案件編號 {number}，由{agency.name}辦理，"
                        f"預定於{roc_date_format(case.due_on)}前答復。"
                    ),
                )
    except IntegrityError:
        # A retry (or two racing) of a submission already stored: return the stored case.
        existing = Case.objects.filter(idempotency_key=idempotency_key).first() if idempotency_key else None
        if existing is None:
            raise
        return IntakeResult(case=existing, tracking_code=tracking_code, created=False)
    return IntakeResult(case=case, tracking_code=tracking_code, created=True)


def deadline_rule_for(*, kind: str, category: Category, channel: str, on: date) -> RuleVersion:
    """The reply-deadline rule for a case: by category, else by channel, else the kind's general rule."""
    key = case_kinds.get(kind).deadline_rule
    for qualifier in (f"category:{category.code}", f"channel:{channel}"):
        if rule_history(key=key, qualifier=qualifier):
            return rule_get(key=key, on=on, qualifier=qualifier)
    return rule_get(key=key, on=on)


@dataclass(frozen=True)
class RouteSuggestion:
    agency: Agency
    reason: str


def route_suggest(
    *, category: Category, district: Agency | None = None, text: str = ""
) -> list[RouteSuggestion]:
    """Competent agencies for a case, best first: by category (or the district office for district
    matters), then agencies of other categories whose keywords the text mentions."""
    suggestions: list[RouteSuggestion] = []
    # case_intake routes to this first suggestion directly; keep the two in step.
    if category.routed_to_district and district is not None:
        suggestions.append(RouteSuggestion(agency=district, reason=f"依地點：{district.name}"))
    suggestions.append(RouteSuggestion(agency=category.default_agency, reason=f"依類別：{category.name}"))
    for other in (
        Category.objects.filter(is_active=True).exclude(pk=category.pk).select_related("default_agency")
    ):
        words = [word.strip() for word in other.keywords.replace(",", "、").split("、") if word.strip()]
        hit = next((word for word in words if word in text), None)
        if hit:
            suggestions.append(RouteSuggestion(agency=other.default_agency, reason=f"內容提及「{hit}」"))
    seen: set[int] = set()
    unique = []
    for suggestion in suggestions:
        if suggestion.agency.pk not in seen:
            seen.add(suggestion.agency.pk)
            unique.append(suggestion)
    return unique


# --- transitions ---------------------------------------------------------------------------


def case_accept(*, case: Case, user: Any, expected_version: int | None = None) -> Case:
    with transaction.atomic():
        locked = _begin(case, user=user, action=Action.ACCEPT, expected_version=expected_version)
        locked.officer = user
        return _commit(
            locked, user=user, action=Action.ACCEPT, fields=["state", "officer"], note="承辦人受理"
        )


def case_reroute(
    *, case: Case, user: Any, to_agency: Agency, reason: str, expected_version: int | None = None
) -> Case:
    if not reason.strip():
        raise ApplicationError("改分請說明理由。")
    with transaction.atomic():
        locked = _begin(case, user=user, action=Action.REROUTE, expected_version=expected_version)
        if to_agency.pk == locked.agency_id:
            raise ApplicationError(f"案件已由{to_agency.name}辦理，無須改分。")
        now = timezone.now()
        from_agency = locked.agency
        assigned_on = taiwan_date(locked.assigned_at or locked.received_at)
        today = taiwan_date(now)
        taken = count_working_days(assigned_on + timedelta(days=1), today) if today > assigned_on else 0
        norm = rule_get(key="petition.reroute_deadline", on=taiwan_date(locked.received_at))
        locked.agency = to_agency
        locked.officer = None
        locked.reroute_count += 1
        locked.assigned_at = now
        _notice(
            locked,
            purpose=Notice.Purpose.TRANSFER,
            body=f"您的案件 {locked.number} 已移由{to_agency.name}辦理。",
        )
        return _commit(
            locked,
            user=user,
            action=Action.REROUTE,
            fields=["agency", "officer", "reroute_count", "assigned_at"],
            note=f"改分：{from_agency.name} → {to_agency.name}",
            public=True,
            data={
                "from_agency": from_agency.code,
                "to_agency": to_agency.code,
                "reason": reason.strip(),
                "working_days_taken": taken,
                "within_norm": taken <= int(norm.value),
            },
        )


def case_request_info(*, case: Case, user: Any, message: str, expected_version: int | None = None) -> Case:
    """補正: ask the petitioner for more; the deadline clock stops until the answer is in."""
    if not message.strip():
        raise ApplicationError("請寫明需要民眾補正的內容。")
    with transaction.atomic():
        locked = _begin(case, user=user, action=Action.REQUEST_INFO, expected_version=expected_version)
        locked.paused_since = taiwan_date(timezone.now())
        _notice(locked, purpose=Notice.Purpose.REQUEST_INFO, body=f"請補正：{message.strip()}")
        return _commit(
            locked,
            user=user,
            action=Action.REQUEST_INFO,
            fields=["state", "paused_since"],
            note="請民眾補正，暫停計算處理期限",
            public=True,
            data={"message": message.strip()},
        )


def case_resume(*, case: Case, user: Any, note: str = "", expected_version: int | None = None) -> Case:
    with transaction.atomic():
        locked = _begin(case, user=user, action=Action.RESUME, expected_version=expected_version)
        today = taiwan_date(timezone.now())
        since = locked.paused_since or today
        paused = count_working_days(since + timedelta(days=1), today) if today > since else 0
        previous_due = locked.due_on
        locked.due_on = _shift_due(locked, working_days=paused, calendar_days=(today - since).days)
        locked.paused_working_days += paused
        locked.paused_since = None
        return _commit(
            locked,
            user=user,
            action=Action.RESUME,
            fields=["state", "due_on", "paused_since", "paused_working_days"],
            note=f"補正完成，恢復計算處理期限（暫停{paused}個工作日，期限改為{roc_date_format(locked.due_on)}）",
            public=True,
            data={"paused_working_days": paused, "previous_due_on": previous_due.isoformat(), "note": note},
        )


def case_extension_request(*, case: Case, user: Any, working_days: int, reason: str) -> Extension:
    """展期: asked before the deadline passes, with a reason; the liaison or the RDEC decides."""
    if not can_handle_case(user, case):
        raise PermissionDeniedError()
    if working_days < 1:
        raise ApplicationError("展延日數至少為1個工作日。")
    if not reason.strip():
        raise ApplicationError("請說明展期理由。")
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.state in FINAL_STATES or locked.state == State.REPLIED:
            raise ApplicationError(f"案件狀態為「{State(locked.state).label}」，不能申請展期。")
        today = taiwan_date(timezone.now())
        if today > locked.due_on:
            raise ApplicationError("展期須於處理期限屆滿前申請；本案已逾期。")
        if locked.extensions.filter(decision=Extension.Decision.PENDING).exists():
            raise ApplicationError("本案已有待核定的展期申請。")
        cap = rule_get(key="petition.extension_max_total", on=taiwan_date(locked.received_at))
        if locked.extended_days + working_days > int(cap.value):
            raise ApplicationError(
                f"累計展期不得超過{int(cap.value)}個工作日（已展期{locked.extended_days}個工作日）。"
            )
        extension = Extension.objects.create(
            case=locked,
            requested_by=user,
            requested_at=timezone.now(),
            working_days=working_days,
            reason=reason.strip(),
        )
        _event(locked, kind="extension_requested", actor=user, data={"working_days": working_days})
        audit_record_for(extension, action=AuditAction.CREATE, fields=["working_days", "reason"], actor=user)
        return extension


def case_extension_decide(*, extension: Extension, user: Any, approve: bool, note: str = "") -> Extension:
    with transaction.atomic():
        extension = Extension.objects.select_for_update().select_related("case").get(pk=extension.pk)
        case = Case.objects.select_for_update().get(pk=extension.case_id)
        if not can_decide_extension(user, case):
            raise PermissionDeniedError("只有本機關研考聯絡人或研考會可以核定展期。")
        if extension.decision != Extension.Decision.PENDING:
            raise ApplicationError("這筆展期申請已經核定過了。")
        extension.decision = Extension.Decision.APPROVED if approve else Extension.Decision.REJECTED
        extension.decided_by = user
        extension.decided_at = timezone.now()
        if approve:
            extension.previous_due_on = case.due_on
            case.due_on = _shift_due(
                case, working_days=extension.working_days, calendar_days=extension.working_days
            )
            extension.new_due_on = case.due_on
            case.extended_days += extension.working_days
            case.version += 1
            case.save(update_fields=["due_on", "extended_days", "version", "updated_at"])
            _notice(
                case,
                purpose=Notice.Purpose.EXTENSION,
                body=(
                    f"您的案件 {case.number} 因「{extension.reason}」需延長處理，"
                    f"預定於{roc_date_format(case.due_on)}前答復。"
                ),
            )
        extension.save()
        _event(
            case,
            kind="extension_approved" if approve else "extension_rejected",
            actor=user,
            public=approve,
            note=f"展期{extension.working_days}個工作日，期限改為{roc_date_format(case.due_on)}"
            if approve
            else "",
            data={"working_days": extension.working_days, "note": note},
        )
        audit_record_for(extension, action=AuditAction.UPDATE, fields=["decision"], actor=user)
        return extension


def case_reply(*, case: Case, user: Any, reply: str, expected_version: int | None = None) -> Case:
    if not reply.strip():
        raise ApplicationError("答復內容不能空白。")
    with transaction.atomic():
        locked = _begin(case, user=user, action=Action.REPLY, expected_version=expected_version)
        now = timezone.now()
        locked.reply = reply.strip()
        locked.replied_at = now
        locked.officer = locked.officer or user
        _notice(locked, purpose=Notice.Purpose.REPLY, body=locked.reply)
        if rule_get(key="petition.satisfaction_survey", on=taiwan_date(now)).value:
            _notice(
                locked,
                purpose=Notice.Purpose.SURVEY,
                body=f"歡迎至案件查詢頁填寫案件 {locked.number} 的滿意度調查。",
            )
        on_time = taiwan_date(now) <= locked.due_on
        return _commit(
            locked,
            user=user,
            action=Action.REPLY,
            fields=["state", "reply", "replied_at", "officer"],
            note="已答復" + ("" if on_time else "（逾期）"),
            public=True,
            data={"on_time": on_time},
        )


def case_close(*, case: Case, user: Any, expected_version: int | None = None) -> Case:
    with transaction.atomic():
        locked = _begin(case, user=user, action=Action.CLOSE, expected_version=expected_version)
        locked.closed_at = timezone.now()
        return _commit(
            locked, user=user, action=Action.CLOSE, fields=["state", "closed_at"], note="結案", public=True
        )


def case_reopen_by_citizen(*, number: str, tracking_code: str, reason: str) -> Case:
    """The citizen says the matter is not resolved: within the reopen period, the case runs again."""
    if not reason.strip():
        raise ApplicationError("請說明仍未解決的情形。")
    with transaction.atomic():
        case = _tracked_case_for_update(number=number, tracking_code=tracking_code)
        if transition_target(state=case.state, action=Action.REOPEN) is None or case.replied_at is None:
            raise ApplicationError(f"案件狀態為「{State(case.state).label}」，不能要求重新處理。")
        today = taiwan_date(timezone.now())
        last_day = case_reopen_last_day(case=case)
        if today > last_day:
            days = (last_day - taiwan_date(case.replied_at)).days
            raise ApplicationError(
                f"已超過答復後{days}日的重新處理期間（至{roc_date_format(last_day)}止），請另提陳情。"
            )
        rule = deadline_rule_for(kind=case.kind, category=case.category, channel=case.channel, on=today)
        source = case.state
        case.state = State.IN_PROGRESS
        case.is_open = True
        case.reopen_count += 1
        case.closed_at = None
        case.due_on = due_on_for_rule(rule=rule, start=timezone.now())
        case.version += 1
        case.save()
        _event(
            case,
            kind=Action.REOPEN,
            action=Action.REOPEN,
            from_state=source,
            to_state=State.IN_PROGRESS,
            public=True,
            note=f"民眾表示問題仍未解決，重新處理，期限{roc_date_format(case.due_on)}",
            data={"reason": reason.strip()},
        )
        audit_record_for(
            case,
            action=AuditAction.TRANSITION,
            fields=["state", "due_on"],
            detail={"action": "reopen", "by": "citizen"},
        )
        return case


def case_reopen_last_day(*, case: Case) -> date:
    """The last day the citizen may say the matter is not resolved: the reply date + the reopen period."""
    if case.replied_at is None:
        raise ApplicationError("案件尚未答復。")
    replied_on = taiwan_date(case.replied_at)
    return replied_on + timedelta(days=int(rule_get(key="petition.reopen_period", on=replied_on).value))


def case_not_process(
    *, case: Case, user: Any, ground: str, note: str = "", expected_version: int | None = None
) -> Case:
    """行政程序法 §173: registered with its ground and closed, never dropped."""
    if ground not in NOT_PROCESSED_GROUNDS:
        raise ApplicationError(f"不予處理須依行政程序法第173條擇一事由；「{ground}」不是其中之一。")
    with transaction.atomic():
        locked = _begin(case, user=user, action=Action.NOT_PROCESS, expected_version=expected_version)
        locked.not_processed_ground = ground
        locked.closed_at = timezone.now()
        locked.paused_since = None
        _notice(
            locked,
            purpose=Notice.Purpose.NOT_PROCESSED,
            body=f"本案依行政程序法第173條不予處理：{NOT_PROCESSED_GROUNDS[ground]}。",
        )
        return _commit(
            locked,
            user=user,
            action=Action.NOT_PROCESS,
            fields=["state", "not_processed_ground", "closed_at"],
            note=f"不予處理（存查）：{NOT_PROCESSED_GROUNDS[ground]}",
            public=True,
            data={"ground": ground, "note": note},
        )


def case_merge(*, case: Case, into: Case, user: Any, expected_version: int | None = None) -> Case:
    """併案: the case follows another open case of the same agency; its petitioner hears from that one."""
    if into.pk == case.pk:
        raise ApplicationError("不能併入自己。")
    with transaction.atomic():
        locked = _begin(case, user=user, action=Action.MERGE, expected_version=expected_version)
        target = Case.objects.select_for_update().get(pk=into.pk)
        if target.state in FINAL_STATES or target.merged_into_id:
            raise ApplicationError(f"案件 {target.number} 已結案或已併入他案，不能作為併案主案。")
        if target.agency_id != locked.agency_id:
            raise ApplicationError("只能併入同一機關辦理中的案件。")
        locked.merged_into = target
        locked.closed_at = timezone.now()
        _event(target, kind="merged_in", actor=user, data={"case": locked.number})
        return _commit(
            locked,
            user=user,
            action=Action.MERGE,
            fields=["state", "merged_into", "closed_at"],
            note=f"併入案件 {target.number} 辦理",
            public=True,
            data={"into": target.number},
        )


def case_link_repeat(*, case: Case, earlier: Case, user: Any, expected_version: int | None = None) -> Case:
    """A repeat of an answered petition: answered by pointing to the earlier reply (date and number)."""
    if earlier.replied_at is None:
        raise ApplicationError(f"前案 {earlier.number} 尚未答復，請改用併案。")
    reply = (
        f"您陳情的事項與案件 {earlier.number} 相同，本府已於{roc_date_format(earlier.replied_at)}答復如下：\n"
        f"{earlier.reply}"
    )
    with transaction.atomic():
        locked = _begin(case, user=user, action=Action.REPLY, expected_version=expected_version)
        locked.repeat_of = earlier
        locked.reply = reply
        locked.replied_at = timezone.now()
        _notice(locked, purpose=Notice.Purpose.REPLY, body=reply)
        return _commit(
            locked,
            user=user,
            action=Action.REPLY,
            fields=["state", "repeat_of", "reply", "replied_at"],
            note=f"與案件 {earlier.number} 同一事由，函復前案答復內容",
            public=True,
            data={"repeat_of": earlier.number, "on_time": True},
        )


def case_transfer_kind(*, case: Case, to_kind: str, user: Any, expected_version: int | None = None) -> str:
    """Hand the case to another module (e.g. a petition that is a school bullying report).

    The receiving module stores the content on its side and returns its reference; this side then
    keeps only the number, the state and that reference: subject, text, identity and files go.
    """
    receiver = case_kind_receivers.get(to_kind)
    with transaction.atomic():
        locked = _begin(
            case,
            user=user,
            action=Action.TRANSFER_KIND,
            expected_version=expected_version,
            permitted=can_transfer_kind,
        )
        payload = TransferPayload(
            number=locked.number,
            channel=locked.channel,
            received_at=locked.received_at,
            subject=locked.subject,
            description=locked.description,
            petitioner_name=personal_decrypt(locked.petitioner_name_encrypted),
            petitioner_phone=personal_decrypt(locked.petitioner_phone_encrypted),
            petitioner_email=personal_decrypt(locked.petitioner_email_encrypted),
            petitioner_address=personal_decrypt(locked.petitioner_address_encrypted),
            is_anonymous=locked.is_anonymous,
            attachment_paths=[str(attachment.file.name) for attachment in locked.attachments.all()],
        )
        reference = receiver(payload)
        # Notices not yet sent (a receipt a moment ago) keep their address: the case is about to
        # lose it.
        locked.notices.filter(sent_at=None, channel="email", recipient_encrypted="").update(
            recipient_encrypted=locked.petitioner_email_encrypted
        )
        # The petitioner is told, in words that do not name the matter: a notice can be read by
        # others at home. The address goes with the notice, as this side keeps no identity.
        _notice(
            locked,
            purpose=Notice.Purpose.TRANSFER,
            body=f"您的案件 {locked.number} 已依規定移由專責單位處理，後續由該單位另行與您聯繫；"
            "本案件編號不再更新處理情形。",
            recipient_encrypted=locked.petitioner_email_encrypted,
        )
        locked.transferred_to_kind = to_kind
        locked.transferred_reference = reference
        locked.subject = "（已移轉）"
        locked.description = ""
        locked.location_text = ""
        locked.reply = ""
        for field in petitioner_fields(Petitioner()):
            setattr(locked, field, "")
        locked.closed_at = timezone.now()
        for attachment in locked.attachments.all():
            attachment.file.delete(save=False)
            attachment.delete()
        locked.events.exclude(kind__in=["intake", Action.ASSIGN]).update(note="", data={})
        _commit(
            locked,
            user=user,
            action=Action.TRANSFER_KIND,
            fields=["state", "subject", "description", *petitioner_fields(Petitioner())],
            note="已移由專責單位處理",
            public=True,
            data={"to_kind": to_kind, "reference": reference},
        )
        return reference


def case_survey_answer(
    *, number: str, tracking_code: str, process_score: int, outcome_score: int, comment: str = ""
) -> SurveyResponse:
    for score, label in ((process_score, "處理過程"), (outcome_score, "處理結果")):
        if not 1 <= score <= 5:
            raise ApplicationError(f"{label}滿意度請選1到5分。")
    with transaction.atomic():
        case = _tracked_case_for_update(number=number, tracking_code=tracking_code)
        if case.replied_at is None:
            raise ApplicationError("案件答復後才能填寫滿意度調查。")
        if not rule_get(key="petition.satisfaction_survey", on=taiwan_date(case.replied_at)).value:
            raise ApplicationError("本市目前未辦理陳情滿意度調查。")
        if hasattr(case, "survey"):
            raise ApplicationError("這件案件的滿意度調查已經填寫過了，謝謝您。")
        response = SurveyResponse.objects.create(
            case=case,
            process_score=process_score,
            outcome_score=outcome_score,
            comment=comment.strip(),
            answered_at=timezone.now(),
        )
        _event(case, kind="survey_answered")
        return response


def staff_alerts_mark_read(*, user: Any, alert_ids: Iterable[int] | None = None) -> int:
    """Mark the person's alerts read (all unread ones when no ids are given); returns how many."""
    alerts = StaffAlert.objects.filter(recipient=user, read_at__isnull=True)
    if alert_ids is not None:
        alerts = alerts.filter(pk__in=list(alert_ids))
    return alerts.update(read_at=timezone.now())


def case_alerts_scan(*, today: date | None = None) -> dict[str, int]:
    """Due-soon reminders and overdue escalation (稽催); idempotent: each alert is written once."""
    from yankao.cases.alerts import alerts_scan

    return alerts_scan(today=today or taiwan_date(timezone.now()))


# --- helpers ---------------------------------------------------------------------------------


def _begin(
    case: Case,
    *,
    user: Any,
    action: Action,
    expected_version: int | None,
    permitted: Callable[[Any, Case], bool] = can_handle_case,
) -> Case:
    locked = Case.objects.select_for_update().select_related("agency").get(pk=case.pk)
    if expected_version is not None and locked.version != expected_version:
        last = (
            locked.events.exclude(actor=None).select_related("actor").order_by("-occurred_at", "-id").first()
        )
        who = f"{last.actor}於{timezone.localtime(last.occurred_at):%H:%M}" if last and last.actor else "他人"
        raise CaseConflictError(
            f"案件 {locked.number} 在您開啟後已由{who}更新（目前狀態：{State(locked.state).label}）；"
            "為免覆蓋，本次動作未執行。請重新載入後再操作，您輸入的內容仍保留在表單中。",
            extra={"current_version": locked.version},
        )
    if not permitted(user, locked):
        raise PermissionDeniedError("您沒有處理這件案件的權限。")
    if transition_target(state=locked.state, action=action) is None:
        raise ApplicationError(
            f"案件狀態為「{State(locked.state).label}」時不能「{Action(action).label}」。",
            code="illegal_transition",
        )
    return locked


def _commit(
    case: Case,
    *,
    user: Any,
    action: Action,
    fields: Iterable[str],
    note: str = "",
    public: bool = False,
    data: dict[str, Any] | None = None,
) -> Case:
    source = case.state
    target = transition_target(state=source, action=action)
    assert target is not None  # _begin checked it
    case.state = target
    case.is_open = target in OPEN_STATES
    case.version += 1
    case.save()
    _event(
        case,
        kind=action,
        action=action,
        actor=user,
        from_state=source,
        to_state=target,
        note=note,
        public=public,
        data=data or {},
    )
    audit_record_for(
        case,
        action=AuditAction.TRANSITION,
        fields=sorted(set(fields)),
        detail={"action": str(action), "from": source, "to": str(target)},
        actor=user,
    )
    return case


def _event(
    case: Case,
    *,
    kind: str,
    actor: Any = None,
    action: str = "",
    from_state: str = "",
    to_state: str = "",
    note: str = "",
    public: bool = False,
    data: dict[str, Any] | None = None,
) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        occurred_at=timezone.now(),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        kind=kind,
        from_state=from_state,
        to_state=to_state,
        note=note,
        public=public,
        data=data or {},
    )


def _notice(case: Case, *, purpose: str, body: str, recipient_encrypted: str = "") -> None:
    channel = "email" if case.petitioner_email_encrypted else "tracking_page"
    notice = Notice(
        case=case,
        purpose=purpose,
        channel=channel,
        body=body,
        recipient_encrypted=recipient_encrypted,
        created_at=timezone.now(),
    )
    rows_insert(rows=[notice])
    if channel == "email":
        _notices_send_after_commit()


# When this process may next enqueue a deferred sending task (time.monotonic()). One task sends
# every pending notice: enqueueing one per notice cost intake an eighth of its time (make bench).
_send_window_lock = threading.Lock()
_send_window_ends = 0.0
NOTICE_SEND_WINDOW_SECONDS = 2.0


def _notices_send_after_commit() -> None:
    if connection.in_atomic_block and any(
        item[1] is _notices_send_enqueue for item in connection.run_on_commit
    ):
        return
    transaction.on_commit(_notices_send_enqueue, robust=True)


def _notices_send_enqueue() -> None:
    """A task that sends every pending notice, at most once per window per process; it runs after the
    window closes, so it also sends what this process commits meanwhile."""
    global _send_window_ends
    from yankao.cases.tasks import notices_send_pending_task

    if not notices_send_pending_task.get_backend().supports_defer:
        notices_send_pending_task.enqueue()
        return
    with _send_window_lock:
        if time.monotonic() < _send_window_ends:
            return
        _send_window_ends = time.monotonic() + NOTICE_SEND_WINDOW_SECONDS
    notices_send_pending_task.using(
        run_after=timezone.now() + timedelta(seconds=NOTICE_SEND_WINDOW_SECONDS + 1)
    ).enqueue()


def _attach(*, case: Case, upload: Upload, at: datetime) -> CaseAttachment:
    digest = hashlib.sha256(upload.content).hexdigest()
    attachment = CaseAttachment(
        case=case,
        original_name=upload.name[:200],
        content_type=upload.content_type,
        size=len(upload.content),
        sha256=digest,
        uploaded_at=at,
    )
    attachment.file.save(upload.name, ContentFile(upload.content), save=False)
    attachment.save()
    return attachment


def petitioner_fields(petitioner: Petitioner) -> dict[str, str]:
    phone = phone_normalise(petitioner.phone)
    email = petitioner.email.strip().lower()
    return {
        "petitioner_name_encrypted": personal_encrypt(petitioner.name.strip()),
        "petitioner_phone_encrypted": personal_encrypt(petitioner.phone.strip()),
        "petitioner_email_encrypted": personal_encrypt(email),
        "petitioner_address_encrypted": personal_encrypt(petitioner.address.strip()),
        "petitioner_name_masked": "匿名" if petitioner.anonymous else mask_name(petitioner.name),
        "petitioner_phone_digest": personal_digest(phone),
        "petitioner_email_digest": personal_digest(email),
    }


def due_on_for_rule(*, rule: RuleVersion, start: datetime) -> date:
    due = deadline_from_rule(rule=rule, start=start)
    return taiwan_date(due) if isinstance(due, datetime) else due


def _shift_due(case: Case, *, working_days: int, calendar_days: int) -> date:
    if working_days <= 0 and calendar_days <= 0:
        return case.due_on
    if case.deadline_unit in ("working_days", "hours", ""):
        return add_working_days(case.due_on, working_days) if working_days > 0 else case.due_on
    return case.due_on + timedelta(days=calendar_days)


def rule_label(rule: RuleVersion) -> str:
    """What the case page shows as the deadline's basis: the rule's title, value and version."""
    return (
        f"{rule.title}：{rule.value.normalize():f} {RuleUnit(rule.unit).label}"
        f"（{roc_date_format(rule.effective_from)}起，{rule.key}）"
    )


def _random_tracking_code() -> str:
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))


def tracking_digest(code: str) -> str:
    """What a case stores of its tracking code: a keyed digest, never the code."""
    return personal_digest("tracking:" + code.strip().upper())


def tracking_code_matches(case: Case, code: str) -> bool:
    return hmac.compare_digest(case.tracking_code_digest, tracking_digest(code))


def tracking_code_for_key(idempotency_key: str) -> str:
    # A retried submission must show the citizen the same code: derive it from the key.
    digest = hmac.new(
        personal_digest("tracking-key").encode(), idempotency_key.encode(), hashlib.sha256
    ).digest()
    return "".join(TRACKING_ALPHABET[byte % len(TRACKING_ALPHABET)] for byte in digest[:TRACKING_LENGTH])


def _tracked_case_for_update(*, number: str, tracking_code: str) -> Case:
    case = Case.objects.select_for_update().filter(number=number.strip().upper()).first()
    if case is None or not tracking_code_matches(case, tracking_code):
        raise NotFoundError("查無此案件，請確認案件編號與查詢碼。")
    return case
