from datetime import date

import pytest
from django.db import connection

from yankao.bullying.models import BullyingReport, Ground, Method, Outcome, Source, State
from yankao.bullying.selectors import bullying_report_get_for_user, bullying_statistics
from yankao.bullying.services import (
    BullyingConflictError,
    Reporter,
    bullying_appeal_decide,
    bullying_appeal_file,
    bullying_authority_report_record,
    bullying_first_meeting_record,
    bullying_notice_record,
    bullying_outcome_record,
    bullying_report_close,
    bullying_screening_decide,
    bullying_team_form,
)
from yankao.bullying.tests.conftest import STUDENT, SUMMARY_MARK, taipei
from yankao.cases.services import case_transfer_kind
from yankao.core.exceptions import ApplicationError, PermissionDeniedError
from yankao.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_names_and_text_are_encrypted_at_rest(file_report):
    report = file_report()
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM bullying_bullyingreport WHERE id = %s", [report.pk])
        row = " ".join(str(cell) for cell in cursor.fetchone())
        cursor.execute("SELECT * FROM bullying_bullyingparty WHERE report_id = %s", [report.pk])
        parties = " ".join(str(cell) for row_ in cursor.fetchall() for cell in row_)
    assert SUMMARY_MARK not in row
    assert "蔣雨晴" not in row
    assert "鳳鳴" not in row
    assert STUDENT not in parties


def test_non_acceptance_needs_a_unanimous_vote_on_a_listed_ground(file_report, investigator):
    report = file_report()
    with pytest.raises(ApplicationError, match="全體委員一致"):
        bullying_screening_decide(
            report=report,
            user=investigator,
            accept=False,
            decided_on=date(2024, 6, 3),
            ground=Ground.NO_CONTENT,
        )
    with pytest.raises(ApplicationError, match="事由"):
        bullying_screening_decide(
            report=report, user=investigator, accept=False, decided_on=date(2024, 6, 3), unanimous=True
        )
    report.refresh_from_db()
    assert report.state == State.RECEIVED
    report = bullying_screening_decide(
        report=report,
        user=investigator,
        accept=False,
        decided_on=date(2024, 6, 3),
        ground=Ground.NO_CONTENT,
        unanimous=True,
    )
    assert (report.state, report.ground, report.unanimous) == (State.NOT_ACCEPTED, "no_content", True)


def test_an_anonymous_report_naming_actor_and_acts_must_be_accepted(file_report, investigator):
    report = file_report(is_anonymous=True, reporter=Reporter(), names_actor=True, names_acts=True)
    with pytest.raises(ApplicationError, match="應予受理"):
        bullying_screening_decide(
            report=report,
            user=investigator,
            accept=False,
            decided_on=date(2024, 6, 3),
            ground=Ground.NO_IDENTITY,
            unanimous=True,
        )
    named = file_report()
    with pytest.raises(ApplicationError, match="已具名"):
        bullying_screening_decide(
            report=named,
            user=investigator,
            accept=False,
            decided_on=date(2024, 6, 3),
            ground=Ground.NO_IDENTITY,
            unanimous=True,
        )
    vague = file_report(is_anonymous=True, reporter=Reporter(), names_actor=False, names_acts=True)
    vague = bullying_screening_decide(
        report=vague,
        user=investigator,
        accept=False,
        decided_on=date(2024, 6, 3),
        ground=Ground.NO_IDENTITY,
        unanimous=True,
    )
    assert vague.state == State.NOT_ACCEPTED


def test_a_step_outside_its_state_is_refused_with_the_state_named(file_report, investigator):
    report = file_report()
    with pytest.raises(ApplicationError, match="「待審查」時不能「組成處理小組」"):
        bullying_team_form(
            report=report, user=investigator, formed_on=date(2024, 6, 3), method=Method.MEDIATION
        )
    with pytest.raises(ApplicationError, match="不能「結案」"):
        bullying_report_close(report=report, user=investigator, closed_on=date(2024, 6, 3))


def test_contradictory_input_is_refused(file_report, investigator):
    with pytest.raises(ApplicationError, match="匿名檢舉不應填寫"):
        file_report(is_anonymous=True)
    report = file_report()
    with pytest.raises(ApplicationError, match="不可早於收件日"):
        bullying_screening_decide(report=report, user=investigator, accept=True, decided_on=date(2024, 5, 1))
    with pytest.raises(ApplicationError, match="不可早於收件時間"):
        bullying_authority_report_record(
            report=report, user=investigator, reported_at=taipei(2024, 5, 1, 9, 0)
        )


def test_a_stale_page_cannot_overwrite_someone_elses_step(file_report, investigator):
    report = file_report()
    shown = report.version
    bullying_screening_decide(report=report, user=investigator, accept=True, decided_on=date(2024, 5, 28))
    with pytest.raises(BullyingConflictError, match="為免覆蓋"):
        bullying_screening_decide(
            report=report,
            user=investigator,
            accept=False,
            decided_on=date(2024, 5, 28),
            ground=Ground.NO_CONTENT,
            unanimous=True,
            expected_version=shown,
        )
    report.refresh_from_db()
    assert report.state == State.ACCEPTED


@pytest.mark.parametrize("persona", ["officer", "rdec_admin", "rdec_staff", "auditor", "operator", "citizen"])
def test_only_designated_staff_read_or_act(request, file_report, persona):
    user = request.getfixturevalue(persona)
    report = file_report()
    with pytest.raises(PermissionDeniedError):
        bullying_report_get_for_user(user=user, number=report.number)
    with pytest.raises(PermissionDeniedError):
        bullying_screening_decide(report=report, user=user, accept=True, decided_on=date(2024, 5, 28))


def test_names_are_masked_until_revealed_with_a_reason_in_the_audit_trail(file_report, investigator):
    report = file_report()
    shown = bullying_report_get_for_user(user=investigator, number=report.number)
    assert STUDENT not in [party.name for party in shown.parties]
    assert shown.parties[0].name == "龔○澐"
    assert SUMMARY_MARK in shown.summary
    with pytest.raises(ApplicationError, match="理由"):
        bullying_report_get_for_user(user=investigator, number=report.number, reveal_reason="看")
    revealed = bullying_report_get_for_user(
        user=investigator, number=report.number, reveal_reason="聯繫家長確認"
    )
    assert revealed.parties[0].name == STUDENT
    entry = AuditEntry.objects.filter(target_id=report.number, action="read_personal").order_by("-id").first()
    assert entry.detail == {"reason": "聯繫家長確認"}
    assert "parties" in entry.fields
    assert entry.actor_username == "investigator"


def test_the_full_path_to_closure_with_an_appeal(file_report, investigator):
    report = file_report()
    report = bullying_authority_report_record(
        report=report, user=investigator, reported_at=taipei(2024, 5, 27, 16, 0)
    )
    report = bullying_screening_decide(
        report=report, user=investigator, accept=True, decided_on=date(2024, 6, 3)
    )
    report = bullying_notice_record(report=report, user=investigator, sent_on=date(2024, 6, 4))
    report = bullying_team_form(
        report=report, user=investigator, formed_on=date(2024, 6, 5), method=Method.INVESTIGATION
    )
    report = bullying_first_meeting_record(report=report, user=investigator, met_on=date(2024, 6, 12))
    report = bullying_outcome_record(
        report=report,
        user=investigator,
        outcome=Outcome.ESTABLISHED,
        decided_on=date(2024, 7, 30),
        notified_on=date(2024, 8, 1),
        follow_up="輔導室每週晤談；行為人接受教育輔導",
    )
    with pytest.raises(ApplicationError, match="期限屆滿且無人申復後"):
        bullying_report_close(report=report, user=investigator, closed_on=date(2024, 8, 5))
    report = bullying_appeal_file(report=report, user=investigator, filed_on=date(2024, 8, 10))
    report = bullying_appeal_decide(
        report=report, user=investigator, result="upheld", decided_on=date(2024, 8, 20)
    )
    with pytest.raises(ApplicationError, match="已申復過一次"):
        bullying_appeal_file(report=report, user=investigator, filed_on=date(2024, 8, 21))
    report = bullying_report_close(report=report, user=investigator, closed_on=date(2024, 8, 21))
    assert report.state == State.CLOSED
    assert report.events.count() == 10
    stats = bullying_statistics(user=None, first=date(2024, 1, 1), last=date(2024, 12, 31))
    assert (stats.total, stats.accepted, stats.not_accepted) == (1, 1, 0)
    assert dict(stats.accepted_by_status)["霸凌成立"] == 1


def test_a_hand_off_from_the_service_desk_keeps_only_our_number_there(file_petition, officer, investigator):
    petition = file_petition(
        channel="mayors_mailbox",
        subject="孩子在學校被同學霸凌",
        description=f"我的孩子{STUDENT}在學校{SUMMARY_MARK}。",
    ).case
    reference = case_transfer_kind(case=petition, to_kind="bullying", user=officer)
    report = BullyingReport.objects.get(number=reference)
    assert report.source == Source.MAYORS_MAILBOX
    assert report.transferred_from == petition.number
    assert report.received_at == petition.received_at
    petition.refresh_from_db()
    assert petition.transferred_reference == reference
    assert SUMMARY_MARK not in petition.description
    detail = bullying_report_get_for_user(user=investigator, number=reference)
    assert SUMMARY_MARK in detail.summary
    assert detail.reporter_name == "王○明"


def test_a_hand_off_keeps_the_files_the_engine_deletes(file_petition, officer, settings, tmp_path):
    from yankao.cases.services import Upload

    settings.MEDIA_ROOT = str(tmp_path)
    petition = file_petition(
        attachments=[Upload(name="photo.png", content=b"\x89PNG-evidence", content_type="image/png")]
    ).case
    reference = case_transfer_kind(case=petition, to_kind="bullying", user=officer)
    report = BullyingReport.objects.get(number=reference)
    (attachment,) = report.attachments.all()
    with attachment.file.open("rb") as handle:
        assert handle.read() == b"\x89PNG-evidence"
    assert not petition.attachments.exists()


def test_a_party_added_later_is_masked_in_the_citizens_own_words(file_petition, officer, investigator):
    from yankao.bullying.services import PartyInput, bullying_party_add

    petition = file_petition(description=f"我的孩子{STUDENT}在學校{SUMMARY_MARK}。").case
    reference = case_transfer_kind(case=petition, to_kind="bullying", user=officer)
    report = BullyingReport.objects.get(number=reference)
    assert STUDENT in bullying_report_get_for_user(user=investigator, number=reference).summary
    bullying_party_add(report=report, user=investigator, party=PartyInput(role="victim", name=STUDENT))
    shown = bullying_report_get_for_user(user=investigator, number=reference)
    assert STUDENT not in shown.summary
    assert "龔○澐" in shown.summary
