from dataclasses import asdict
from datetime import date

import pytest
import time_machine

from yankao.cases.selectors import (
    case_due_status,
    case_get_for_user,
    case_list_for_user,
    case_petitioner_reveal,
    case_track,
)
from yankao.cases.services import case_accept, case_reply
from yankao.cases.tests.conftest import taipei
from yankao.core.exceptions import ApplicationError, NotFoundError, PermissionDeniedError
from yankao.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_officers_see_their_agencys_cases_only_and_rdec_sees_the_city(
    file_petition, officer, officer_of_other_agency, rdec_staff
):
    case = file_petition().case
    assert [c.pk for c in case_list_for_user(user=officer).items] == [case.pk]
    assert case_list_for_user(user=officer_of_other_agency).items == []
    assert [c.pk for c in case_list_for_user(user=rdec_staff).items] == [case.pk]
    with pytest.raises(NotFoundError):
        case_get_for_user(user=officer_of_other_agency, number=case.number)
    assert case_get_for_user(user=officer, number=case.number) == case


def test_the_inbox_pages_by_due_date_without_gaps_or_repeats(file_petition, officer):
    numbers = set()
    for day in range(1, 13):
        with time_machine.travel(taipei(2024, 3, day, 9, 0)):
            numbers.add(file_petition(channel="mayors_mailbox").case.number)
    seen: list[str] = []
    page = case_list_for_user(user=officer, limit=5)
    while True:
        seen += [c.number for c in page.items]
        if page.next_cursor is None:
            break
        page = case_list_for_user(user=officer, limit=5, after=page.next_cursor)
    assert sorted(seen) == sorted(numbers)
    assert len(seen) == len(numbers)
    dues = [c.due_on for c in case_list_for_user(user=officer, limit=50).items]
    assert dues == sorted(dues)


def test_the_inbox_marks_and_filters_overdue_and_due_soon(file_petition, officer):
    with time_machine.travel(taipei(2024, 3, 1, 9, 0)):
        late = file_petition(channel="mayors_mailbox").case  # due 2024-03-11
    with time_machine.travel(taipei(2024, 3, 8, 9, 0)):
        soon = file_petition(channel="mayors_mailbox").case  # due 2024-03-18
    today = date(2024, 3, 14)
    assert [c.pk for c in case_list_for_user(user=officer, due="overdue", today=today).items] == [late.pk]
    assert [c.pk for c in case_list_for_user(user=officer, due="soon", today=today).items] == [soon.pk]
    assert case_due_status(case=late, today=today) == "overdue"
    assert case_due_status(case=soon, today=today) == "due_soon"
    with pytest.raises(ApplicationError, match="不明的期限篩選"):
        case_list_for_user(user=officer, due="yesterday")


def test_revealing_the_petitioner_needs_a_reason_and_is_audited(petition, officer, officer_of_other_agency):
    with pytest.raises(ApplicationError, match="說明理由"):
        case_petitioner_reveal(user=officer, case=petition, reason="")
    with pytest.raises(PermissionDeniedError):
        case_petitioner_reveal(user=officer_of_other_agency, case=petition, reason="好奇")
    person = case_petitioner_reveal(user=officer, case=petition, reason="電話聯繫確認地點")
    assert (person.name, person.phone) == ("王小明", "0912-345-678")
    entry = AuditEntry.objects.filter(action="read_personal", target_id=str(petition.pk)).get()
    assert entry.actor_username == "officer"
    assert entry.detail == {"reason": "電話聯繫確認地點"}
    assert "王小明" not in str(entry.fields)


def test_the_tracking_page_shows_status_and_reply_but_no_personal_data(file_petition, officer):
    result = file_petition()
    case_reply(case=case_accept(case=result.case, user=officer), user=officer, reply="已派員修補完成。")
    tracked = case_track(number=result.case.number.lower(), tracking_code=result.tracking_code.lower())
    assert (tracked.state_label, tracked.reply, tracked.can_reopen, tracked.can_answer_survey) == (
        "已答復",
        "已派員修補完成。",
        True,
        True,
    )
    flat = str(asdict(tracked))
    for secret in ("王小明", "0912", "ming@example.tw", "四維三路", "王○明"):
        assert secret not in flat
    with pytest.raises(NotFoundError, match="請確認案件編號與查詢碼") as wrong_code:
        case_track(number=result.case.number, tracking_code="AAAAAAAA")
    with pytest.raises(NotFoundError) as wrong_number:
        case_track(number="P0000000-00000", tracking_code=result.tracking_code)
    assert wrong_code.value.message == wrong_number.value.message
