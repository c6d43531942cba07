"""Background work of the case engine, run by the database task worker (`yankao db_worker`)."""

from typing import Any

from django.core.mail import send_mail
from django.tasks import task
from django.utils import timezone

from yankao.cases.models import Notice
from yankao.core.personal_data import personal_decrypt


@task()
def notice_send_task(*, notice_id: int) -> None:
    """E-mail a notice to the petitioner; the address is decrypted only here, never logged."""
    notice = Notice.objects.select_related("case").get(pk=notice_id)
    if notice.sent_at is not None:
        return
    address = personal_decrypt(notice.case.petitioner_email_encrypted)
    if address:
        send_mail(
            subject=f"案件 {notice.case.number}：{notice.get_purpose_display()}",
            message=notice.body,
            from_email=None,
            recipient_list=[address],
        )
    notice.sent_at = timezone.now()
    notice.save(update_fields=["sent_at"])


@task()
def case_alerts_scan_task() -> dict[str, Any]:
    from yankao.cases.services import case_alerts_scan

    return case_alerts_scan()
