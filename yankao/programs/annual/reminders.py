"""Reminders of the yearly cycle: periodic updates of tracked items and answers to recommendations.

From `programs_annual.reminder_days` before the date until it is met, and every day after it as
overdue, each agency that owes something gets one e-mail listing all of it, sent to its active
officers and liaisons (as the monthly reports' reminders do). The task runs daily.
"""

from collections import defaultdict
from datetime import date, timedelta

from django.core.mail import send_mass_mail
from django.utils import timezone

from yankao.core.roc_dates import roc_date_format
from yankao.core.selectors.rules import rule_get
from yankao.core.selectors.users import agency_staff_emails
from yankao.core.working_days import taiwan_date
from yankao.programs.annual.models import Recommendation, TrackedItem
from yankao.programs.annual.selectors.tracked import tracked_item_marks


def annual_reminders_send(*, today: date | None = None) -> dict[str, int]:
    """Send today's reminders; returns how many agencies, lines and messages."""
    today = today or taiwan_date(timezone.now())
    horizon = today + timedelta(days=int(rule_get(key="programs_annual.reminder_days", on=today).value))
    lines: dict[int, list[str]] = defaultdict(list)
    for item in TrackedItem.objects.filter(status=TrackedItem.Status.OPEN).select_related("agency"):
        marks = tracked_item_marks(item=item, today=today)
        if marks.next_update_on is not None and marks.next_update_on <= horizon:
            state = "已逾期" if marks.update_late else "請於期限前回報"
            lines[item.agency_id].append(
                f"列管事項「{item.title}」辦理情形，回報期限 {roc_date_format(marks.next_update_on)}（{state}）"
            )
    for recommendation in Recommendation.objects.filter(
        status=Recommendation.Status.OPEN, due_on__lte=horizon
    ).select_related("evaluation__enterprise"):
        state = "已逾期" if recommendation.due_on < today else "請於期限前回復"
        lines[recommendation.evaluation.enterprise_id].append(
            f"{recommendation.evaluation.year - 1911}年度績效考核委員建議第 {recommendation.number} 項，"
            f"回復期限 {roc_date_format(recommendation.due_on)}（{state}）"
        )
    recipients = agency_staff_emails(agency_ids=lines)
    messages = [
        (
            f"研考會列管提醒：{len(agency_lines)} 件待回報",
            "下列事項請至研考工作台「年度計畫與考核」回報：\n\n"
            + "\n".join(f"- {line}" for line in sorted(agency_lines))
            + "\n",
            None,
            recipients[agency_id],
        )
        for agency_id, agency_lines in lines.items()
        if recipients.get(agency_id)
    ]
    if messages:
        send_mass_mail(messages, fail_silently=False)
    return {"agencies": len(lines), "lines": sum(len(v) for v in lines.values()), "messages": len(messages)}
