from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from yankao.programs.annual.reminders import annual_reminders_send
from yankao.programs.annual.tasks import annual_reminders_task


class Command(BaseCommand):
    help = "The yearly cycle's periodic work: `yankao programs_annual remind` (daily)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        remind = sub.add_parser(
            "remind", help="e-mail each agency its tracked-item updates and recommendation answers due"
        )
        remind.add_argument("--enqueue", action="store_true", help="hand the work to the task worker instead")

    def handle(self, *args: Any, subcommand: str, **options: Any) -> None:
        if options.get("enqueue"):
            self.stdout.write(f"queued: {annual_reminders_task.enqueue().id}")
            return
        sent = annual_reminders_send()
        self.stdout.write(f"agencies {sent['agencies']}, lines {sent['lines']}, messages {sent['messages']}")
