"""The report follows the data: add an agency through the ORM and the next report shows it."""

from pathlib import Path

import pytest
from pptx import Presentation

from yankao.core.models import Agency
from yankao.reports.services import council_report_render
from yankao.reports.tests.conftest import SEED_PERIOD

pytestmark = pytest.mark.usefixtures("db")


def _enterprises_in_deck(path: Path) -> float:
    for slide in Presentation(str(path)).slides:
        for shape in slide.shapes:
            if shape.has_chart and shape.chart.chart_title.text_frame.text.startswith("機關類別"):
                plot = shape.chart.plots[0]
                return dict(zip(plot.categories, plot.series[0].values, strict=True))["市營事業"]
    raise AssertionError("no agency chart in the deck")


def test_a_new_agency_changes_the_next_report(tmp_path: Path) -> None:
    # given
    before = _enterprises_in_deck(
        council_report_render(period=SEED_PERIOD, formats=["pptx"], out_dir=tmp_path / "a")["pptx"]
    )
    city = Agency.objects.get(kind=Agency.Kind.CITY_GOVERNMENT)
    Agency.objects.create(
        code="397888888X",
        name="高雄捷運測試公司",
        kind=Agency.Kind.MUNICIPAL_ENTERPRISE,
        parent=city,
        path=f"{city.path}/397888888X",
    )
    # when
    after = _enterprises_in_deck(
        council_report_render(period=SEED_PERIOD, formats=["pptx"], out_dir=tmp_path / "b")["pptx"]
    )
    # then
    assert after == before + 1
