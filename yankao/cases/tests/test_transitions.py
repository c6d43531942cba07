from datetime import date, timedelta

import pytest
import time_machine

from yankao.cases.models import Case, CaseEvent, Extension, Notice
from yankao.cases.services import (
    CaseConflictError,
    case_accept,
    case_close,
    case_extension_decide,
    case_extension_request,
    case_link_repeat,
    case_merge,
    case_not_process,
    case_reopen_by_citizen,
    case_reply,
    case_request_info,
    case_reroute,
    case_resume,
    case_survey_answer,
)
from yankao.cases.tests.conftest import taipei
from yankao.core.exceptions import ApplicationError, NotFoundError, PermissionDeniedError
from yankao.core.models import Agency, AuditEntry

pytestmark = pytest.mark.django_db


def test_an_officer_of_another_agency_cannot_act_on_the_case(petition, officer_of_other_agency):
    with pytest.raises(PermissionDeniedError):
        case_accept(case=petition, user=officer_of_other_agency)


def test_an_illegal_transition_is_refused_with_the_state_and_action_named(petition, officer):
    with pytest.raises(ApplicationError, match="「已分派」時不能「結案」"):
        case_close(case=petition, user=officer)
    petition.refresh_from_db()
    assert petition.state == "assigned"


def test_the_second_of_two_officers_acting_on_the_same_version_gets_a_conflict_and_nothing_is_lost(
    petition, officer, liaison
):
    # given both opened the case at version 1
    seen = petition.version
    case_accept(case=petition, user=officer, expected_version=seen)
    # when the liaison replies from the page they opened before the officer's change
    with pytest.raises(CaseConflictError, match=r"在您開啟後已由.*更新") as error:
        case_reply(case=petition, user=liaison, reply="已派員修補。", expected_version=seen)
    # then nothing of the reply was written and the officer's acceptance stands
    petition.refresh_from_db()
    assert (petition.state, petition.reply, petition.officer) == ("in_progress", "", officer)
    assert error.value.extra["current_version"] == petition.version


def test_every_transition_writes_the_timeline_and_the_audit_trail(petition, officer):
    case_accept(case=petition, user=officer)
    event = CaseEvent.objects.filter(case=petition, kind="accept").get()
    assert (event.from_state, event.to_state, event.actor) == ("assigned", "in_progress", officer)
    entry = AuditEntry.objects.filter(target_type="cases.case", action="transition").latest("id")
    assert entry.detail == {"action": "accept", "from": "assigned", "to": "in_progress"}


def test_rerouting_is_counted_timed_and_told_to_the_petitioner(file_petition, officer_of_other_agency):
    # given a pothole wrongly sent to 環境保護局 on Friday 2024-03-08
    environment = Agency.objects.get(code="397017000A")
    public_works = Agency.objects.get(code="397010000A")
    with time_machine.travel(taipei(2024, 3, 8, 16, 0)):
        case = file_petition(agency=environment).case
    # when its officer re-routes it on Monday, the next working day
    with time_machine.travel(taipei(2024, 3, 11, 9, 0)):
        case = case_reroute(
            case=case, user=officer_of_other_agency, to_agency=public_works, reason="路面坑洞屬工務局"
        )
    # then
    assert (case.agency, case.reroute_count, case.state) == (public_works, 1, "assigned")
    event = CaseEvent.objects.get(case=case, kind="reroute")
    assert event.data["working_days_taken"] == 1
    assert event.data["within_norm"] is True
    assert Notice.objects.filter(case=case, purpose="transfer", body__contains="工務局").exists()


def test_waiting_for_the_citizen_pauses_the_clock_and_resuming_moves_the_deadline(file_petition, officer):
    with time_machine.travel(taipei(2024, 3, 4, 9, 0)):
        case = file_petition(channel="mayors_mailbox").case  # due 2024-03-12
        case = case_accept(case=case, user=officer)
    assert case.due_on == date(2024, 3, 12)
    with time_machine.travel(taipei(2024, 3, 5, 9, 0)):
        case = case_request_info(case=case, user=officer, message="請提供坑洞照片")
    assert case.state == "waiting_citizen"
    # 2024-03-06..03-08 pass while waiting (3 working days)
    with time_machine.travel(taipei(2024, 3, 8, 15, 0)):
        case = case_resume(case=case, user=officer)
    assert (case.state, case.paused_working_days, case.due_on) == ("in_progress", 3, date(2024, 3, 15))


def test_an_extension_needs_a_reason_and_the_liaisons_approval_and_the_petitioner_is_told(
    petition, officer, liaison
):
    case = case_accept(case=petition, user=officer)
    with pytest.raises(ApplicationError, match="請說明展期理由"):
        case_extension_request(case=case, user=officer, working_days=5, reason=" ")
    extension = case_extension_request(case=case, user=officer, working_days=5, reason="需會同區公所會勘")
    with pytest.raises(PermissionDeniedError, match="研考聯絡人"):
        case_extension_decide(extension=extension, user=officer, approve=True)
    before = case.due_on
    case_extension_decide(extension=extension, user=liaison, approve=True)
    case.refresh_from_db()
    extension.refresh_from_db()
    assert extension.decision == Extension.Decision.APPROVED
    assert case.due_on > before
    assert case.extended_days == 5
    notice = Notice.objects.get(case=case, purpose="extension")
    assert "需會同區公所會勘" in notice.body


def test_an_extension_cannot_be_asked_after_the_deadline(file_petition, officer):
    with time_machine.travel(taipei(2024, 3, 4, 9, 0)):
        case = case_accept(case=file_petition(channel="mayors_mailbox").case, user=officer)
    with time_machine.travel(taipei(2024, 3, 13, 9, 0)), pytest.raises(ApplicationError, match="已逾期"):
        case_extension_request(case=case, user=officer, working_days=3, reason="會勘")


def test_a_reply_can_be_reopened_by_the_citizen_within_the_period_but_not_after(file_petition, officer):
    with time_machine.travel(taipei(2024, 3, 4, 9, 0)):
        result = file_petition()
        case = case_reply(
            case=case_accept(case=result.case, user=officer), user=officer, reply="已修補完成。"
        )
    with time_machine.travel(taipei(2024, 3, 20, 9, 0)):
        reopened = case_reopen_by_citizen(
            number=case.number, tracking_code=result.tracking_code, reason="坑洞又出現了"
        )
        assert (reopened.state, reopened.reopen_count) == ("in_progress", 1)
        case_reply(case=reopened, user=officer, reply="已重新鋪設。")
    with (
        time_machine.travel(taipei(2024, 6, 1, 9, 0)),
        pytest.raises(ApplicationError, match="已超過答復後30日"),
    ):
        case_reopen_by_citizen(number=case.number, tracking_code=result.tracking_code, reason="又壞了")


def test_a_wrong_tracking_code_cannot_reopen_or_reveal_anything(file_petition, officer):
    case = file_petition().case
    with pytest.raises(NotFoundError, match="查無此案件"):
        case_reopen_by_citizen(number=case.number, tracking_code="WRONG123", reason="x")


def test_not_processed_cases_are_registered_with_their_ground_and_closed(petition, officer):
    with pytest.raises(ApplicationError, match="第173條"):
        case_not_process(case=petition, user=officer, ground="i_dont_like_it")
    case = case_not_process(case=petition, user=officer, ground="no_content", note="僅有問候語")
    assert (case.state, case.not_processed_ground) == ("not_processed", "no_content")
    assert case.closed_at is not None
    assert Case.objects.filter(pk=case.pk).exists()


def test_merging_follows_the_main_case_and_repeats_point_to_the_earlier_answer(file_petition, officer):
    main = case_accept(case=file_petition().case, user=officer)
    second = file_petition(description="同一個坑洞，還沒補。").case
    merged = case_merge(case=second, into=main, user=officer)
    assert (merged.state, merged.merged_into) == ("merged", main)
    answered = case_reply(case=main, user=officer, reply="已於3月8日修補。")
    repeat = file_petition().case
    linked = case_link_repeat(case=repeat, earlier=answered, user=officer)
    assert linked.repeat_of == answered
    assert answered.number in linked.reply
    assert "已於3月8日修補。" in linked.reply


def test_the_survey_asks_process_and_outcome_apart_and_only_once(file_petition, officer):
    result = file_petition()
    case_reply(case=case_accept(case=result.case, user=officer), user=officer, reply="已修補。")
    response = case_survey_answer(
        number=result.case.number, tracking_code=result.tracking_code, process_score=5, outcome_score=2
    )
    assert (response.process_score, response.outcome_score) == (5, 2)
    with pytest.raises(ApplicationError, match="已經填寫過"):
        case_survey_answer(
            number=result.case.number, tracking_code=result.tracking_code, process_score=1, outcome_score=1
        )
    with pytest.raises(ApplicationError, match="1到5分"):
        case_survey_answer(
            number=result.case.number, tracking_code=result.tracking_code, process_score=6, outcome_score=1
        )


def test_closing_after_reply(petition, officer):
    case = case_reply(case=case_accept(case=petition, user=officer), user=officer, reply="已處理。")
    closed = case_close(case=case, user=officer)
    assert closed.state == "closed"
    assert closed.closed_at - closed.replied_at < timedelta(minutes=1)
