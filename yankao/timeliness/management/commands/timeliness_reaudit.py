"""`yankao timeliness_reaudit`: judge open documents again (an open one turns overdue as days pass).

Run nightly; the figures of the agencies are recounted afterwards.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from yankao.core.roc_dates import roc_date_argument
from yankao.timeliness.services import documents_reaudit_open


class Command(BaseCommand):
    help = "Judge the open documents again on a day (default today) and recount the figures."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", type=roc_date_argument, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        changed = documents_reaudit_open(as_of=options["as_of"])
        self.stdout.write(f"狀態改變的未結公文：{changed} 件")
