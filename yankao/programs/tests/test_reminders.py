from datetime import date
from decimal import Decimal

from django.core import mail

from yankao.programs.reminders import program_reports_remind
from yankao.programs.services import ReportFigures, report_save
from yankao.programs.tests.factories import program_make


def test_agencies_are_reminded_of_owed_reports_before_the_due_date_and_told_when_overdue(officer) -> None:
    officer.email = "officer@example.kcg.gov.tw"
    officer.save()
    started = date(2024, 2, 1)
    owing = program_make(name="大寮區排水改善工程", starts_on=started, controlled_from=started)
    filed = program_make(name="已填報的計畫", starts_on=started, controlled_from=started)
    report_save(
        program=filed, period=date(2024, 2, 1), user=officer, submit=True, today=date(2024, 3, 2),
        figures=ReportFigures(planned_progress=Decimal(10), actual_progress=Decimal(10), budget_allocated=1, budget_executed=1),
    )  # fmt: skip
    assert program_report_counts(date(2024, 3, 1)) == 0  # more than three days before 2024-03-07
    sent = program_reports_remind(today=date(2024, 3, 5))
    assert sent == {"agencies": 1, "programs": 1, "messages": 1}
    message = mail.outbox[-1]
    assert message.to == ["officer@example.kcg.gov.tw"]
    assert "大寮區排水改善工程（113年2月）" in message.body
    assert "已填報的計畫" not in message.body
    program_reports_remind(today=date(2024, 3, 8))
    assert "大寮區排水改善工程（113年2月，已逾期）" in mail.outbox[-1].body
    assert owing.code in mail.outbox[-1].body


def program_report_counts(today: date) -> int:
    return program_reports_remind(today=today)["messages"]
