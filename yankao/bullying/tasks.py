"""The bullying module's reminder: designated staff are told how many reports need attention.

A reminder goes by e-mail, which leaves the city's network: it carries counts and a link, never
a report number, school or name (ADR 0012).
"""

from datetime import date

from django.conf import settings
from django.core.mail import send_mass_mail
from django.tasks import task

from yankao.bullying.selectors import bullying_due_summary
from yankao.core.models import Role, User

SUBJECT = "【研考工作台】校園霸凌通報期限提醒"


def bullying_reminders_send(*, today: date | None = None) -> int:
    """E-mail each active investigator the counts of reports due soon and overdue; returns how many were sent."""
    summary = bullying_due_summary(user=None, today=today)
    if not (summary.due_soon or summary.overdue):
        return 0
    body = (
        f"校園霸凌通報：{summary.due_soon} 件期限將屆、{summary.overdue} 件已逾期。\n"
        "請登入研考工作台「校園霸凌通報」查看；為保密，本信不列任何案號或姓名。"
    )
    recipients = User.objects.filter(role=Role.INVESTIGATOR, is_active=True).exclude(email="")
    messages = [
        (SUBJECT, body, settings.DEFAULT_FROM_EMAIL, [email])
        for email in recipients.values_list("email", flat=True)
    ]
    return send_mass_mail(messages, fail_silently=False) if messages else 0


@task()
def bullying_reminders_task() -> int:
    return bullying_reminders_send()
