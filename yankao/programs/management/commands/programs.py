from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from yankao.core.roc_dates import roc_date_argument
from yankao.programs.periods import quarter_first
from yankao.programs.reminders import program_reports_remind
from yankao.programs.services import risk_ratings_compute
from yankao.programs.tasks import program_reports_remind_task


class Command(BaseCommand):
    help = "The monthly control's periodic work: `yankao programs remind` (daily), `yankao programs risk` (quarterly)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        remind = sub.add_parser("remind", help="e-mail each agency the monthly reports it still owes")
        remind.add_argument("--enqueue", action="store_true", help="hand the work to the task worker instead")
        risk = sub.add_parser("risk", help="rate every program's risk (high/medium/low) for a quarter")
        risk.add_argument(
            "--quarter", type=roc_date_argument, default=None, help="any day of the quarter (ROC or ISO)"
        )

    def handle(self, *args: Any, subcommand: str, **options: Any) -> None:
        if subcommand == "remind":
            if options.get("enqueue"):
                self.stdout.write(f"queued: {program_reports_remind_task.enqueue().id}")
                return
            sent = program_reports_remind()
            self.stdout.write(
                f"agencies {sent['agencies']}, programs {sent['programs']}, messages {sent['messages']}"
            )
            return
        day: date = options.get("quarter") or timezone.localdate()
        counts = risk_ratings_compute(quarter=quarter_first(day))
        self.stdout.write(", ".join(f"{level} {count}" for level, count in counts.items()))
