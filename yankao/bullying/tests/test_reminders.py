from datetime import date

import pytest
from django.core import mail
from django.core.management import call_command

from yankao.bullying.services import bullying_authority_report_record
from yankao.bullying.tasks import bullying_reminders_send
from yankao.bullying.tests.conftest import ACTOR, STUDENT, taipei

pytestmark = pytest.mark.django_db


def test_the_reminder_gives_counts_and_nothing_identifying(file_report, investigator, officer):
    investigator.email = "inv@example.tw"
    investigator.save()
    officer.email = "officer@example.tw"
    officer.save()
    report = file_report(received_at=taipei(2024, 5, 27, 10, 0))
    sent = bullying_reminders_send(today=date(2024, 6, 20))  # notice due 06-25: within 3 working days
    assert sent == 1
    (message,) = mail.outbox
    assert message.to == ["inv@example.tw"]
    # the 24-hour report was never recorded: that clock is the one overdue
    assert "0 件期限將屆、1 件已逾期" in message.body
    for secret in (report.number, STUDENT, ACTOR, "鳳鳴", "蔣雨晴"):
        assert secret not in message.body + message.subject


def test_no_reminder_when_nothing_is_due(investigator):
    call_command("bullying", "remind")
    assert mail.outbox == []


def test_a_notice_due_within_three_working_days_is_due_soon(file_report, investigator):
    investigator.email = "inv@example.tw"
    investigator.save()
    report = file_report(received_at=taipei(2024, 5, 27, 10, 0))
    bullying_authority_report_record(report=report, user=investigator, reported_at=taipei(2024, 5, 27, 15, 0))
    assert bullying_reminders_send(today=date(2024, 6, 19)) == 0  # 06-25 is four working days away
    assert bullying_reminders_send(today=date(2024, 6, 20)) == 1
    assert "1 件期限將屆、0 件已逾期" in mail.outbox[0].body
