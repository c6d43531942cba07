import pytest
import time_machine

from yankao.cases.models import StaffAlert
from yankao.cases.services import case_accept, case_alerts_scan
from yankao.cases.tests.conftest import taipei

pytestmark = pytest.mark.django_db


def test_due_soon_goes_to_the_officer_overdue_to_the_liaison_then_to_the_rdec_once_each(
    file_petition, officer, liaison, rdec_staff
):
    # given a mayor's-mailbox letter due 2024-03-11, accepted by the officer
    with time_machine.travel(taipei(2024, 3, 1, 9, 0)):
        case = case_accept(case=file_petition(channel="mayors_mailbox").case, user=officer)
    # on 2024-03-08 it is due within 2 working days
    with time_machine.travel(taipei(2024, 3, 8, 6, 0)):
        assert case_alerts_scan()["due_soon"] == 1
        assert case_alerts_scan()["due_soon"] == 0  # idempotent
    # one working day late: the liaison; three: the RDEC too
    with time_machine.travel(taipei(2024, 3, 12, 6, 0)):
        assert case_alerts_scan()["overdue_liaison"] == 1
    with time_machine.travel(taipei(2024, 3, 14, 6, 0)):
        written = case_alerts_scan()
    assert written["overdue_rdec"] == 1
    kinds = {(a.kind, a.recipient.username) for a in StaffAlert.objects.filter(case=case)}
    assert kinds == {("due_soon", "officer"), ("overdue_liaison", "liaison"), ("overdue_rdec", "rdec_staff")}


def test_a_paused_case_raises_no_alert(file_petition, officer, liaison):
    from yankao.cases.services import case_request_info

    with time_machine.travel(taipei(2024, 3, 1, 9, 0)):
        case = case_accept(case=file_petition(channel="mayors_mailbox").case, user=officer)
        case_request_info(case=case, user=officer, message="請補照片")
    with time_machine.travel(taipei(2024, 3, 20, 6, 0)):
        assert sum(case_alerts_scan().values()) == 0
