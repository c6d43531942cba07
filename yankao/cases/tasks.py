"""Background work of the case engine, run by the database task worker (`yankao db_worker`)."""

from typing import Any

from django.core.mail import send_mail
from django.db import connection, transaction
from django.tasks import task
from django.utils import timezone

from yankao.cases.models import Notice
from yankao.core.personal_data import personal_decrypt


@task()
def notices_send_pending_task() -> int:
    """E-mail every notice not yet sent; returns how many. Each is sent once even with several workers."""
    sent = 0
    for notice_id in Notice.objects.filter(channel="email", sent_at=None).values_list("pk", flat=True):
        sent += notice_send(notice_id=notice_id)
    return sent


def notice_send(*, notice_id: int) -> int:
    """E-mail one notice to the petitioner (the address is decrypted only here, never logged)."""
    with transaction.atomic():
        notice = (
            Notice.objects.select_for_update(
                skip_locked=connection.features.has_select_for_update_skip_locked
            )
            .select_related("case")
            .filter(pk=notice_id, sent_at=None)
            .first()
        )
        if notice is None:  # sent meanwhile, or another worker holds it
            return 0
        address = personal_decrypt(notice.recipient_encrypted or notice.case.petitioner_email_encrypted)
        if address:
            send_mail(
                subject=f"案件 {notice.case.number}：{notice.get_purpose_display()}",
                message=notice.body,
                from_email=None,
                recipient_list=[address],
            )
        notice.sent_at = timezone.now()
        notice.recipient_encrypted = ""  # kept only until sent
        notice.save(update_fields=["sent_at", "recipient_encrypted"])
        return 1


@task()
def case_alerts_scan_task() -> dict[str, Any]:
    from yankao.cases.services import case_alerts_scan

    written: dict[str, Any] = case_alerts_scan()
    # The daily scan also sends any notice a crashed worker left behind.
    written["notices_sent"] = notices_send_pending_task.call()
    return written
