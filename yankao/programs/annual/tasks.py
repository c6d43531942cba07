"""Background work of the yearly cycle, run by the database task worker (`yankao db_worker`)."""

from django.tasks import task


@task()
def annual_reminders_task() -> dict[str, int]:
    """Daily: remind agencies of tracked-item updates and recommendation answers due soon or overdue."""
    from yankao.programs.annual.reminders import annual_reminders_send

    return annual_reminders_send()
