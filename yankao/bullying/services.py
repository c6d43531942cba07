"""Writes of the bullying module: intake (direct and handed over by the case engine) and every step.

Each step locks the report, checks the version the user's page showed, the user's designation and
the transition table, writes the change, a timeline event and an audit entry that names the
fields changed and never their content. Deadlines come from the dated rule table, each rule's
version chosen by the report's date that the rule names (RuleDateBasis), and are counted by
core.durations on the working-day calendar.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from yankao.bullying.models import (
    AppealResult,
    BullyingAttachment,
    BullyingEvent,
    BullyingExtension,
    BullyingParty,
    BullyingReport,
    Ground,
    Method,
    Outcome,
    PartyRole,
    Source,
    State,
)
from yankao.bullying.permissions import can_handle_bullying
from yankao.bullying.workflow import TRANSITIONS, Action, action_allowed
from yankao.cases.kinds import TransferPayload
from yankao.core.durations import deadline_from, deadline_from_rule
from yankao.core.exceptions import ApplicationError, ConflictError, PermissionDeniedError, RuleNotInForceError
from yankao.core.models import AuditAction, RuleDateBasis
from yankao.core.personal_data import personal_encrypt
from yankao.core.roc_dates import roc_date_format
from yankao.core.selectors.rules import RuleVersion, rule_get, rule_history
from yankao.core.services.audit import audit_record
from yankao.core.services.numbering import number_next
from yankao.core.working_days import taiwan_date

AUDIT_TARGET = "bullying.bullyingreport"
NUMBER_PREFIX = "B"
# Where a handed-over case came from → the seed report's source column.
CHANNEL_SOURCES = {"mayors_mailbox": Source.MAYORS_MAILBOX, "hotline": Source.HOTLINE}


class BullyingConflictError(ConflictError):
    pass


@dataclass(frozen=True)
class Reporter:
    name: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""


@dataclass(frozen=True)
class PartyInput:
    role: str
    name: str
    detail: str = ""


@dataclass(frozen=True)
class ReportInput:
    source: str
    summary: str
    school: str = ""
    reporter: Reporter = field(default_factory=Reporter)
    is_anonymous: bool = False
    names_actor: bool = False
    names_acts: bool = False
    parties: Sequence[PartyInput] = ()
    received_at: datetime | None = None
    transferred_from: str = ""


# --- rules ------------------------------------------------------------------------------------


def bullying_rule(
    *, key: str, report: BullyingReport, phase_start: date | None = None, decision: date | None = None
) -> RuleVersion:
    """The version of `key` that applies to this report: chosen by the date the rule names as its basis.

    A report under investigation on the day the rules changed finishes that phase under the
    rules of its phase start (rules with basis phase_start), and later steps (basis decision)
    follow the rules in force when they are decided: the revised 準則's transitional article.
    """
    history = rule_history(key=key)
    if not history:
        raise RuleNotInForceError(
            f"規則「{key}」不存在，請研考會系統管理者於規則表中建立。", extra={"key": key}
        )
    basis = history[0].date_basis
    dates = {
        RuleDateBasis.RECEIVED: taiwan_date(report.received_at),
        RuleDateBasis.PHASE_START: phase_start,
        RuleDateBasis.DECISION: decision,
    }
    on = dates.get(RuleDateBasis(basis))
    if on is None:
        raise ApplicationError(f"規則「{key}」以{RuleDateBasis(basis).label}決定適用版本，但該日期尚未登錄。")
    return rule_get(key=key, on=on)


def _due(rule: RuleVersion, start: date | datetime) -> date:
    result = deadline_from_rule(rule=rule, start=start)
    assert isinstance(result, date)
    return result


# --- intake -----------------------------------------------------------------------------------


def bullying_report_intake(*, data: ReportInput, user: Any = None) -> BullyingReport:
    """Register a report. `user` is the designated staff member typing it; None for a hand-off."""
    if user is not None and not can_handle_bullying(user):
        raise PermissionDeniedError("只有指定的霸凌調查人員可以登錄校園霸凌通報。")
    if data.source not in Source.values:
        raise ApplicationError("請選擇通報來源。")
    summary = data.summary.strip()
    if not summary:
        raise ApplicationError("請填寫通報內容（發生經過）。")
    received_at = data.received_at or timezone.now()
    if received_at > timezone.now():
        raise ApplicationError("收件時間不可晚於現在。")
    if data.is_anonymous and (data.reporter.name.strip() or data.reporter.phone.strip()):
        raise ApplicationError("匿名檢舉不應填寫檢舉人姓名或電話；若檢舉人具名，請取消「匿名檢舉」。")
    for party in data.parties:
        if party.role not in PartyRole.values:
            raise ApplicationError("關係人的身分不正確。")
        if not party.name.strip():
            raise ApplicationError(f"請填寫{PartyRole(party.role).label}的姓名，或刪除該列。")
    with transaction.atomic():
        received_day = taiwan_date(received_at)
        report = BullyingReport(
            number=number_next(prefix=f"{NUMBER_PREFIX}{received_day.year - 1911}-"),
            source=data.source,
            received_at=received_at,
            transferred_from=data.transferred_from,
            school_encrypted=personal_encrypt(data.school.strip()),
            summary_encrypted=personal_encrypt(summary),
            reporter_name_encrypted=personal_encrypt(data.reporter.name.strip()),
            reporter_phone_encrypted=personal_encrypt(data.reporter.phone.strip()),
            reporter_email_encrypted=personal_encrypt(data.reporter.email.strip()),
            reporter_address_encrypted=personal_encrypt(data.reporter.address.strip()),
            is_anonymous=data.is_anonymous,
            names_actor=data.names_actor,
            names_acts=data.names_acts,
            # Filled just below from the rules; the model needs values to validate.
            authority_report_due_at=received_at,
            acceptance_notice_due_on=received_day,
        )
        authority = deadline_from_rule(
            rule=bullying_rule(key="bullying.report_to_authority", report=report), start=received_at
        )
        assert isinstance(authority, datetime)
        report.authority_report_due_at = authority
        report.acceptance_notice_due_on = _due(
            bullying_rule(key="bullying.acceptance_notice", report=report), received_at
        )
        report.full_clean()
        report.save()
        BullyingParty.objects.bulk_create(
            BullyingParty(
                report=report,
                role=party.role,
                name_encrypted=personal_encrypt(party.name.strip()),
                detail_encrypted=personal_encrypt(party.detail.strip()),
            )
            for party in data.parties
        )
        _event(report, kind="intake", user=user, data={"source": data.source})
        audit_record(
            action=AuditAction.CREATE,
            target_type=AUDIT_TARGET,
            target_id=report.number,
            fields=["summary", "school", "reporter", "parties"],
            detail={"source": data.source},
            actor=user,
        )
        return report


def bullying_report_receive(payload: TransferPayload) -> str:
    """The case engine's receiver: store a handed-over case on this side and return our number.

    The service desk keeps only this number. The engine deletes the case's files after the
    hand-off, so they are copied first.
    """
    report = bullying_report_intake(
        data=ReportInput(
            source=CHANNEL_SOURCES.get(payload.channel, Source.OTHER),
            summary="\n\n".join(part for part in (payload.subject, payload.description) if part.strip()),
            reporter=Reporter(
                name=payload.petitioner_name,
                phone=payload.petitioner_phone,
                email=payload.petitioner_email,
                address=payload.petitioner_address,
            ),
            # A caller who left a number but no name can be reached: not anonymous here.
            is_anonymous=payload.is_anonymous and not (payload.petitioner_name or payload.petitioner_phone),
            received_at=payload.received_at,
            transferred_from=payload.number,
        )
    )
    for path in payload.attachment_paths:
        if not default_storage.exists(path):
            continue
        with default_storage.open(path, "rb") as handle:
            content = handle.read()
        attachment = BullyingAttachment(report=report, received_at=report.received_at)
        attachment.file.save(path.rsplit("/", 1)[-1], ContentFile(content), save=False)
        attachment.save()
    return report.number


# --- steps ------------------------------------------------------------------------------------


def bullying_authority_report_record(
    *, report: BullyingReport, user: Any, reported_at: datetime, expected_version: int | None = None
) -> BullyingReport:
    """校安通報 done at `reported_at` (§17: within 24 hours of receipt)."""
    with transaction.atomic():
        locked = _begin(report, user=user, action=Action.AUTHORITY_REPORT, expected_version=expected_version)
        if locked.authority_reported_at is not None:
            raise ApplicationError("這件通報已登錄校安通報，不需重複登錄。")
        if reported_at < locked.received_at:
            raise ApplicationError("校安通報時間不可早於收件時間。")
        if reported_at > timezone.now():
            raise ApplicationError("校安通報時間不可晚於現在。")
        locked.authority_reported_at = reported_at
        return _commit(locked, user=user, action=Action.AUTHORITY_REPORT, fields=["authority_reported_at"])


def bullying_screening_decide(
    *,
    report: BullyingReport,
    user: Any,
    accept: bool,
    decided_on: date,
    ground: str = "",
    unanimous: bool = False,
    expected_version: int | None = None,
) -> BullyingReport:
    """The review group's decision (§25): accept, or not accept by unanimous vote on a listed ground."""
    action = Action.ACCEPT if accept else Action.NOT_ACCEPT
    with transaction.atomic():
        locked = _begin(report, user=user, action=action, expected_version=expected_version)
        _check_day(decided_on, label="審查決議日", not_before=taiwan_date(locked.received_at), after="收件日")
        if accept:
            if ground:
                raise ApplicationError("決議受理時不需選擇不予受理事由。")
            locked.decided_on = decided_on
            locked.team_due_on = _due(
                bullying_rule(key="bullying.team_formation", report=locked, decision=decided_on), decided_on
            )
        else:
            if ground not in Ground.values:
                raise ApplicationError("不予受理須選擇準則所列的事由之一。")
            if not unanimous:
                raise ApplicationError("不予受理須經審查小組全體委員一致決議；未一致者應予受理。")
            if ground == Ground.NO_IDENTITY:
                if not locked.is_anonymous:
                    raise ApplicationError("檢舉人已具名，不能以「未具真實姓名」為由不予受理。")
                if locked.names_actor and locked.names_acts:
                    raise ApplicationError("匿名檢舉已指明行為人及具體霸凌行為，依規定應予受理。")
            locked.decided_on = decided_on
            locked.ground = ground
            locked.unanimous = True
        return _commit(
            locked, user=user, action=action, fields=["decided_on", "ground", "unanimous", "team_due_on"]
        )


def bullying_notice_record(
    *,
    report: BullyingReport,
    user: Any,
    sent_on: date | None = None,
    unreachable: bool = False,
    expected_version: int | None = None,
) -> BullyingReport:
    """The written notice whether the report is accepted (§25), or that the reporter cannot be reached."""
    with transaction.atomic():
        locked = _begin(report, user=user, action=Action.NOTICE, expected_version=expected_version)
        if locked.notice_sent_on or locked.notice_unreachable:
            raise ApplicationError("已登錄受理與否的書面通知。")
        if unreachable == (sent_on is not None):
            raise ApplicationError("請填寫書面通知日，或勾選「無從通知檢舉人」（二擇一）。")
        if sent_on is not None:
            assert locked.decided_on is not None  # NOTICE is allowed only after the decision
            _check_day(sent_on, label="書面通知日", not_before=locked.decided_on, after="審查決議日")
            locked.notice_sent_on = sent_on
        locked.notice_unreachable = unreachable
        return _commit(
            locked, user=user, action=Action.NOTICE, fields=["notice_sent_on", "notice_unreachable"]
        )


def bullying_team_form(
    *, report: BullyingReport, user: Any, formed_on: date, method: str, expected_version: int | None = None
) -> BullyingReport:
    """The 處理小組 is formed (§27: within 5 working days of acceptance), to investigate or mediate."""
    with transaction.atomic():
        locked = _begin(report, user=user, action=Action.FORM_TEAM, expected_version=expected_version)
        if method not in Method.values:
            raise ApplicationError("請選擇處理方式（調查或調和）。")
        assert locked.decided_on is not None
        _check_day(formed_on, label="處理小組組成日", not_before=locked.decided_on, after="審查決議日")
        locked.team_formed_on = formed_on
        locked.method = method
        return _commit(locked, user=user, action=Action.FORM_TEAM, fields=["team_formed_on", "method"])


def bullying_first_meeting_record(
    *, report: BullyingReport, user: Any, met_on: date, expected_version: int | None = None
) -> BullyingReport:
    """The team's first meeting: the investigation period (§43: 2 months) runs from it."""
    with transaction.atomic():
        locked = _begin(report, user=user, action=Action.FIRST_MEETING, expected_version=expected_version)
        assert locked.team_formed_on is not None
        _check_day(met_on, label="第一次會議日", not_before=locked.team_formed_on, after="處理小組組成日")
        locked.first_meeting_on = met_on
        locked.investigation_due_on = _due(
            bullying_rule(key="bullying.investigation_period", report=locked, phase_start=met_on), met_on
        )
        locked.extensions_count = 0
        return _commit(
            locked,
            user=user,
            action=Action.FIRST_MEETING,
            fields=["first_meeting_on", "investigation_due_on"],
        )


def bullying_investigation_extend(
    *,
    report: BullyingReport,
    user: Any,
    months: int,
    reason: str,
    decided_on: date,
    notice_sent_on: date,
    expected_version: int | None = None,
) -> BullyingExtension:
    """Extend the investigation period (§43: at most twice, at most a month each, the parties notified)."""
    with transaction.atomic():
        locked = _begin(report, user=user, action=Action.EXTEND, expected_version=expected_version)
        assert locked.first_meeting_on is not None
        assert locked.investigation_due_on is not None
        phase_start = locked.first_meeting_on
        limit = int(
            bullying_rule(
                key="bullying.investigation_extension_count", report=locked, phase_start=phase_start
            ).value
        )
        longest = bullying_rule(
            key="bullying.investigation_extension_months", report=locked, phase_start=phase_start
        )
        if locked.extensions_count >= limit:
            raise ApplicationError(f"調查期限至多延長{limit}次，本案已延長{locked.extensions_count}次。")
        if months < 1:
            raise ApplicationError("延長月數至少為1個月。")
        if months > int(longest.value):
            raise ApplicationError(f"每次延長不得逾{int(longest.value)}個月。")
        if not reason.strip():
            raise ApplicationError("請填寫延長理由。")
        _check_day(decided_on, label="延長決定日", not_before=phase_start, after="第一次會議日")
        if decided_on > locked.investigation_due_on:
            raise ApplicationError(
                f"調查期限已於{roc_date_format(locked.investigation_due_on)}屆滿，延長應於期限內決定。"
            )
        _check_day(notice_sent_on, label="通知當事人日", not_before=decided_on, after="延長決定日")
        previous = locked.investigation_due_on
        new_due = deadline_from(start=previous, value=months, unit=longest.unit)
        assert isinstance(new_due, date)
        extension = BullyingExtension.objects.create(
            report=locked,
            sequence=locked.extensions.count() + 1,
            months=months,
            reason_encrypted=personal_encrypt(reason.strip()),
            decided_on=decided_on,
            notice_sent_on=notice_sent_on,
            previous_due_on=previous,
            new_due_on=new_due,
            decided_by=user,
        )
        locked.investigation_due_on = new_due
        locked.extensions_count += 1
        _commit(
            locked,
            user=user,
            action=Action.EXTEND,
            fields=["investigation_due_on", "extensions_count", "extension_reason"],
            data={"months": months, "sequence": extension.sequence},
        )
        return extension


def bullying_outcome_record(
    *,
    report: BullyingReport,
    user: Any,
    outcome: str,
    decided_on: date,
    notified_on: date,
    follow_up: str = "",
    expected_version: int | None = None,
) -> BullyingReport:
    """The result (established / not / other) and the date the parties received it: the appeal clock starts."""
    with transaction.atomic():
        locked = _begin(report, user=user, action=Action.OUTCOME, expected_version=expected_version)
        if outcome not in Outcome.values:
            raise ApplicationError("請選擇調查結果。")
        assert locked.first_meeting_on is not None
        _check_day(
            decided_on, label="調查結果決定日", not_before=locked.first_meeting_on, after="第一次會議日"
        )
        _check_day(notified_on, label="結果通知送達日", not_before=decided_on, after="調查結果決定日")
        if outcome == Outcome.ESTABLISHED and not follow_up.strip():
            raise ApplicationError("霸凌成立時請填寫輔導及追蹤措施。")
        locked.outcome = outcome
        locked.outcome_on = decided_on
        locked.outcome_notified_on = notified_on
        locked.follow_up_encrypted = personal_encrypt(follow_up.strip())
        locked.appeal_due_on = _due(
            bullying_rule(key="bullying.appeal_period", report=locked, decision=decided_on), notified_on
        )
        return _commit(
            locked,
            user=user,
            action=Action.OUTCOME,
            fields=["outcome", "outcome_on", "outcome_notified_on", "follow_up", "appeal_due_on"],
            data={"outcome": outcome},
        )


def bullying_follow_up_update(
    *, report: BullyingReport, user: Any, follow_up: str, expected_version: int | None = None
) -> BullyingReport:
    with transaction.atomic():
        locked = _begin(report, user=user, action=Action.FOLLOW_UP, expected_version=expected_version)
        if not follow_up.strip():
            raise ApplicationError("請填寫輔導及追蹤措施。")
        locked.follow_up_encrypted = personal_encrypt(follow_up.strip())
        return _commit(locked, user=user, action=Action.FOLLOW_UP, fields=["follow_up"])


def bullying_appeal_file(
    *, report: BullyingReport, user: Any, filed_on: date, expected_version: int | None = None
) -> BullyingReport:
    """A party's 申復 (or 陳情 to the authority), within the period the rule of the decision date gives."""
    with transaction.atomic():
        locked = _begin(report, user=user, action=Action.APPEAL, expected_version=expected_version)
        if locked.appeal_filed_on is not None:
            raise ApplicationError("本案已申復過一次，不得再申復。")
        assert locked.outcome_notified_on is not None
        assert locked.appeal_due_on is not None
        _check_day(filed_on, label="申復日", not_before=locked.outcome_notified_on, after="結果通知送達日")
        if filed_on > locked.appeal_due_on:
            raise ApplicationError(
                f"申復期限為{roc_date_format(locked.appeal_due_on)}，{roc_date_format(filed_on)}提出已逾期。"
            )
        locked.appeal_filed_on = filed_on
        return _commit(locked, user=user, action=Action.APPEAL, fields=["appeal_filed_on"])


def bullying_appeal_decide(
    *, report: BullyingReport, user: Any, result: str, decided_on: date, expected_version: int | None = None
) -> BullyingReport:
    """Upheld: back to the decided state. Well founded: investigated again, a new period from `decided_on`."""
    with transaction.atomic():
        locked = _begin(report, user=user, action=Action.APPEAL_DECIDE, expected_version=expected_version)
        if result not in AppealResult.values:
            raise ApplicationError("請選擇申復結果。")
        assert locked.appeal_filed_on is not None
        _check_day(decided_on, label="申復決定日", not_before=locked.appeal_filed_on, after="申復日")
        locked.appeal_result = result
        target = State.DECIDED
        if result == AppealResult.REINVESTIGATE:
            target = State.INVESTIGATING
            locked.outcome = ""
            locked.first_meeting_on = decided_on
            locked.investigation_due_on = _due(
                bullying_rule(key="bullying.investigation_period", report=locked, phase_start=decided_on),
                decided_on,
            )
            locked.extensions_count = 0
        return _commit(
            locked,
            user=user,
            action=Action.APPEAL_DECIDE,
            fields=["appeal_result", "outcome", "investigation_due_on"],
            target=target,
            data={"result": result},
        )


def bullying_report_close(
    *, report: BullyingReport, user: Any, closed_on: date, expected_version: int | None = None
) -> BullyingReport:
    with transaction.atomic():
        locked = _begin(report, user=user, action=Action.CLOSE, expected_version=expected_version)
        if locked.state == State.NOT_ACCEPTED and not (locked.notice_sent_on or locked.notice_unreachable):
            raise ApplicationError("請先登錄不予受理的書面通知（或無從通知），再結案。")
        if locked.state == State.DECIDED:
            assert locked.appeal_due_on is not None
            assert locked.outcome_on is not None
            if locked.appeal_filed_on is None and closed_on <= locked.appeal_due_on:
                raise ApplicationError(
                    f"申復期限至{roc_date_format(locked.appeal_due_on)}，期限屆滿且無人申復後才能結案。"
                )
        _check_day(closed_on, label="結案日", not_before=taiwan_date(locked.received_at), after="收件日")
        locked.closed_on = closed_on
        return _commit(locked, user=user, action=Action.CLOSE, fields=["closed_on"])


def bullying_party_add(
    *, report: BullyingReport, user: Any, party: PartyInput, expected_version: int | None = None
) -> BullyingParty:
    """Record a person the report names (a handed-over report arrives with none): encrypted, masked."""
    with transaction.atomic():
        locked = _begin(report, user=user, action=Action.ADD_PARTY, expected_version=expected_version)
        if party.role not in PartyRole.values:
            raise ApplicationError("請選擇關係人的身分。")
        if not party.name.strip():
            raise ApplicationError("請填寫關係人的姓名。")
        created = BullyingParty.objects.create(
            report=locked,
            role=party.role,
            name_encrypted=personal_encrypt(party.name.strip()),
            detail_encrypted=personal_encrypt(party.detail.strip()),
        )
        _commit(locked, user=user, action=Action.ADD_PARTY, fields=["parties"], data={"role": party.role})
        return created


# --- internals --------------------------------------------------------------------------------


def _check_day(day: date, *, label: str, not_before: date, after: str) -> None:
    if not isinstance(day, date):
        raise ApplicationError(f"請填寫{label}。")
    if day < not_before:
        raise ApplicationError(
            f"{label}（{roc_date_format(day)}）不可早於{after}（{roc_date_format(not_before)}）。"
        )
    if day > taiwan_date(timezone.now()):
        raise ApplicationError(f"{label}（{roc_date_format(day)}）不可晚於今天。")


def _begin(
    report: BullyingReport, *, user: Any, action: Action, expected_version: int | None
) -> BullyingReport:
    if not can_handle_bullying(user):
        raise PermissionDeniedError("只有指定的霸凌調查人員可以處理校園霸凌通報。")
    locked = BullyingReport.objects.select_for_update().get(pk=report.pk)
    if expected_version is not None and locked.version != expected_version:
        last = locked.events.exclude(actor=None).select_related("actor").order_by("-at", "-id").first()
        who = f"{last.actor}於{timezone.localtime(last.at):%H:%M}" if last and last.actor else "他人"
        raise BullyingConflictError(
            f"通報 {locked.number} 在您開啟後已由{who}更新（目前狀態：{State(locked.state).label}）；"
            "為免覆蓋，本次動作未執行。請重新載入後再操作，您輸入的內容仍保留在表單中。",
            extra={"current_version": locked.version},
        )
    if not action_allowed(state=locked.state, action=action):
        raise ApplicationError(
            f"通報狀態為「{State(locked.state).label}」時不能「{Action(action).label}」。",
            code="illegal_transition",
        )
    return locked


def _commit(
    report: BullyingReport,
    *,
    user: Any,
    action: Action,
    fields: Iterable[str],
    target: str | None = None,
    data: dict[str, Any] | None = None,
) -> BullyingReport:
    source = report.state
    report.state = target or TRANSITIONS[action][1] or source
    report.version += 1
    report.full_clean()
    report.save()
    _event(report, kind=action, user=user, data=data or {})
    audit_record(
        action=AuditAction.TRANSITION if report.state != source else AuditAction.UPDATE,
        target_type=AUDIT_TARGET,
        target_id=report.number,
        fields=sorted(set(fields)),
        detail={"action": str(action), "from": source, "to": report.state},
        actor=user,
    )
    return report


def _event(report: BullyingReport, *, kind: str, user: Any, data: dict[str, Any]) -> BullyingEvent:
    return BullyingEvent.objects.create(
        report=report,
        kind=kind,
        at=timezone.now(),
        actor=user if getattr(user, "is_authenticated", False) else None,
        data=data,
    )
