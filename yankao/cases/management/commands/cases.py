from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from yankao.cases.services import case_alerts_scan
from yankao.cases.tasks import case_alerts_scan_task


class Command(BaseCommand):
    help = "The case engine's periodic work: `yankao cases scan` writes due-soon and overdue alerts."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        scan = sub.add_parser("scan", help="write due-soon reminders and overdue escalations (idempotent)")
        scan.add_argument("--enqueue", action="store_true", help="hand the scan to the task worker instead")

    def handle(self, *args: Any, subcommand: str, enqueue: bool = False, **options: Any) -> None:
        if enqueue:
            result = case_alerts_scan_task.enqueue()
            self.stdout.write(f"queued: {result.id}")
            return
        written = case_alerts_scan()
        self.stdout.write(
            "alerts written: " + ", ".join(f"{kind} {count}" for kind, count in written.items())
        )
