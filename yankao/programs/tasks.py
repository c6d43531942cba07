"""Background work of the monthly control, run by the database task worker (`yankao db_worker`)."""

from datetime import date

from django.tasks import task
from django.utils import timezone


@task()
def program_reports_remind_task() -> dict[str, int]:
    """Daily: remind agencies of the month's reports they still owe, and of overdue ones."""
    from yankao.programs.reminders import program_reports_remind

    return program_reports_remind()


@task()
def risk_ratings_compute_task(quarter: str = "") -> dict[str, int]:
    """Rate every program's risk for a quarter (ISO date of its first day; default: the current one)."""
    from yankao.programs.periods import quarter_first
    from yankao.programs.services import risk_ratings_compute

    day = date.fromisoformat(quarter) if quarter else timezone.localdate()
    return risk_ratings_compute(quarter=quarter_first(day))
