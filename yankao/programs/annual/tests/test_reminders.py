from datetime import date

import pytest
from django.core import mail
from django.core.management import call_command

from yankao.programs.annual.reminders import annual_reminders_send
from yankao.programs.annual.services.tracked import TrackedItemFields, tracked_item_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def countermeasure(rdec_staff, public_works):
    return tracked_item_create(
        fields=TrackedItemFields(
            kind="just_transition",
            title="營建減碳對策",
            agency=public_works,
            started_on=date(2024, 3, 1),
            due_on=date(2025, 12, 31),
        ),
        user=rdec_staff,
    )


def test_the_owner_agency_is_reminded_before_the_update_is_due_and_told_when_late(
    countermeasure, officer, officer_of_other_agency
):
    officer.email = "officer@example.tw"
    officer.save()
    officer_of_other_agency.email = "other@example.tw"
    officer_of_other_agency.save()
    # Quarterly from 2024-03-01: due Monday 2024-06-03; reminders from 7 days before (rule, unconfirmed).
    assert annual_reminders_send(today=date(2024, 5, 20))["messages"] == 0
    assert annual_reminders_send(today=date(2024, 5, 28)) == {"agencies": 1, "lines": 1, "messages": 1}
    assert mail.outbox[-1].to == ["officer@example.tw"]
    assert "請於期限前回報" in mail.outbox[-1].body
    annual_reminders_send(today=date(2024, 6, 10))
    assert "營建減碳對策" in mail.outbox[-1].body
    assert "已逾期" in mail.outbox[-1].body


def test_the_command_runs(countermeasure, capsys):
    call_command("programs_annual", "remind")
    assert "agencies" in capsys.readouterr().out
