import os
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from yankao.core.bench_framework import bench_registry
from yankao.core.bench_runner import BenchContext, format_table, run_benchmarks, select_benchmarks
from yankao.core.registries import autodiscover


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    # SystemExit unwinds through the runner's `finally`, which stops the bench server.
    sys.exit(128 + signum)


class Command(BaseCommand):
    help = (
        "Run the modules' benchmarks, each against a baseline measured in the same run, and write "
        "var/bench/results.json. Exits non-zero only when a benchmark errors, not when a goal is missed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--only", metavar="MODULE", help="run one module's benchmarks (its app label)")
        parser.add_argument(
            "--quick", action="store_true", help="shorter loads and fewer rounds, for a smoke run"
        )
        parser.add_argument(
            "--out",
            type=Path,
            default=Path(settings.VAR_DIR) / "bench" / "results.json",
            help="where to write the results (default: var/bench/results.json)",
        )
        parser.add_argument(
            "--database-url",
            default=os.environ.get("DATABASE_URL") or None,
            help="database for the bench server (default: $DATABASE_URL, else a fresh seeded SQLite file)",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(
        self,
        *args: Any,
        only: str | None,
        quick: bool,
        out: Path,
        database_url: str | None,
        no_progress: bool,
        **options: Any,
    ) -> None:
        autodiscover("bench")
        known = sorted({bench.module for bench in bench_registry})
        if only is not None and only not in known:
            raise CommandError(
                f"no benchmarks for module {only!r}; modules with benchmarks: {', '.join(known)}"
            )
        selected = select_benchmarks(bench_registry, only=only)
        context = BenchContext(quick=quick, workdir=out.parent, database_url=database_url)
        in_main_thread = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGTERM, _exit_on_sigterm) if in_main_thread else None
        try:
            report = run_benchmarks(
                selected,
                context=context,
                only=only,
                out_path=out,
                progress=not no_progress and options.get("verbosity", 1) > 0,
            )
        finally:
            if in_main_thread:
                signal.signal(signal.SIGTERM, previous)
        self.stdout.write(format_table(report.records, report.errors, metadata=report.metadata))
        self.stdout.write(f"written: {out}")
        if report.errors:
            for error in report.errors:
                self.stderr.write(f"\n{error.benchmark} raised:\n{error.traceback}")
            raise CommandError(f"{len(report.errors)} benchmark(s) errored; see above and {out}")
