from datetime import date

import pytest
import time_machine
from django.db import connection

from yankao.cases.models import Case, Category, Notice
from yankao.cases.services import Petitioner, route_suggest
from yankao.cases.tests.conftest import taipei
from yankao.core.models import Agency, AuditEntry
from yankao.core.services.calendar import calendar_override_set
from yankao.core.working_days import add_working_days

pytestmark = pytest.mark.django_db


@time_machine.travel(taipei(2024, 3, 5, 10, 0))
def test_a_web_petition_gets_a_quotable_number_the_competent_agency_and_a_30_working_day_deadline(
    file_petition,
):
    result = file_petition()
    case = result.case
    assert case.number == "P1130305-00001"
    assert case.agency.name == "高雄市政府工務局"
    assert case.state == "assigned"
    assert case.due_on == add_working_days(date(2024, 3, 5), 30)
    assert len(result.tracking_code) == 8
    assert file_petition().case.number == "P1130305-00002"


def test_the_mayors_mailbox_deadline_counts_6_working_days_across_the_2024_lunar_new_year(file_petition):
    # given a letter to the mayor on Tuesday 2024-02-06, before 2/8–2/14 off and the make-up Saturday 2/17
    with time_machine.travel(taipei(2024, 2, 6, 9, 0)):
        case = file_petition(channel="mayors_mailbox").case
    # then: 2/7, 2/15, 2/16, 2/17 (make-up Saturday), 2/19, 2/20
    assert case.due_on == date(2024, 2, 20)
    assert "市長信箱案件處理期限：6 工作日" in case.deadline_rule


def test_a_typhoon_closure_moves_the_deadline_of_cases_received_after_it(file_petition):
    with time_machine.travel(taipei(2024, 7, 22, 9, 0)):
        before = file_petition(channel="mayors_mailbox").case.due_on
    calendar_override_set(
        date=date(2024, 7, 25), is_working_day=False, kind="typhoon", reason="凱米颱風", actor=None
    )
    with time_machine.travel(taipei(2024, 7, 22, 9, 5)):
        after = file_petition(channel="mayors_mailbox").case.due_on
    assert (before, after) == (date(2024, 7, 30), date(2024, 7, 31))


def test_a_retried_submission_returns_the_first_case_and_the_same_code(file_petition):
    first = file_petition(idempotency_key="form-7f3a")
    again = file_petition(idempotency_key="form-7f3a")
    assert (again.created, again.case.pk, again.tracking_code) == (False, first.case.pk, first.tracking_code)
    assert Case.objects.count() == 1


def test_the_petitioners_identity_is_encrypted_at_rest_and_masked_in_lists(file_petition):
    case = file_petition().case
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM cases_case WHERE id = %s", [case.pk])
        raw = " ".join(str(value) for value in cursor.fetchone())
    for secret in ("王小明", "0912", "ming@example.tw", "四維三路"):
        assert secret not in raw
    assert case.petitioner_name_masked == "王○明"


def test_intake_is_in_the_audit_trail_without_personal_values(file_petition):
    case = file_petition().case
    entry = AuditEntry.objects.get(target_type="cases.case", target_id=str(case.pk), action="create")
    assert "petitioner_name_encrypted" in entry.fields
    assert "王小明" not in str(entry.detail)


def test_the_petitioner_is_told_the_number_agency_and_due_date(file_petition):
    with time_machine.travel(taipei(2024, 3, 5, 10, 0)):
        case = file_petition().case
    receipt = Notice.objects.get(case=case, purpose="receipt")
    assert case.number in receipt.body
    assert "工務局" in receipt.body
    assert "民國113年" in receipt.body


def test_routing_suggests_the_district_office_for_district_matters_and_agencies_named_by_the_text(db, seeded):
    neighbourhood = Category.objects.get(code="neighbourhood")
    district = Agency.objects.get(name="高雄市鳳山區公所")
    suggestions = route_suggest(category=neighbourhood, district=district, text="活動中心旁水溝積水很臭")
    assert suggestions[0].agency == district
    names = [s.agency.name for s in suggestions]
    assert "高雄市政府水利局" in names  # 水溝, 積水
    assert "高雄市政府環境保護局" not in names  # 「臭」 alone is none of its keywords (異味、臭味)
    assert suggestions[0].reason.startswith("依地點")


def test_empty_subject_or_unknown_channel_is_refused_and_nothing_is_written(file_petition):
    from yankao.core.exceptions import ApplicationError

    with pytest.raises(ApplicationError, match="請填寫主旨與內容"):
        file_petition(subject="  ")
    with pytest.raises(ApplicationError, match="不明的來源管道"):
        file_petition(channel="fax")
    assert Case.objects.count() == 0


def test_an_anonymous_petition_shows_as_anonymous(file_petition):
    case = file_petition(petitioner=Petitioner(anonymous=True)).case
    assert case.petitioner_name_masked == "匿名"
