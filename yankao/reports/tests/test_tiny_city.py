"""PRODUCT.md's promise: build a tiny city, check every report figure against the data, change the
data through the services and see the figures follow. Each module adds its figures here as it lands."""

from datetime import date
from pathlib import Path

import pytest
from pptx import Presentation

from yankao.core.models import Agency, Role, User
from yankao.core.report_registry import ReportPeriod
from yankao.core.services.agencies import agency_save
from yankao.core.services.calendar import calendar_override_set
from yankao.core.services.demo import demo_city_build
from yankao.core.working_days import count_working_days
from yankao.reports.services import council_report_render
from yankao.testing.tiny_city import tiny_city_targets

PERIOD = ReportPeriod(date_from=date(2023, 1, 1), date_to=date(2023, 12, 31), as_of=date(2024, 3, 31))


def _charts(deck: Path) -> dict[str, dict[str, dict[str, float]]]:
    """Every chart of the deck: title → series name → category → value."""
    charts: dict[str, dict[str, dict[str, float]]] = {}
    for slide in Presentation(str(deck)).slides:
        for shape in slide.shapes:
            if shape.has_chart:
                plot = shape.chart.plots[0]
                charts[shape.chart.chart_title.text_frame.text] = {
                    series.name: dict(zip(plot.categories, series.values, strict=True))
                    for series in plot.series
                }
    return charts


def _figures(deck: Path) -> str:
    return "\n".join(
        shape.text_frame.text
        for slide in Presentation(str(deck)).slides
        for shape in slide.shapes
        if shape.has_text_frame
    )


@pytest.mark.django_db
def test_every_figure_of_a_tiny_city_follows_its_data(tmp_path: Path) -> None:
    # given a tiny city built from its targets file (one typhoon closure, on 2023-07-27)
    demo_city_build(
        targets_path=tiny_city_targets(tmp_path),
        seed=7,
        state_path=tmp_path / "demo.json",
        show_progress=False,
    )
    assert User.objects.filter(role=Role.LIAISON).exists()

    # when the report is rendered
    deck = council_report_render(period=PERIOD, formats=["pptx"], out_dir=tmp_path / "before")["pptx"]
    charts = _charts(deck)

    # then every agency figure is the database's count
    kinds = charts["機關類別（單位：個）"]["機關數"]
    for label, kind in (
        ("一級機關", "first_level"),
        ("區公所", "district_office"),
        ("市營事業", "municipal_enterprise"),
    ):
        assert kinds[label] == Agency.objects.filter(kind=kind, is_active=True).count()
    # and every month's working days are the calendar's, the typhoon closure included
    months = charts["各月工作日數（單位：日）"]
    for month in range(1, 13):
        first = date(2023, month, 1)
        last = date(2023, month + 1, 1).replace(day=1) if month < 12 else date(2024, 1, 1)
        last = date.fromordinal(last.toordinal() - 1)
        assert months["工作日"][f"112年{month}月"] == count_working_days(first, last)
    assert months["工作日"]["112年7月"] == 20  # 21 weekdays, less the 杜蘇芮 closure
    total = count_working_days(date(2023, 1, 1), date(2023, 12, 31))
    assert sum(months["工作日"].values()) == total
    assert f"工作日\n{total}" in _figures(deck).replace(" ", "")

    # when one more district-level office is added and another typhoon day is declared, through the services
    city = Agency.objects.get(kind=Agency.Kind.CITY_GOVERNMENT)
    agency_save(
        agency=Agency(
            code="397199000A", name="高雄市測試區公所", kind=Agency.Kind.DISTRICT_OFFICE, parent=city
        ),
        changed_fields=["code", "name", "kind", "parent"],
    )
    calendar_override_set(
        date=date(2023, 7, 28),
        is_working_day=False,
        kind="typhoon",
        reason="杜蘇芮颱風（第二日）",
        actor=None,
    )
    after = _charts(
        council_report_render(period=PERIOD, formats=["pptx"], out_dir=tmp_path / "after")["pptx"]
    )

    # then the figures follow
    assert after["機關類別（單位：個）"]["機關數"]["區公所"] == kinds["區公所"] + 1
    assert after["各月工作日數（單位：日）"]["工作日"]["112年7月"] == 19
