from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from yankao.core.demo_framework import DEFAULT_SEED, DEFAULT_TARGETS, PlanMode, demo_targets_display
from yankao.core.exceptions import ApplicationError
from yankao.core.services.demo import demo_city_build


class Command(BaseCommand):
    help = (
        "Build the demo city into the database of DATABASE_URL from a targets file "
        "(refuses a non-empty database unless --reset; --update builds only what is missing or changed)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--targets",
            type=Path,
            help=f"targets file (default: {demo_targets_display(path=DEFAULT_TARGETS)}, "
            "or with --update the one recorded for this database)",
        )
        parser.add_argument(
            "--seed",
            type=int,
            help=f"random seed (default {DEFAULT_SEED}, or with --update the recorded one)",
        )
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument(
            "--reset", action="store_true", help="remove every module's demo data and rebuild it"
        )
        mode.add_argument(
            "--update",
            action="store_true",
            help="build only the modules that are missing or whose version changed",
        )
        parser.add_argument(
            "--only",
            action="append",
            default=[],
            metavar="MODULE",
            help="only this module (repeatable); its dependencies are built if missing, its dependents rebuilt",
        )
        parser.add_argument("--build-date", type=date.fromisoformat, help="the demo's today (default: today)")
        parser.add_argument(
            "--state", type=Path, help="demo state file (default: var/demo.json for the default database)"
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bars")

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = options["verbosity"]
        mode: PlanMode = "reset" if options["reset"] else "update" if options["update"] else "build"
        try:
            result = demo_city_build(
                mode=mode,
                targets_path=options["targets"],
                seed=options["seed"],
                only=options["only"],
                state_path=options["state"],
                build_date=options["build_date"],
                show_progress=verbosity > 0 and not options["no_progress"],
                write=self.stdout.write if verbosity > 0 else lambda message: None,
            )
        except ApplicationError as error:
            raise CommandError(error.message) from error
        if verbosity == 0:
            return
        if result.skipped:
            self.stdout.write(f"已是最新，略過：{'、'.join(result.skipped)}")
        if result.built:
            self.stdout.write(
                self.style.SUCCESS(
                    f"示範城市完成：{'、'.join(result.built)}（目標檔 {demo_targets_display(path=result.targets_path)}，"
                    f"種子 {result.seed}，共 {sum(result.seconds.values()):.1f} 秒）"
                )
            )
        else:
            self.stdout.write("示範城市已是最新，無需建置。")
        self.stdout.write(f"建置紀錄：{result.state_path}")
