"""Background rendering of the council report, for the web: the same service the command uses."""

import uuid
from datetime import date
from pathlib import Path

from django.conf import settings
from django.tasks import task

from yankao.core.report_registry import ReportPeriod
from yankao.reports.services import council_report_render, report_formats_parse

MEDIA_SUBDIRECTORY = Path("reports") / "council"


@task()
def council_report_render_task(
    *,
    date_from: str,
    date_to: str,
    as_of: str | None = None,
    formats: str = "pptx,pdf",
    session_text: str = "",
) -> dict[str, str]:
    """Render the report into MEDIA_ROOT; return each format's path relative to MEDIA_ROOT.

    Arguments are ISO dates and a comma-separated format list, as a task's arguments must be
    JSON. Each run gets its own directory, so two requests for one period never overwrite each other.
    """
    period = ReportPeriod(
        date_from=date.fromisoformat(date_from),
        date_to=date.fromisoformat(date_to),
        as_of=date.fromisoformat(as_of) if as_of else None,
    )
    media_root = Path(settings.MEDIA_ROOT)
    relative = (
        MEDIA_SUBDIRECTORY / f"{period.date_from}_{period.date_to}_{period.stock_date}" / uuid.uuid4().hex
    )
    written = council_report_render(
        period=period,
        formats=report_formats_parse(text=formats),
        out_dir=media_root / relative,
        session_text=session_text,
    )
    return {name: str(path.relative_to(media_root)) for name, path in written.items()}
