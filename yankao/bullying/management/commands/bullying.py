from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from yankao.bullying.tasks import bullying_reminders_send


class Command(BaseCommand):
    help = "The bullying module's periodic work: `yankao bullying remind` e-mails designated staff the counts due."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser(
            "remind", help="e-mail investigators how many reports are due soon or overdue (counts only)"
        )

    def handle(self, *args: Any, subcommand: str, **options: Any) -> None:
        sent = bullying_reminders_send()
        self.stdout.write(f"reminders sent: {sent}")
