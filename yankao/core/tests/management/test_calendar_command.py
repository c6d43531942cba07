import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from yankao.core.models import CalendarImport, CalendarOverride

REVISED_2025 = Path(__file__).resolve().parents[1] / "data" / "dgpa-office-calendar-114-revised.csv"


def _variant(tmp_path: Path, replacements: dict[str, str]) -> Path:
    lines = REVISED_2025.read_text(encoding="utf-8").splitlines()
    lines = [replacements.get(line.split(",")[0], line) for line in lines]
    path = tmp_path / "114.csv"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


@pytest.mark.usefixtures("db")
def test_importing_the_revised_2025_calendar_reports_zero_differences() -> None:
    out = StringIO()
    call_command("calendar", "import", str(REVISED_2025), stdout=out)
    assert "365 天，與現行日曆差異 0 天" in out.getvalue()
    assert CalendarImport.objects.count() == 1


@pytest.mark.usefixtures("db")
def test_a_dry_run_prints_the_differences_as_a_table_and_writes_nothing(tmp_path: Path) -> None:
    path = _variant(tmp_path, {"20250501": "20250501,四,2,勞動節"})
    out = StringIO()
    call_command("calendar", "import", str(path), "--dry-run", stdout=out)
    output = out.getvalue()
    assert "2025-05-01  114/05/01  四    上班      放假  勞動節" in output
    assert "差異 1 天。（試算，未寫入）" in output
    assert not CalendarOverride.objects.exists()
    assert not CalendarImport.objects.exists()


@pytest.mark.usefixtures("db")
def test_a_bad_file_fails_with_the_rows_listed_and_changes_nothing(tmp_path: Path) -> None:
    path = _variant(tmp_path, {"20250501": "20250501,四,2,勞動節", "20250502": "20250502,五,9,"})
    err = StringIO()
    with pytest.raises(CommandError) as error:
        call_command("calendar", "import", str(path), stderr=err)
    assert error.value.returncode == 1
    assert "第 123 列：是否放假應為 0（上班）或 2（放假），檔案是「9」。" in err.getvalue()
    assert not CalendarOverride.objects.exists()


def test_the_console_script_exits_non_zero_on_a_bad_file(tmp_path: Path) -> None:
    # given a file with a wrong weekday (checked before the database is touched)
    path = _variant(tmp_path, {"20250101": "20250101,四,2,開國紀念日"})
    # when run as `yankao calendar import FILE`
    completed = subprocess.run(
        [sys.executable, "-c", "from yankao.cli import main; main()", "calendar", "import", str(path)],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "YANKAO_ENVIRONMENT": "test"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # then it exits non-zero with the Chinese error list
    assert completed.returncode == 1
    assert "第 2 列：20250101 是星期三，檔案寫星期「四」。" in completed.stderr


@pytest.mark.usefixtures("db")
def test_show_lists_the_days_off_and_make_up_days_of_a_year() -> None:
    out = StringIO()
    call_command("calendar", "show", "2024", stdout=out)
    output = out.getvalue()
    assert "2024-02-17  113/02/17  六    上班" in output
    assert "2024-04-05  113/04/05  五    放假" in output
    assert output.strip().endswith("週末補行上班 1 天。")


@pytest.mark.usefixtures("db")
def test_show_refuses_a_year_outside_the_known_years() -> None:
    with pytest.raises(CommandError, match="2040-01-01"):
        call_command("calendar", "show", "2040")
