"""Reminders of monthly reports: from a few days before the due date, each agency that still owes
reports gets one e-mail listing them; after the due date the same list says they are overdue.

One message per agency per run (the task runs daily), to the agency's active officers and liaisons.
"""

from collections import defaultdict
from datetime import date

from django.core.mail import send_mass_mail
from django.utils import timezone

from yankao.core.roc_dates import roc_date_format
from yankao.core.selectors.rules import rule_get
from yankao.core.selectors.users import agency_staff_emails
from yankao.programs.models import Program
from yankao.programs.periods import month_label
from yankao.programs.selectors import programs_overdue, programs_owing, reporting_window


def program_reports_remind(*, today: date | None = None) -> dict[str, int]:
    """Send today's reminders; returns how many agencies, programs and messages."""
    today = today or timezone.localdate()
    window = reporting_window(today=today)
    lead = int(rule_get(key="program.report_reminder_days", on=today).value)
    owing: dict[int, list[tuple[str, str]]] = defaultdict(list)
    if (window.current_due - today).days <= lead:
        for agency_id, code, name in programs_owing(
            queryset=Program.objects.all(), period=window.current
        ).values_list("agency_id", "code", "name"):
            late = today > window.current_due
            owing[agency_id].append(
                (code, f"{name}（{month_label(window.current)}{'，已逾期' if late else ''}）")
            )
    if window.last_due != window.current:
        for agency_id, code, name in programs_overdue(
            queryset=Program.objects.all(), today=today
        ).values_list("agency_id", "code", "name"):
            owing[agency_id].append((code, f"{name}（{month_label(window.last_due)}，已逾期）"))
    recipients = agency_staff_emails(agency_ids=owing)
    messages = []
    for agency_id, lines in owing.items():
        if not recipients.get(agency_id):
            continue
        body = "\n".join(f"- {code} {text}" for code, text in sorted(lines))
        messages.append(
            (
                f"列管計畫月報提醒：{len(lines)} 件待填報（期限 {roc_date_format(window.current_due)}）",
                f"下列計畫的月報尚未送出，請於期限前至研考工作台「計畫列管」填報：\n\n{body}\n",
                None,
                recipients[agency_id],
            )
        )
    if messages:
        send_mass_mail(messages, fail_silently=False)
    return {
        "agencies": len(owing),
        "programs": sum(len(lines) for lines in owing.values()),
        "messages": len(messages),
    }
