"""`yankao report council`: the files it writes and its errors, in Traditional Chinese, for bad input."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from yankao.reports.services import report_date_parse

pytestmark = pytest.mark.usefixtures("db")

ROOT = Path(__file__).resolve().parents[3]


def _council(*args: str) -> None:
    call_command("report", "council", *args, verbosity=0)


def test_writes_both_files_and_nothing_else(tmp_path: Path) -> None:
    # when
    _council(
        "--from",
        "112/01/01",
        "--to",
        "2023-12-31",
        "--as-of",
        "113/03/31",
        "--format",
        "pptx,pdf",
        "--out",
        str(tmp_path / "new"),
    )
    # then
    assert sorted(p.name for p in (tmp_path / "new").iterdir()) == [
        "council-report.pdf",
        "council-report.pptx",
    ]


def test_one_format_writes_one_file(tmp_path: Path) -> None:
    _council("--from", "2023-01-01", "--to", "2023-03-31", "--format", "pdf", "--out", str(tmp_path))
    assert [p.name for p in tmp_path.iterdir()] == ["council-report.pdf"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2023-12-31", "--to", "2023-01-01"], "晚於"),
        (["--from", "2023-13-01", "--to", "2023-12-31"], "--from 的日期有誤"),
        (["--from", "yesterday", "--to", "2023-12-31"], "--from 的日期有誤"),
        (["--from", "2023-01-01", "--to", "112/02/30"], "--to 的日期有誤"),
        (["--from", "2023-01-01", "--to", "2023-12-31", "--as-of", "x"], "--as-of 的日期有誤"),
        (["--from", "2023-01-01", "--to", "2023-12-31", "--format", "docx"], "不支援的輸出格式「docx」"),
        (["--from", "2023-01-01", "--to", "2023-12-31", "--format", ","], "請以 --format 指定"),
        (["--to", "2023-12-31"], "缺少必要參數：--from"),
    ],
)
def test_bad_input_is_refused_in_chinese_and_writes_nothing(
    tmp_path: Path, args: list[str], message: str
) -> None:
    out = tmp_path / "out"
    with pytest.raises(CommandError, match=message):
        _council(*args, "--out", str(out))
    assert not out.exists()


def test_an_unwritable_directory_is_refused(tmp_path: Path) -> None:
    # given: a regular file where the directory should be, and a directory under a file
    blocker = tmp_path / "file"
    blocker.write_text("x")
    # then
    with pytest.raises(CommandError, match="不是目錄"):
        _council("--from", "2023-01-01", "--to", "2023-01-31", "--out", str(blocker))
    with pytest.raises(CommandError, match="無法建立輸出目錄"):
        _council("--from", "2023-01-01", "--to", "2023-01-31", "--out", str(blocker / "sub"))


def test_a_period_outside_the_calendar_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="期間工作日曆"):
        _council("--from", "1990-01-01", "--to", "1990-12-31", "--out", str(tmp_path))
    assert list(tmp_path.iterdir()) == []


def test_dates_are_iso_or_roc() -> None:
    assert report_date_parse(text="113/03/31", option="--to").isoformat() == "2024-03-31"
    assert report_date_parse(text="2024-03-31", option="--to").isoformat() == "2024-03-31"


def test_the_console_script_exits_non_zero_with_only_a_chinese_message(tmp_path: Path) -> None:
    # The error comes before any database access, so the command runs on its own settings.
    env = {**os.environ, "YANKAO_ENVIRONMENT": "test", "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "yankao"),
            "report",
            "council",
            "--from",
            "2023-02-30",
            "--to",
            "2023-12-31",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("錯誤：--from 的日期有誤")
    assert "Traceback" not in result.stderr
    assert "CommandError" not in result.stderr
