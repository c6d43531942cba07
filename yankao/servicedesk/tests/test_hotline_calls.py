"""The 1999 console's services and selectors: logging calls, what they become, who sees them."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from yankao.cases.kinds import TransferPayload, case_kind_receivers
from yankao.cases.models import Case
from yankao.cases.services import Petitioner, case_intake
from yankao.core.exceptions import ApplicationError, NotFoundError, PermissionDeniedError
from yankao.core.models import Agency, AuditEntry
from yankao.servicedesk.hotline_selectors import (
    call_get_for_user,
    call_list_for_case,
    call_list_for_user,
    call_statistics,
    caller_history,
    hotline_live_board,
)
from yankao.servicedesk.hotline_services import CallInvalidError, call_log
from yankao.servicedesk.models import Call, CallOutcome
from yankao.servicedesk.selectors import petition_count

PHONE = "0912-345-678"


def _log(operator, **overrides):
    fields = {
        "operator": operator,
        "started_at": timezone.now() - timedelta(minutes=3),
        "outcome": CallOutcome.ANSWERED,
        "category_code": "street_light",
        "phone": PHONE,
        "summary": "詢問路燈報修進度",
        "answer": "已告知工務局養護工程處排定本週修復",
    }
    fields.update(overrides)
    return call_log(**fields)


def test_a_call_answered_on_the_spot_is_a_record_without_a_case(operator):
    result = _log(operator)
    call = result.call
    assert result.created
    assert result.case is None
    assert call.outcome == "answered"
    assert 170 <= call.duration_seconds <= 200
    assert call.caller_phone_masked == "0912***678"
    assert "0912" not in call.caller_phone_encrypted  # encrypted at rest
    assert call.operator == operator
    assert Case.objects.count() == 0


def test_a_dispatched_call_becomes_a_dispatch_case_on_the_hotline_channel(operator):
    result = _log(
        operator,
        outcome=CallOutcome.DISPATCHED,
        category_code="road_pothole",
        summary="建國二路與中山路口有大坑洞\n機車差點摔倒",
        location_text="建國二路與中山路口",
    )
    case = result.case
    assert case is not None
    assert result.call.case == case
    assert case.kind == "dispatch"
    assert case.channel == "hotline"
    assert case.number.startswith("D")
    assert case.subject == "建國二路與中山路口有大坑洞"
    assert case.agency.code == "397010000A"  # 工務局, the category's competent agency
    assert result.tracking_code
    # A dispatch is not a petition: the petition count leaves it out.
    today = timezone.localdate()
    assert petition_count(first=today - timedelta(days=1), last=today + timedelta(days=1)) == 0


def test_a_call_turned_into_a_petition_counts_once_among_calls_and_once_among_petitions(operator):
    result = _log(
        operator,
        outcome=CallOutcome.PETITION,
        category_code="noise",
        caller_name="王小明",
        summary="鄰近工地夜間施工噪音",
    )
    assert result.case is not None
    assert result.case.kind == "petition"
    assert result.case.petitioner_name_masked == "王○明"
    today = timezone.localdate()
    stats = call_statistics(first=today - timedelta(days=1), last=today + timedelta(days=1))
    assert stats.total == 1
    assert stats.outcomes.counts["petition"] == 1
    assert petition_count(first=today - timedelta(days=1), last=today + timedelta(days=1)) == 1


def test_a_petition_needs_the_callers_name_and_nothing_is_written_without_it(operator):
    with pytest.raises(CallInvalidError) as caught:
        _log(operator, outcome=CallOutcome.PETITION, caller_name="", summary="噪音")
    assert "caller_name" in caught.value.errors
    assert Call.objects.count() == 0
    assert Case.objects.count() == 0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"phone": "12345"}, "phone"),
        ({"phone": "091234567"}, "phone"),  # a mobile number one digit short
        ({"category_code": "no_such"}, "category"),
        ({"outcome": "dispatched", "summary": ""}, "summary"),
        ({"answer": ""}, "answer"),
        ({"outcome": "lost"}, "outcome"),
        ({"started_at": timezone.now() - timedelta(days=2)}, "started_at"),
    ],
)
def test_bad_input_is_refused_with_a_message_per_field(operator, overrides, field):
    with pytest.raises(CallInvalidError) as caught:
        _log(operator, **overrides)
    assert field in caught.value.errors
    assert all(message for messages in caught.value.errors.values() for message in messages)
    assert Call.objects.count() == 0


def test_a_repeated_submission_logs_one_call_and_one_case(operator):
    first = _log(operator, outcome=CallOutcome.DISPATCHED, summary="路燈不亮", idempotency_key="form-1")
    again = _log(operator, outcome=CallOutcome.DISPATCHED, summary="路燈不亮", idempotency_key="form-1")
    assert not again.created
    assert again.call.pk == first.call.pk
    assert Call.objects.count() == 1
    assert Case.objects.count() == 1


def test_only_operators_log_calls(officer, rdec_staff):
    for user in (officer, rdec_staff):
        with pytest.raises(PermissionDeniedError):
            _log(user)


@pytest.fixture
def receivers_without_bullying():
    """The registry as it is before the bullying module lands (or where it is not installed)."""
    saved = case_kind_receivers._entries.pop("bullying", None)
    yield case_kind_receivers
    case_kind_receivers._entries.pop("bullying", None)
    if saved is not None:
        case_kind_receivers._entries["bullying"] = saved


def test_a_transfer_to_an_unregistered_module_is_refused_clearly(operator, receivers_without_bullying):
    with pytest.raises(CallInvalidError) as caught:
        _log(operator, outcome=CallOutcome.TRANSFERRED, category_code="education", summary="孩子在校被霸凌")
    assert "尚未在本系統啟用" in caught.value.errors["outcome"][0]
    assert Case.objects.count() == 0
    assert Call.objects.count() == 0


def test_a_transfer_goes_through_the_case_engine_and_leaves_only_a_reference(
    operator, receivers_without_bullying
):
    received: list[TransferPayload] = []

    def receive(payload: TransferPayload) -> str:
        received.append(payload)
        return "B-0001"

    case_kind_receivers.register("bullying", receive)
    # The operator who registers the call's case may hand it over at once (no officer has it yet).
    result = _log(
        operator, outcome=CallOutcome.TRANSFERRED, category_code="education", summary="孩子在校被霸凌"
    )
    assert [payload.description for payload in received] == ["孩子在校被霸凌"]
    assert result.call.transferred_reference == "B-0001"
    case = Case.objects.get()
    assert (case.state, case.transferred_reference) == ("transferred", "B-0001")
    assert "霸凌" not in case.subject + case.description  # the service desk keeps only the reference


def test_a_transfer_the_receiver_refuses_logs_neither_call_nor_case(operator, receivers_without_bullying):
    def refuse(payload: TransferPayload) -> str:
        raise ApplicationError("校園霸凌通報缺少學校名稱。")

    case_kind_receivers.register("bullying", refuse)
    with pytest.raises(ApplicationError):
        _log(operator, outcome=CallOutcome.TRANSFERRED, category_code="education", summary="孩子在校被霸凌")
    assert Case.objects.count() == 0
    assert Call.objects.count() == 0


def test_the_caller_lookup_finds_earlier_calls_and_cases_by_number_and_is_audited(operator):
    earlier = case_intake(
        kind="petition",
        channel="web",
        category=Case._meta.get_field("category").related_model.objects.get(code="road_pothole"),
        subject="民族路坑洞",
        description="民族路一段坑洞",
        petitioner=Petitioner(name="陳美玲", phone="+886 912 345 678"),
    ).case
    _log(operator, phone="0912345678")
    history = caller_history(user=operator, phone="0912-345-678")
    assert history is not None
    assert history.is_known
    assert [case.number for case in history.cases] == [earlier.number]
    assert history.calls[0].outcome == "當場答復"
    assert history.phone_masked == "0912***678"
    assert AuditEntry.objects.filter(action="read_personal", target_type="servicedesk.caller").exists()
    # An incomplete number is not looked up (the console asks while the operator types).
    assert caller_history(user=operator, phone="0912") is None
    assert caller_history(user=operator, phone="091234567") is None  # a mobile number, one digit short
    assert caller_history(user=operator, phone="0922000111").is_known is False


def test_the_caller_lookup_is_for_operators(officer):
    with pytest.raises(PermissionDeniedError):
        caller_history(user=officer, phone=PHONE)


def test_officers_see_calls_only_through_the_cases_dispatched_to_them(
    operator, officer, officer_of_other_agency, auditor
):
    dispatched = _log(operator, outcome=CallOutcome.DISPATCHED, category_code="road_pothole", summary="坑洞")
    answered = _log(operator)
    # 工務局's officer sees the call behind the pothole dispatched to 工務局, not the other call.
    assert call_get_for_user(user=officer, call_id=dispatched.call.pk) == dispatched.call
    with pytest.raises(NotFoundError):
        call_get_for_user(user=officer, call_id=answered.call.pk)
    assert [call.pk for call in call_list_for_user(user=officer)] == [dispatched.call.pk]
    assert [call.pk for call in call_list_for_case(user=officer, case_id=dispatched.case.pk)] == [
        dispatched.call.pk
    ]
    # 環境保護局's officer sees neither, and cannot reach the case either.
    with pytest.raises(NotFoundError):
        call_get_for_user(user=officer_of_other_agency, call_id=dispatched.call.pk)
    assert call_list_for_user(user=officer_of_other_agency) == []
    with pytest.raises(NotFoundError):
        call_list_for_case(user=officer_of_other_agency, case_id=dispatched.case.pk)
    # The operators and the auditor read every call.
    assert len(call_list_for_user(user=operator)) == 2
    assert len(call_list_for_user(user=auditor)) == 2


def test_statistics_count_by_month_category_outcome_and_hour(operator):
    now = timezone.now()
    _log(operator, started_at=now - timedelta(minutes=5))
    _log(operator, outcome=CallOutcome.DISPATCHED, category_code="road_pothole", summary="坑洞")
    _log(operator, outcome=CallOutcome.OTHER, answer="", summary="")
    today = timezone.localdate()
    stats = call_statistics(first=date(today.year, 1, 1), last=date(today.year, 12, 31))
    assert stats.total == 3
    assert len(stats.months) == 12
    assert stats.months[today.month - 1].outcomes.total == 3
    assert stats.monthly_average == round(3 / 12)
    assert {row.code: row.outcomes.total for row in stats.categories} == {
        "street_light": 2,
        "road_pothole": 1,
    }
    assert sum(stats.hours) == 3
    assert stats.busiest_hours[0] == timezone.localtime(now - timedelta(minutes=3)).hour
    board = hotline_live_board(user=operator)
    assert board.outcomes.total == 3
    assert board.open_dispatches == 1


def test_agency_districts_route_dispatches_to_the_district_office(operator):
    district = Agency.objects.get(name="高雄市苓雅區公所")
    result = _log(
        operator,
        outcome=CallOutcome.DISPATCHED,
        category_code="neighbourhood",
        summary="里內公園路燈",
        district=district,
    )
    assert result.case is not None
    assert result.case.district == district
