"""Writes to the city's working-day calendar: overrides (typhoon closures, corrections) and the
yearly import of the DGPA office calendar (政府行政機關辦公日曆表).

The import reads the CSV that DGPA publishes on data.gov.tw (header 西元日期,星期,是否放假,備註;
one row per day of the year; flag 0 = working day, 2 = day off). It checks the whole file first
and changes nothing if any row is wrong; then it compares each day with the current calendar and
applies the differences as overrides of kind `official_calendar`.
"""

import datetime
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from django.conf import settings
from django.db import transaction

from yankao.core.exceptions import ApplicationError, CalendarRangeError, NotFoundError, PermissionDeniedError
from yankao.core.models import AuditAction, CalendarImport, CalendarOverride, Role
from yankao.core.services.audit import audit_record_for
from yankao.core.working_days import calendar_current

OFFICIAL_HEADER = ("西元日期", "星期", "是否放假", "備註")
OFFICIAL_WEEKDAYS = "一二三四五六日"  # Monday first, as date.weekday() counts
OFFICIAL_FLAGS = {"0": True, "2": False}  # flag -> is a working day
_OVERRIDE_FIELDS = ("date", "is_working_day", "kind", "reason")


@dataclass(frozen=True, slots=True)
class CalendarDifference:
    """A day on which the file and the calendar disagree."""

    date: datetime.date
    calendar_says_working: bool
    file_says_working: bool
    remark: str


@dataclass(frozen=True, slots=True)
class OfficialCalendarDay:
    date: datetime.date
    is_working_day: bool
    remark: str


@dataclass(frozen=True)
class CalendarImportResult:
    year: int
    file_name: str
    sha256: str
    day_count: int
    differences: list[CalendarDifference]
    # Days the file says are worked but the city closed for a typhoon: the closure stands.
    typhoon_days_kept: list[datetime.date]
    dry_run: bool
    record: CalendarImport | None


def calendar_override_set(
    *,
    date: datetime.date,
    is_working_day: bool,
    kind: str,
    reason: str,
    actor: Any,
    verified: bool = True,
) -> CalendarOverride:
    """Make `date` a working day or a day off for the city, whatever the national calendar says.

    Replaces an existing override of the same date. Takes effect in this process at once and in
    the others within `working_days.RELOAD_SECONDS`.
    """
    _ensure_may_edit_calendar(actor)
    _ensure_known_year(date)
    with transaction.atomic():
        override = CalendarOverride.objects.select_for_update().filter(date=date).first()
        if override is None:
            override = CalendarOverride(
                date=date, is_working_day=is_working_day, kind=kind, reason=reason, verified=verified
            )
            override.full_clean()
            override.save()
            audit_record_for(
                override,
                action=AuditAction.CREATE,
                fields=_OVERRIDE_FIELDS,
                detail=_detail(override),
                actor=actor,
            )
            return override
        changes = {
            field: value
            for field, value in {
                "is_working_day": is_working_day,
                "kind": kind,
                "reason": reason,
                "verified": verified,
            }.items()
            if getattr(override, field) != value
        }
        if not changes:
            return override
        for field, value in changes.items():
            setattr(override, field, value)
        override.full_clean()
        override.save()
        audit_record_for(
            override, action=AuditAction.UPDATE, fields=changes, detail=_detail(override), actor=actor
        )
        return override


@transaction.atomic
def calendar_override_remove(*, date: datetime.date, actor: Any) -> None:
    """Remove the city's override of `date`: the national calendar applies to it again."""
    _ensure_may_edit_calendar(actor)
    override = CalendarOverride.objects.select_for_update().filter(date=date).first()
    if override is None:
        raise NotFoundError(f"{date.isoformat()} 沒有行事曆調整可以移除。", extra={"date": date.isoformat()})
    audit_record_for(
        override, action=AuditAction.DELETE, fields=_OVERRIDE_FIELDS, detail=_detail(override), actor=actor
    )
    override.delete()


def calendar_import_official(
    *,
    path_or_bytes: str | Path | bytes,
    actor: Any,
    dry_run: bool = False,
    file_name: str = "",
) -> CalendarImportResult:
    """Read a DGPA office calendar file, report how it differs from the calendar, and (unless a dry
    run) apply the differences as `official_calendar` overrides and record the import.

    A file with any error changes nothing: ApplicationError (code `calendar_import_invalid`) whose
    `extra["errors"]` lists `{"row": line number or None, "message": ...}` in Traditional Chinese.
    """
    _ensure_may_edit_calendar(actor)
    if isinstance(path_or_bytes, bytes):
        data = path_or_bytes
        file_name = file_name or "（上傳檔案）"
    else:
        path = Path(path_or_bytes)
        file_name = file_name or path.name
        try:
            data = path.read_bytes()
        except OSError as error:
            raise ApplicationError(
                f"無法讀取檔案 {path}：{error.strerror or error}。", code="calendar_import_unreadable"
            ) from error
    year, days = official_calendar_parse(data)
    sha256 = hashlib.sha256(data).hexdigest()

    calendar = calendar_current()
    typhoon_days = set(
        CalendarOverride.objects.filter(
            date__year=year, kind=CalendarOverride.Kind.TYPHOON, is_working_day=False
        ).values_list("date", flat=True)
    )
    differences: list[CalendarDifference] = []
    typhoon_days_kept: list[datetime.date] = []
    for day in days:
        calendar_says = calendar.is_working_day(day.date)
        if calendar_says == day.is_working_day:
            continue
        if day.date in typhoon_days:
            typhoon_days_kept.append(day.date)
            continue
        differences.append(
            CalendarDifference(
                date=day.date,
                calendar_says_working=calendar_says,
                file_says_working=day.is_working_day,
                remark=day.remark,
            )
        )

    record = None
    if not dry_run:
        with transaction.atomic():
            for difference in differences:
                said = "上班" if difference.file_says_working else "放假"
                calendar_override_set(
                    date=difference.date,
                    is_working_day=difference.file_says_working,
                    kind=CalendarOverride.Kind.OFFICIAL_CALENDAR,
                    reason=f"辦公日曆表 {file_name}：{difference.remark or said}"[:200],
                    actor=actor,
                )
            record = CalendarImport(
                year=year,
                file_name=file_name[:255],
                sha256=sha256,
                difference_count=len(differences),
                imported_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
            record.full_clean()
            record.save()
            audit_record_for(
                record,
                action=AuditAction.IMPORT,
                fields=("year", "file_name", "sha256", "difference_count"),
                detail={
                    "year": year,
                    "file_name": record.file_name,
                    "differences": [difference.date.isoformat() for difference in differences],
                },
                actor=actor,
            )
    return CalendarImportResult(
        year=year,
        file_name=file_name,
        sha256=sha256,
        day_count=len(days),
        differences=differences,
        typhoon_days_kept=typhoon_days_kept,
        dry_run=dry_run,
        record=record,
    )


def official_calendar_parse(data: bytes) -> tuple[int, list[OfficialCalendarDay]]:
    """The year and days of a DGPA office calendar CSV, checked whole; ApplicationError listing every error."""
    errors: list[dict[str, Any]] = []

    def error(row: int | None, message: str) -> None:
        errors.append({"row": row, "message": message})

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        _raise_invalid(
            [{"row": None, "message": "檔案不是 UTF-8 編碼（可能是 Big5），請另存為 UTF-8 後再匯入。"}]
        )
    lines = text.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        _raise_invalid([{"row": None, "message": "檔案是空的。"}])
    header = tuple(cell.strip() for cell in lines[0].split(","))
    if header != OFFICIAL_HEADER:
        _raise_invalid(
            [
                {
                    "row": 1,
                    "message": f"標題列應為「{','.join(OFFICIAL_HEADER)}」，檔案是「{lines[0].strip()}」。",
                }
            ]
        )

    days: list[OfficialCalendarDay] = []
    first_row_of: dict[datetime.date, int] = {}
    for row, line in enumerate(lines[1:], start=2):
        if not line.strip():
            error(row, "空白列。")
            continue
        cells = [cell.strip() for cell in line.split(",")]
        if len(cells) == 3:
            cells.append("")  # the remark column may be cut off when it is empty
        if len(cells) != len(OFFICIAL_HEADER):
            error(
                row,
                f"應有 {len(OFFICIAL_HEADER)} 欄（西元日期、星期、是否放假、備註），此列有 {len(cells)} 欄。",
            )
            continue
        raw_date, weekday, flag, remark = cells
        day = _official_date(raw_date)
        if day is None:
            error(row, f"西元日期「{raw_date}」不是有效的日期（格式 YYYYMMDD，例如 20250101）。")
        elif weekday != OFFICIAL_WEEKDAYS[day.weekday()]:
            error(row, f"{raw_date} 是星期{OFFICIAL_WEEKDAYS[day.weekday()]}，檔案寫星期「{weekday}」。")
        if flag not in OFFICIAL_FLAGS:
            error(row, f"是否放假應為 0（上班）或 2（放假），檔案是「{flag}」。")
        if day is None:
            continue
        if day in first_row_of:
            error(row, f"{raw_date} 重複出現（第 {first_row_of[day]} 列已有此日）。")
            continue
        first_row_of[day] = row
        if flag in OFFICIAL_FLAGS:
            days.append(OfficialCalendarDay(date=day, is_working_day=OFFICIAL_FLAGS[flag], remark=remark))

    years = sorted({day.year for day in first_row_of})
    if not first_row_of and not errors:
        error(None, "檔案沒有任何日期列。")
    if len(years) > 1:
        counts = "、".join(f"{year} 年 {sum(1 for d in first_row_of if d.year == year)} 列" for year in years)
        error(None, f"一個檔案只能有一個年度的日曆，此檔含 {counts}。")
    year = years[0] if len(years) == 1 else 0
    if year:
        first_year, last_year = settings.YANKAO_CALENDAR_YEARS
        if not first_year <= year <= last_year:
            error(None, f"{year} 年不在工作日曆的已知範圍（{first_year} 至 {last_year} 年）內。")
        missing = [
            datetime.date(year, 1, 1) + datetime.timedelta(days=i)
            for i in range((datetime.date(year, 12, 31) - datetime.date(year, 1, 1)).days + 1)
            if datetime.date(year, 1, 1) + datetime.timedelta(days=i) not in first_row_of
        ]
        for first, last in _runs(missing):
            if first == last:
                error(None, f"缺少 {first.isoformat()} 這一天。")
            else:
                error(
                    None, f"缺少 {first.isoformat()} 至 {last.isoformat()} 共 {(last - first).days + 1} 天。"
                )
    if errors:
        _raise_invalid(errors)
    days.sort(key=lambda day: day.date)
    return year, days


def _official_date(raw: str) -> datetime.date | None:
    if len(raw) != 8 or not raw.isascii() or not raw.isdigit():
        return None
    try:
        return datetime.date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
    except ValueError:
        return None


def _runs(days: list[datetime.date]) -> list[tuple[datetime.date, datetime.date]]:
    """Consecutive days grouped as (first, last)."""
    runs: list[tuple[datetime.date, datetime.date]] = []
    for day in days:
        if runs and (day - runs[-1][1]).days == 1:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def _raise_invalid(errors: list[dict[str, Any]]) -> NoReturn:
    raise ApplicationError(
        f"辦公日曆表檔案有 {len(errors)} 處錯誤，未匯入任何資料。",
        code="calendar_import_invalid",
        extra={"errors": errors},
    )


def _ensure_may_edit_calendar(actor: Any) -> None:
    # No actor: the system itself (a management command run by the operator of the server).
    if actor is None:
        return
    if getattr(actor, "is_superuser", False) or getattr(actor, "role", None) == Role.RDEC_ADMIN:
        return
    raise PermissionDeniedError("只有研考會系統管理者可以調整工作日曆。")


def _ensure_known_year(day: datetime.date) -> None:
    first_year, last_year = settings.YANKAO_CALENDAR_YEARS
    if not first_year <= day.year <= last_year:
        raise CalendarRangeError(
            f"日期 {day.isoformat()} 不在工作日曆的已知範圍（{first_year} 至 {last_year} 年）內，無法調整。",
            extra={"date": day.isoformat()},
        )


def _detail(override: CalendarOverride) -> dict[str, Any]:
    return {
        "date": override.date.isoformat(),
        "is_working_day": override.is_working_day,
        "kind": override.kind,
        "reason": override.reason,
    }
