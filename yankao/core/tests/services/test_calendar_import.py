from datetime import date
from pathlib import Path

import pytest

from yankao.core.exceptions import ApplicationError
from yankao.core.models import AuditEntry, CalendarImport, CalendarOverride
from yankao.core.services.calendar import calendar_import_official, calendar_override_set
from yankao.core.working_days import is_working_day

# The DGPA's revised 2025 office calendar, byte for byte as published (CRLF, no BOM).
REVISED_2025 = Path(__file__).resolve().parents[1] / "data" / "dgpa-office-calendar-114-revised.csv"


def _revised_lines() -> list[str]:
    return REVISED_2025.read_bytes().decode("utf-8").splitlines()


def _file(lines: list[str], *, newline: str = "\r\n", bom: bool = False) -> bytes:
    return (("\ufeff" if bom else "") + newline.join(lines) + newline).encode("utf-8")


def _replace(lines: list[str], day: str, row: str) -> list[str]:
    return [row if line.startswith(day + ",") else line for line in lines]


def _errors(error: pytest.ExceptionInfo[ApplicationError]) -> list[dict[str, object]]:
    return list(error.value.extra["errors"])


@pytest.mark.usefixtures("db")
def test_the_revised_2025_calendar_has_zero_differences_and_is_recorded(rdec_admin: object) -> None:
    # when the DGPA's revised 2025 office calendar is imported
    result = calendar_import_official(path_or_bytes=REVISED_2025, actor=rdec_admin, dry_run=False)
    # then it agrees with the calendar on every day, creates no override and records the import
    assert (result.year, result.day_count, result.differences) == (2025, 365, [])
    assert not CalendarOverride.objects.exists()
    record = CalendarImport.objects.get()
    assert (record.year, record.difference_count, record.imported_by) == (2025, 0, rdec_admin)
    assert record.file_name == REVISED_2025.name
    assert AuditEntry.objects.filter(target_type="core.calendarimport", action="import").count() == 1


@pytest.mark.usefixtures("db")
def test_a_bom_and_lf_line_endings_are_accepted() -> None:
    result = calendar_import_official(
        path_or_bytes=_file(_revised_lines(), newline="\n", bom=True), actor=None
    )
    assert result.differences == []


@pytest.mark.usefixtures("db")
def test_a_day_the_file_says_differs_becomes_exactly_that_override() -> None:
    # given a file that closes offices on 2025-05-01 (a working day in 2025)
    lines = _replace(_revised_lines(), "20250501", "20250501,四,2,勞動節")
    # when imported
    result = calendar_import_official(path_or_bytes=_file(lines), actor=None, file_name="114-test.csv")
    # then exactly that day differs and is now a day off by an official-calendar override
    assert [(d.date, d.calendar_says_working, d.file_says_working, d.remark) for d in result.differences] == [
        (date(2025, 5, 1), True, False, "勞動節")
    ]
    override = CalendarOverride.objects.get()
    assert (override.date, override.is_working_day, override.kind) == (
        date(2025, 5, 1),
        False,
        "official_calendar",
    )
    assert "勞動節" in override.reason
    assert is_working_day(date(2025, 5, 1)) is False
    assert CalendarImport.objects.get().difference_count == 1


@pytest.mark.usefixtures("db")
def test_a_dry_run_reports_the_differences_and_writes_nothing() -> None:
    # given the original 114 edition, which lacked the three weekdays off the 2025 amendment added
    lines = _revised_lines()
    for day, weekday in [("20250929", "一"), ("20251024", "五"), ("20251225", "四")]:
        lines = _replace(lines, day, f"{day},{weekday},0,")
    # when imported as a dry run
    result = calendar_import_official(path_or_bytes=_file(lines), actor=None, dry_run=True)
    # then the three days are reported and nothing is written
    assert [d.date for d in result.differences] == [date(2025, 9, 29), date(2025, 10, 24), date(2025, 12, 25)]
    assert all(not d.calendar_says_working and d.file_says_working for d in result.differences)
    assert result.record is None
    assert not CalendarOverride.objects.exists()
    assert not CalendarImport.objects.exists()


@pytest.mark.usefixtures("db")
def test_a_file_with_an_error_in_one_row_changes_nothing_and_names_the_row() -> None:
    # given a file that closes 5/1 (a real difference) but has a bad flag on row 40
    lines = _replace(_revised_lines(), "20250501", "20250501,四,2,勞動節")
    lines[39] = lines[39].split(",")[0] + "," + lines[39].split(",")[1] + ",1,"
    # when imported
    with pytest.raises(ApplicationError) as error:
        calendar_import_official(path_or_bytes=_file(lines), actor=None)
    # then nothing is written and the error names row 40 in Chinese
    assert error.value.code == "calendar_import_invalid"
    assert _errors(error) == [{"row": 40, "message": "是否放假應為 0（上班）或 2（放假），檔案是「1」。"}]
    assert not CalendarOverride.objects.exists()
    assert not CalendarImport.objects.exists()


@pytest.mark.usefixtures("db")
def test_every_kind_of_bad_row_is_listed_at_once() -> None:
    lines = _revised_lines()
    lines[1] = "20250101,四,2,開國紀念日"  # 2025-01-01 was a Wednesday
    lines[2] = "20250230,四,0,"  # no such day (and 2025-01-02 is now missing)
    lines[3] = lines[4]  # 2025-01-04 twice, 2025-01-03 missing
    lines.append("20260101,四,2,開國紀念日")  # a day of another year
    with pytest.raises(ApplicationError) as error:
        calendar_import_official(path_or_bytes=_file(lines), actor=None)
    messages = [(item["row"], item["message"]) for item in _errors(error)]
    assert (2, "20250101 是星期三，檔案寫星期「四」。") in messages
    assert (3, "西元日期「20250230」不是有效的日期（格式 YYYYMMDD，例如 20250101）。") in messages
    assert (5, "20250104 重複出現（第 4 列已有此日）。") in messages
    assert any(
        row is None and "一個檔案只能有一個年度" in message and "2026 年 1 列" in message
        for row, message in messages
    )


@pytest.mark.usefixtures("db")
def test_missing_days_are_listed_as_runs() -> None:
    lines = [line for line in _revised_lines() if not line.startswith("202503")]
    with pytest.raises(ApplicationError) as error:
        calendar_import_official(path_or_bytes=_file(lines), actor=None)
    assert _errors(error) == [{"row": None, "message": "缺少 2025-03-01 至 2025-03-31 共 31 天。"}]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            b"date,weekday,flag,remark\r\n20250101,\xe4\xb8\x89,2,\r\n",
            "標題列應為「西元日期,星期,是否放假,備註」",
        ),
        ("西元日期,星期,是否放假,備註\r\n".encode("big5"), "不是 UTF-8"),
        (b"", "檔案是空的"),
    ],
)
@pytest.mark.usefixtures("db")
def test_a_file_of_the_wrong_shape_is_refused_with_a_chinese_message(data: bytes, message: str) -> None:
    with pytest.raises(ApplicationError) as error:
        calendar_import_official(path_or_bytes=data, actor=None)
    assert message in _errors(error)[0]["message"]


@pytest.mark.usefixtures("db")
def test_a_year_outside_the_known_years_is_refused() -> None:
    lines = [lines.replace("2025", "2031", 1) for lines in _revised_lines()]
    with pytest.raises(ApplicationError) as error:
        calendar_import_official(path_or_bytes=_file(lines), actor=None, dry_run=True)
    assert any("2031 年不在工作日曆的已知範圍" in item["message"] for item in _errors(error))


def test_a_typhoon_closure_survives_an_import_that_says_the_day_is_worked(rdec_admin: object) -> None:
    # given a typhoon closure on a 2025 working day
    calendar_override_set(
        date=date(2025, 7, 29),
        is_working_day=False,
        kind=CalendarOverride.Kind.TYPHOON,
        reason="颱風",
        actor=rdec_admin,
    )
    # when the official calendar (which knows nothing of typhoons) is imported
    result = calendar_import_official(path_or_bytes=REVISED_2025, actor=rdec_admin)
    # then the closure stands and is reported as kept, not as a difference
    assert result.differences == []
    assert result.typhoon_days_kept == [date(2025, 7, 29)]
    assert CalendarOverride.objects.get().kind == "typhoon"
    assert is_working_day(date(2025, 7, 29)) is False


def test_an_unreadable_path_is_reported(rdec_admin: object) -> None:
    with pytest.raises(ApplicationError, match="無法讀取檔案"):
        calendar_import_official(path_or_bytes="/nonexistent/114.csv", actor=rdec_admin)
