"""`yankao timeliness_import FILE`: import a register from the command line, with a progress bar.

For the RDEC's large yearly files and for the benchmark: `--json` prints the outcome, the seconds
of each phase and the process's peak memory.
"""

import json
import resource
import time
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from yankao.core.models import Role, User
from yankao.core.roc_dates import roc_date_argument
from yankao.timeliness.models import MappingProfile
from yankao.timeliness.services import register_import


class Command(BaseCommand):
    help = "Import an agency document register (CSV UTF-8/Big5 or Excel), all or nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--profile", default="yankao-標準格式", help="column-mapping profile name")
        parser.add_argument("--user", default="", help="who imports (default: the first RDEC staff member)")
        parser.add_argument(
            "--as-of", type=roc_date_argument, default=None, help="judge open documents on this day"
        )
        parser.add_argument("--json", action="store_true", help="print the outcome as JSON")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.exists():
            raise CommandError(f"找不到檔案 {path}")
        profile = MappingProfile.objects.filter(name=options["profile"]).first()
        if profile is None:
            raise CommandError(f"找不到欄位對應設定「{options['profile']}」")
        users = User.objects.filter(is_active=True)
        actor = (
            users.filter(username=options["user"]).first()
            if options["user"]
            else users.filter(role__in=[Role.RDEC_STAFF, Role.RDEC_ADMIN]).order_by("pk").first()
        )
        if actor is None:
            raise CommandError("找不到可執行匯入的研考會帳號，請以 --user 指定。")
        as_of: date | None = options["as_of"]
        started = time.perf_counter()
        cpu = time.process_time()
        with (
            path.open("rb") as file,
            tqdm(
                unit="列",
                desc="匯入公文登記",
                disable=options["no_progress"] or options["json"],
                dynamic_ncols=True,
            ) as bar,
        ):
            outcome = register_import(
                actor=actor, profile=profile, file=file, filename=path.name, as_of=as_of, progress=bar.update
            )
        batch = outcome.batch
        report = {
            "outcome": batch.outcome,
            "rows": batch.rows_total,
            "new": batch.new_count,
            "updated": batch.updated_count,
            "unchanged": batch.unchanged_count,
            "errors": batch.error_count,
            "first_errors": batch.errors[:5],
            "seconds": time.perf_counter() - started,
            "cpu_seconds": time.process_time() - cpu,
            "phases": outcome.phases,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }
        if options["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False))
            return
        if outcome.succeeded:
            self.stdout.write(
                f"匯入完成：{batch.rows_total:,} 列，新增 {batch.new_count:,}、更新 {batch.updated_count:,}、"
                f"未變動 {batch.unchanged_count:,}（{report['seconds']:.1f} 秒）"
            )
        else:
            for error in batch.errors[:20]:
                self.stderr.write(
                    f"第 {error['row']} 列「{error['column']}」{error['value']}：{error['reason']}"
                )
            raise CommandError(f"有 {batch.error_count} 個錯誤，全部未匯入。")
