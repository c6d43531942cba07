"""Writing the council report to files: the one path the command, the task and the web share."""

import os
import tempfile
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from yankao.core.exceptions import ApplicationError, InvalidDateError
from yankao.core.report_registry import ReportPeriod, ReportSection
from yankao.core.roc_dates import roc_date_parse
from yankao.reports.council_report import council_report_build
from yankao.reports.renderers.pdf import council_report_pdf_write
from yankao.reports.renderers.pptx import council_report_pptx_write

FORMATS = ("pptx", "pdf")
FILE_STEM = "council-report"


def report_formats_parse(*, text: str) -> list[str]:
    """「pptx,pdf」 to ["pptx", "pdf"]; an unknown or empty list is an error in Traditional Chinese."""
    formats = [part.strip().lower() for part in text.split(",") if part.strip()]
    if not formats:
        raise ApplicationError("請以 --format 指定輸出格式：pptx、pdf 或 pptx,pdf。", code="invalid_format")
    unknown = [name for name in formats if name not in FORMATS]
    if unknown:
        raise ApplicationError(
            f"不支援的輸出格式「{'、'.join(unknown)}」；可用的格式為 pptx、pdf。", code="invalid_format"
        )
    return list(dict.fromkeys(formats))


def report_directory_prepare(*, path: Path) -> Path:
    """Create `path` if missing and prove it writable, before any section is built."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise ApplicationError(f"輸出位置「{path}」已存在且不是目錄。", code="invalid_directory") from None
    except OSError as error:
        raise ApplicationError(
            f"無法建立輸出目錄「{path}」：{error.strerror}。", code="invalid_directory"
        ) from None
    if not path.is_dir():
        raise ApplicationError(f"輸出位置「{path}」已存在且不是目錄。", code="invalid_directory")
    try:
        # os.access misjudges root and some network mounts: a real write is the only proof.
        with tempfile.NamedTemporaryFile(dir=path, prefix=".write-test-"):
            pass
    except OSError:
        raise ApplicationError(
            f"輸出目錄「{path}」無法寫入，請確認權限。", code="invalid_directory"
        ) from None
    return path


def council_report_render(
    *,
    period: ReportPeriod,
    formats: Sequence[str],
    out_dir: Path,
    session_text: str = "",
    on_section: Callable[[ReportSection], None] | None = None,
    on_write: Callable[[str], None] | None = None,
) -> dict[str, Path]:
    """Build the report for `period` and write DIR/council-report.<format> for each format.

    `on_section` is called before each section is built and `on_write` before each file is
    written, for progress.

    Each file is written beside its final name and renamed into place, so a failed run never
    leaves half a report where the last good one was.
    """
    unknown = [name for name in formats if name not in FORMATS]
    if unknown:
        raise ApplicationError(f"不支援的輸出格式「{'、'.join(unknown)}」。", code="invalid_format")
    out_dir = report_directory_prepare(path=out_dir)
    report = council_report_build(period=period, session_text=session_text, on_section=on_section)
    writers = {"pptx": council_report_pptx_write, "pdf": council_report_pdf_write}
    written: dict[str, Path] = {}
    for name in formats:
        final = out_dir / f"{FILE_STEM}.{name}"
        partial = out_dir / f".{FILE_STEM}.{name}.partial"
        if on_write is not None:
            on_write(name)
        try:
            writers[name](report=report, path=partial)
            os.replace(partial, final)
        except OSError as error:
            partial.unlink(missing_ok=True)
            raise ApplicationError(f"寫入「{final}」失敗：{error.strerror}。", code="write_failed") from error
        written[name] = final
    return written


def report_date_parse(*, text: str, option: str) -> date:
    """An ISO (2024-03-31) or ROC (113/03/31) date given to `option`; the error names the option."""
    try:
        return roc_date_parse(text)
    except InvalidDateError as error:
        raise InvalidDateError(f"{option} 的日期有誤：{error.message}") from None
