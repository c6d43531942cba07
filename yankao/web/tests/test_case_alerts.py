import pytest
import time_machine

from yankao.cases.models import Category, StaffAlert
from yankao.cases.services import Petitioner, case_accept, case_alerts_scan, case_intake
from yankao.cases.tests.conftest import taipei

pytestmark = pytest.mark.django_db


def test_the_officer_sees_a_due_soon_reminder_in_the_inbox_and_can_dismiss_it(client, officer):
    # given a letter to the mayor accepted by the officer and due within two working days
    with time_machine.travel(taipei(2024, 3, 1, 9, 0)):
        case = case_intake(
            kind="petition",
            channel="mayors_mailbox",
            category=Category.objects.get(code="road_pothole"),
            subject="路面坑洞",
            description="中正路坑洞",
            petitioner=Petitioner(name="王小明", phone="0912345678"),
        ).case
        case_accept(case=case, user=officer)
    with time_machine.travel(taipei(2024, 3, 8, 6, 0)):
        case_alerts_scan()
    client.force_login(officer)
    # then the inbox shows it
    html = client.get("/console/cases/").content.decode()
    assert "您的提醒" in html
    assert case.number in html
    assert "即將到期" in html
    # when the officer dismisses it, it is read and no longer shown
    alert = StaffAlert.objects.get(recipient=officer)
    client.post("/console/cases/alerts/read/", {"alert": alert.pk})
    alert.refresh_from_db()
    assert alert.read_at is not None
    assert "您的提醒" not in client.get("/console/cases/").content.decode()


def test_no_one_can_mark_another_persons_alerts(client, officer, liaison):
    with time_machine.travel(taipei(2024, 3, 1, 9, 0)):
        case = case_intake(
            kind="petition",
            channel="mayors_mailbox",
            category=Category.objects.get(code="road_pothole"),
            subject="路面坑洞",
            description="中正路坑洞",
            petitioner=Petitioner(name="王小明", phone="0912345678"),
        ).case
        case_accept(case=case, user=officer)
    with time_machine.travel(taipei(2024, 3, 8, 6, 0)):
        case_alerts_scan()
    alert = StaffAlert.objects.get(recipient=officer)
    client.force_login(liaison)
    client.post("/console/cases/alerts/read/", {"alert": alert.pk})
    alert.refresh_from_db()
    assert alert.read_at is None
