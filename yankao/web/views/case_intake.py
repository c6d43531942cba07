"""Staff intake: register a petition received at the counter (臨櫃), by letter or by e-mail.

Thin over `yankao.cases.services.case_intake`. The agency is pre-filled with the route suggestions
for the category, district and text; "建議機關" reloads them (a full POST without JavaScript, the
suggestions part only with htmx), and the officer may pick any other agency. The receipt shows the
tracking code once and prints as the slip handed or mailed to the petitioner. Every page is
`never_cache`: the receipt shows the tracking code, the form carries a one-submission key.

A date received before today (a letter that arrived yesterday) is registered at noon of that day,
Taiwan time: the deadline is counted from the date, and noon keeps it on that date in any zone.
"""

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from yankao.cases.models import Case, Category
from yankao.cases.permissions import HANDLER_ROLES, can_handle_case, can_register_case
from yankao.cases.services import Petitioner, RouteSuggestion, Upload, case_intake, route_suggest
from yankao.core.exceptions import ApplicationError
from yankao.core.models import Agency
from yankao.core.roc_dates import TAIWAN
from yankao.core.working_days import taiwan_date
from yankao.web.forms.case_intake import OTHER_AGENCY, CaseIntakeForm, intake_key_issue
from yankao.web.views.access import staff_required

SUGGEST = "suggest"


@dataclass(frozen=True)
class RoutingDecision:
    """Where the case went and why, as the receipt states it."""

    agency: Agency
    best: RouteSuggestion | None  # the system's first suggestion
    chosen: RouteSuggestion | None  # the suggestion the officer picked, if it was one

    @property
    def followed_best(self) -> bool:
        return self.best is not None and self.best.agency.pk == self.agency.pk


@never_cache
@staff_required
@require_http_methods(["GET", "POST"])
def case_new(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if not can_register_case(user):
        raise PermissionDenied(_("您的角色不能登錄陳情案件；請洽研考會或機關的研考聯絡人。"))

    if request.method != "POST":
        form = CaseIntakeForm(initial=CaseIntakeForm.initial_for(user), user=user)
        return _render_form(request, form=form, suggestions=[], selected="")

    if request.POST.get("action") == SUGGEST:
        return _suggest(request)

    form = CaseIntakeForm(request.POST, request.FILES, user=user)
    if form.is_valid():
        try:
            return _register(request, form)
        except ApplicationError as error:
            form.add_error(None, error.message)
    suggestions = _suggestions_from(request.POST)
    return _render_form(
        request,
        form=form,
        suggestions=suggestions,
        selected=_selected(request.POST.get("agency", ""), suggestions),
        files_dropped=bool(request.FILES),
        status=400,
    )


def _register(request: HttpRequest, form: CaseIntakeForm) -> HttpResponse:
    user: Any = request.user
    data = form.cleaned_data
    result = case_intake(
        kind="petition",
        channel=data["channel"],
        category=data["category"],
        subject=data["subject"],
        description=data["description"],
        petitioner=Petitioner(
            name="" if data["anonymous"] else data["name"],
            phone=data["phone"],
            email=data["email"],
            address=data["address"],
            anonymous=data["anonymous"],
            confidential=data["confidential"],
        ),
        agency=data["agency"],
        district=data["district"],
        location_text=data["location_text"],
        received_at=_received_at(data["received_at"]),
        idempotency_key=form.idempotency_key,
        attachments=[
            Upload(name=a.name, content=a.content, content_type=a.content_type)
            for a in form.checked_attachments
        ],
        actor=user,
    )
    case = result.case
    context = {
        "result": result,
        "case": case,
        "routing": _routing(case),
        "can_open": can_handle_case(user, case),
        "outside_own_agency": user.role in HANDLER_ROLES and not can_handle_case(user, case),
        "track_url": request.build_absolute_uri("/track/"),
    }
    return render(request, "web/cases/intake_receipt.html", context)


def _received_at(day: date) -> datetime:
    now = timezone.now()
    if day >= taiwan_date(now):
        return now
    return datetime.combine(day, time(12, 0), tzinfo=TAIWAN)


def _routing(case: Case) -> RoutingDecision:
    suggestions = route_suggest(
        category=case.category, district=case.district, text=f"{case.subject} {case.description}"
    )
    chosen = next((s for s in suggestions if s.agency.pk == case.agency_id), None)
    return RoutingDecision(agency=case.agency, best=suggestions[0] if suggestions else None, chosen=chosen)


def _suggest(request: HttpRequest) -> HttpResponse:
    """Suggestions for what is typed so far; nothing is validated or written."""
    suggestions = _suggestions_from(request.POST)
    selected = _selected(request.POST.get("agency", ""), suggestions)
    if request.headers.get("HX-Request"):
        context = _route_context(request, suggestions=suggestions, selected=selected)
        return render(request, "web/cases/_route_choices.html", context)
    initial = request.POST.dict()
    initial["agency"] = selected
    form = CaseIntakeForm(initial=initial, user=request.user)
    if not initial.get("form_key"):
        form.initial["form_key"] = intake_key_issue(request.user)
    return _render_form(
        request, form=form, suggestions=suggestions, selected=selected, files_dropped=bool(request.FILES)
    )


def _suggestions_from(data: Any) -> list[RouteSuggestion]:
    code = str(data.get("category", "")).strip()
    category = (
        Category.objects.filter(code=code, is_active=True, kind="petition")
        .select_related("default_agency")
        .first()
        if code
        else None
    )
    if category is None:
        return []
    district_id = str(data.get("district", "")).strip()
    district = (
        Agency.objects.filter(pk=int(district_id), kind=Agency.Kind.DISTRICT_OFFICE).first()
        if district_id.isdigit()
        else None
    )
    text = f"{data.get('subject', '')} {data.get('description', '')}"
    return route_suggest(category=category, district=district, text=text)


def _selected(value: str, suggestions: list[RouteSuggestion]) -> str:
    """Keep the officer's pick when it is still offered (or "other"); else the best suggestion."""
    codes = [s.agency.code for s in suggestions]
    if value == OTHER_AGENCY or value in codes:
        return value
    return codes[0] if codes else ""


def _route_context(
    request: HttpRequest,
    *,
    suggestions: list[RouteSuggestion],
    selected: str,
    form: CaseIntakeForm | None = None,
) -> dict[str, Any]:
    user: Any = request.user
    if form is None:
        form = CaseIntakeForm(initial={"other_agency": request.POST.get("other_agency", "")}, user=user)
    return {
        "form": form,
        "suggestions": suggestions,
        "selected": selected,
        "other_selected": selected == OTHER_AGENCY,
        "user_agency": user.agency if user.role in HANDLER_ROLES else None,
    }


def _render_form(
    request: HttpRequest,
    *,
    form: CaseIntakeForm,
    suggestions: list[RouteSuggestion],
    selected: str,
    files_dropped: bool = False,
    status: int = 200,
) -> HttpResponse:
    context = _route_context(request, suggestions=suggestions, selected=selected, form=form)
    context["files_dropped"] = files_dropped
    return render(request, "web/cases/new.html", context, status=status)
