"""`yankao report council --from DATE --to DATE [--as-of DATE] --format pptx,pdf --out DIR`.

Writes DIR/council-report.pptx and/or DIR/council-report.pdf. Dates are ISO (2024-03-31) or ROC
(113/03/31), both ends inclusive; stock figures are as of --as-of, which defaults to --to. Every
error exits non-zero with a message in Traditional Chinese and writes nothing.
"""

import argparse
import sys
from pathlib import Path
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from yankao.core.exceptions import ApplicationError
from yankao.core.report_registry import ReportPeriod, ReportSection, report_section_list
from yankao.reports.services import council_report_render, report_date_parse, report_formats_parse


class _ChineseErrorParser(CommandParser):
    """Argument errors in Traditional Chinese (argparse's own words follow, for the detail)."""

    def error(self, message: str) -> NoReturn:
        if getattr(self, "called_from_command_line", False):
            self.print_usage(sys.stderr)
            self.exit(2, f"參數錯誤：{message}\n")
        raise CommandError(f"參數錯誤：{message}")


class Command(BaseCommand):
    help = "產製研考會業務報告（council）。"

    def add_arguments(self, parser: CommandParser) -> None:
        subcommands = parser.add_subparsers(
            dest="report", metavar="REPORT", required=True, parser_class=_ChineseErrorParser
        )
        council = subcommands.add_parser(
            "council",
            help="議會業務報告（PPTX、PDF）",
            description="產製研究發展考核委員會業務報告。日期可用西元 2024-03-31 或民國 113/03/31，起迄日皆含。",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        # Required in our own check, not argparse's, so a missing option is reported in Chinese.
        council.add_argument("--from", dest="date_from", metavar="DATE", help="起日（含），流量統計自此日起")
        council.add_argument("--to", dest="date_to", metavar="DATE", help="迄日（含），流量統計至此日止")
        council.add_argument("--as-of", dest="as_of", metavar="DATE", help="存量統計基準日，預設同 --to")
        council.add_argument(
            "--format", dest="formats", default="pptx,pdf", help="pptx、pdf 或 pptx,pdf（預設）"
        )
        council.add_argument(
            "--out", dest="out", metavar="DIR", help="輸出目錄，寫入 council-report.pptx / council-report.pdf"
        )
        council.add_argument(
            "--session",
            dest="session",
            default="",
            help="封面的議會會期，例如「高雄市議會第四屆第三次定期大會」",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            self._council(options)
        except ApplicationError as error:
            self._fail(error.message)

    def _fail(self, message: str) -> NoReturn:
        if getattr(self, "_called_from_command_line", False):
            # Only the message: the user reads Chinese, not the exception's class name.
            self.stderr.write(f"錯誤：{message}")
            sys.exit(1)
        raise CommandError(message)

    def _council(self, options: dict[str, Any]) -> None:
        missing = [
            flag
            for flag, key in (("--from", "date_from"), ("--to", "date_to"), ("--out", "out"))
            if not options[key]
        ]
        if missing:
            raise ApplicationError(f"缺少必要參數：{'、'.join(missing)}。")
        period = ReportPeriod(
            date_from=report_date_parse(text=options["date_from"], option="--from"),
            date_to=report_date_parse(text=options["date_to"], option="--to"),
            as_of=report_date_parse(text=options["as_of"], option="--as-of") if options["as_of"] else None,
        )
        formats = report_formats_parse(text=options["formats"])
        sections = report_section_list()
        quiet = options["verbosity"] == 0
        steps = [f"section:{section.key}" for section in sections] + [f"write:{name}" for name in formats]
        with tqdm(total=len(steps), desc="產製報告", unit="步", file=sys.stderr, disable=quiet) as progress:
            started: list[str] = []

            def advance(label: str) -> None:
                # Called as a step starts: the previous one is done.
                if started:
                    progress.update(1)
                started.append(label)
                progress.set_postfix_str(label)

            def on_section(section: ReportSection) -> None:
                advance(section.title)

            def on_write(name: str) -> None:
                advance(f"寫入 {name.upper()}")

            written = council_report_render(
                period=period,
                formats=formats,
                out_dir=Path(options["out"]),
                session_text=options["session"],
                on_section=on_section,
                on_write=on_write,
            )
            progress.update(len(steps) - progress.n)
        if not quiet:
            for path in written.values():
                self.stdout.write(f"已寫入 {path}")
