"""The reminders run on the real database task worker, not only inline."""

import pytest
import time_machine
from django.core.management import call_command
from django.test import override_settings

from yankao.cases.models import StaffAlert
from yankao.cases.services import case_accept
from yankao.cases.tasks import case_alerts_scan_task
from yankao.cases.tests.conftest import taipei

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.mark.django_db(transaction=True)
def test_the_database_worker_runs_the_alert_scan(file_petition, officer):
    with time_machine.travel(taipei(2024, 3, 1, 9, 0)):
        case_accept(case=file_petition(channel="mayors_mailbox").case, user=officer)
    with override_settings(TASKS=DATABASE_TASKS), time_machine.travel(taipei(2024, 3, 8, 6, 0), tick=True):
        result = case_alerts_scan_task.enqueue()
        assert StaffAlert.objects.count() == 0  # queued, not run inline
        call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
        result.refresh()
        assert result.status == "SUCCESSFUL"
    assert StaffAlert.objects.filter(kind="due_soon", recipient=officer).count() == 1
