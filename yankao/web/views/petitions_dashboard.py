"""The petition dashboard of the console: the council report's petition figures for a period, drawn
in the page as server-side SVG (no script, no network), each chart followed by its data table.

RDEC staff, administrators and auditors see the whole city; officers and liaisons their agency's
subtree (the selector decides, from the user's role and agency).
"""

from dataclasses import dataclass
from datetime import date

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from yankao.core.exceptions import ApplicationError, PermissionDeniedError
from yankao.core.models import Agency
from yankao.core.report_registry import Chart, Figure, SectionContent
from yankao.core.roc_dates import FORMATS_HINT, roc_date_format, roc_date_parse
from yankao.core.working_days import taiwan_date
from yankao.reports.renderers.numbers import number_format
from yankao.reports.renderers.svg import chart_svg
from yankao.servicedesk.report_sections import (
    agency_timeliness_table,
    handling_content,
    period_note,
    survey_content,
    survey_note,
    volume_content,
)
from yankao.servicedesk.selectors import petition_scope_for_user, petition_statistics


class PeriodForm(forms.Form):
    # Text, not date inputs: officials write ROC dates (113/03/31); the parser says what is wrong.
    date_from = forms.CharField(label=_("起日"), required=False, help_text=FORMATS_HINT)
    date_to = forms.CharField(label=_("迄日"), required=False)
    as_of = forms.CharField(label=_("時效統計基準日"), required=False, help_text=_("空白時同迄日"))


@dataclass(frozen=True)
class ChartView:
    """A chart drawn as SVG and the same numbers as a table, its text alternative."""

    id: str
    title: str
    svg: SafeString
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class FigureView:
    label: str
    value: str
    unit: str
    note: str


@login_required
def petitions_dashboard(request: HttpRequest) -> HttpResponse:
    try:
        scope = petition_scope_for_user(user=request.user)
    except PermissionDeniedError as error:
        raise PermissionDenied(error.message) from error
    today = taiwan_date(timezone.now())
    form = PeriodForm(request.GET or None)
    context: dict[str, object] = {"form": form, "scope": _scope_label(scope)}
    try:
        first, last, as_of = _period(form, today=today)
        stats = petition_statistics(first=first, last=last, as_of=as_of, agency_path=scope)
    except ApplicationError as error:
        form.add_error(None, error.message)
        return render(request, "web/petitions_dashboard.html", context, status=400)
    note = period_note(first=first, last=last, as_of=as_of)
    sections = [
        (
            _("收件量"),
            volume_content(
                by_month=stats.by_month,
                by_channel=stats.by_channel,
                by_category=stats.by_category,
                by_agency=stats.by_agency,
                note=note,
            ),
        ),
        (
            _("處理時效"),
            handling_content(
                timeliness=stats.timeliness,
                handling=stats.handling,
                reroutes=stats.reroutes,
                by_agency=stats.by_agency,
                note=note,
            ),
        ),
        (
            _("滿意度調查"),
            survey_content(survey=stats.survey, note=survey_note(first=first, last=last, as_of=as_of)),
        ),
    ]
    context.update(
        {
            "stats": stats,
            "note": note,
            "period_text": f"{roc_date_format(first)}至{roc_date_format(last)}",
            "sections": [
                {
                    "title": title,
                    "figures": [_figure(figure) for figure in content.figures],
                    "paragraphs": [paragraph.text for paragraph in content.paragraphs],
                    "note": content.note if content.note != note else "",
                    "charts": _charts(content, prefix=f"s{index}"),
                }
                for index, (title, content) in enumerate(sections)
            ],
            "agency_table": _table_rows(agency_timeliness_table(stats.by_agency).rows),
        }
    )
    return render(request, "web/petitions_dashboard.html", context)


def _period(form: PeriodForm, *, today: date) -> tuple[date, date, date]:
    """The form's period: from the year's first day to today unless given."""
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    first = roc_date_parse(data["date_from"]) if data.get("date_from") else date(today.year, 1, 1)
    last = roc_date_parse(data["date_to"]) if data.get("date_to") else today
    as_of = roc_date_parse(data["as_of"]) if data.get("as_of") else last
    return first, last, as_of


def _scope_label(scope: str | None) -> str:
    if scope is None:
        return str(_("全市各機關"))
    agency = Agency.objects.filter(path=scope).only("name").first()
    return str(_("%(agency)s及所屬機關") % {"agency": agency.name if agency else scope})


def _figure(figure: Figure) -> FigureView:
    return FigureView(figure.label, number_format(figure.value), figure.unit, figure.note)


def _charts(content: SectionContent, *, prefix: str) -> list[ChartView]:
    return [_chart(chart, chart_id=f"{prefix}-chart-{index}") for index, chart in enumerate(content.charts)]


def _chart(chart: Chart, *, chart_id: str) -> ChartView:
    columns = (str(_("項目")), *(series.name for series in chart.series))
    rows = tuple(
        (category, *(number_format(series.values[index]) for series in chart.series))
        for index, category in enumerate(chart.categories)
    )
    title = chart.title + (f"（單位：{chart.unit}）" if chart.unit else "")
    # chart_svg escapes every text it writes; the markup is the renderer's own.
    return ChartView(chart_id, title, mark_safe(chart_svg(chart=chart)), columns, rows)  # noqa: S308


def _table_rows(rows: tuple[tuple[object, ...], ...]) -> list[list[str]]:
    return [
        [cell if isinstance(cell, str) else "—" if cell is None else number_format(cell) for cell in row]  # type: ignore[arg-type]
        for row in rows
    ]
