"""`yankao calendar import FILE [--dry-run]` and `yankao calendar show YEAR`."""

import unicodedata
from collections.abc import Sequence
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yankao.core.exceptions import ApplicationError
from yankao.core.roc_dates import roc_date_format_short
from yankao.core.selectors.calendar import WEEKDAY_NAMES, calendar_day_list_exceptions
from yankao.core.services.calendar import calendar_import_official

SOURCE_NAMES = {
    "national": "國定假日",
    "make_up": "補行上班",
    "typhoon": "天然災害停班",
    "correction": "更正",
    "official_calendar": "辦公日曆表",
}


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Rows padded to columns, counting a CJK character as two columns as terminals do."""
    widths = [max(_width(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            cell + " " * (width - _width(cell)) for cell, width in zip(cells, widths, strict=True)
        ).rstrip()

    return [line(header), "  ".join("-" * width for width in widths), *(line(row) for row in rows)]


def _status(working: bool) -> str:
    return "上班" if working else "放假"


class Command(BaseCommand):
    help = "工作日曆：匯入人事總處辦公日曆表（import FILE [--dry-run]），或列出某年的放假日與補行上班日（show YEAR）。"

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{import,show}")
        importing = actions.add_parser("import", help="匯入辦公日曆表 CSV，列出與現行日曆的差異並套用。")
        importing.add_argument("file", help="人事總處辦公日曆表 CSV（UTF-8）")
        importing.add_argument("--dry-run", action="store_true", help="只列出差異，不寫入。")
        showing = actions.add_parser("show", help="列出某年（西元）的放假日、補行上班日與本市調整。")
        showing.add_argument("year", type=int)

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "import":
            self._import(options["file"], dry_run=options["dry_run"])
        else:
            self._show(options["year"])

    def _import(self, path: str, *, dry_run: bool) -> None:
        try:
            result = calendar_import_official(path_or_bytes=path, actor=None, dry_run=dry_run)
        except ApplicationError as error:
            for item in error.extra.get("errors", []):
                where = f"第 {item['row']} 列：" if item["row"] else "整份檔案："
                self.stderr.write(f"{where}{item['message']}")
            raise CommandError(error.message, returncode=1) from error
        rows = [
            [
                difference.date.isoformat(),
                roc_date_format_short(difference.date),
                WEEKDAY_NAMES[difference.date.weekday()],
                _status(difference.calendar_says_working),
                _status(difference.file_says_working),
                difference.remark,
            ]
            for difference in result.differences
        ]
        if rows:
            for line in _table(["日期", "民國", "星期", "現行日曆", "檔案", "備註"], rows):
                self.stdout.write(line)
        for day in result.typhoon_days_kept:
            self.stdout.write(f"{day.isoformat()} 檔案為上班日，但本市已因天然災害停班，保留停班。")
        summary = f"{result.year} 年辦公日曆表 {result.file_name}：{result.day_count} 天，與現行日曆差異 {len(rows)} 天。"
        if dry_run:
            summary += "（試算，未寫入）"
        elif rows:
            summary += f"已套用為 {len(rows)} 筆行事曆調整。"
        self.stdout.write(summary)

    def _show(self, year: int) -> None:
        try:
            days = calendar_day_list_exceptions(year=year)
        except ApplicationError as error:
            raise CommandError(error.message, returncode=1) from error
        rows = [
            [
                day.date.isoformat(),
                roc_date_format_short(day.date),
                day.weekday_name,
                _status(day.is_working_day),
                SOURCE_NAMES.get(day.source, day.source),
                day.description,
            ]
            for day in days
        ]
        for line in _table(["日期", "民國", "星期", "上班/放假", "來源", "說明"], rows):
            self.stdout.write(line)
        off = sum(1 for day in days if not day.is_working_day and day.date.weekday() < 5)
        make_up = sum(1 for day in days if day.is_working_day and day.date.weekday() >= 5)
        self.stdout.write(f"{year} 年：平日放假 {off} 天，週末補行上班 {make_up} 天。")
