"""The background task renders into MEDIA_ROOT through the same service as the command."""

from pathlib import Path

import pytest
from django.test import override_settings

from yankao.reports.tasks import council_report_render_task

pytestmark = pytest.mark.usefixtures("db")


def test_task_renders_into_media_root(tmp_path: Path) -> None:
    # when (the test settings run tasks immediately)
    with override_settings(MEDIA_ROOT=str(tmp_path)):
        result = council_report_render_task.enqueue(
            date_from="2023-01-01", date_to="2023-01-31", formats="pdf"
        )
    # then
    paths = result.return_value
    assert set(paths) == {"pdf"}
    assert paths["pdf"].startswith("reports/council/2023-01-01_2023-01-31_2023-01-31/")
    assert (tmp_path / paths["pdf"]).stat().st_size > 0
