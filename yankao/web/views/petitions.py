"""The citizen's pages: file a petition (網路陳情) or write to the mayor's mailbox, and track a case.

Thin: the form checks shape and the anti-abuse token; yankao.servicedesk.services decides and
registers. No account is needed. Every page here is `never_cache` (no-store): the receipt and the
tracking page show the tracking code, and the form carries a one-submission token.
"""

import math
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from yankao.cases.models import Channel
from yankao.core import request_context
from yankao.core.exceptions import ApplicationError, NotFoundError
from yankao.core.models import Agency
from yankao.servicedesk.antiabuse import form_token_issue, form_token_question, form_token_redraw
from yankao.servicedesk.attachments import AttachmentRefusedError
from yankao.servicedesk.duplicates import duplicate_candidates_public
from yankao.servicedesk.services import (
    PetitionInvalidError,
    petition_reopen,
    petition_submit,
    petition_survey_answer,
    petition_track,
)
from yankao.web.forms.petitions import PetitionForm, ReopenForm, SurveyForm, TrackForm

CHANNEL_PAGES: dict[str, dict[str, Any]] = {
    Channel.WEB: {
        "title": _("網路陳情"),
        "lead": _("對市政的建議、問題反映或檢舉，都可以在這裡提出。送出後會立即取得案件編號與查詢碼。"),
        "url_name": "web:petition_new",
    },
    Channel.MAYORS_MAILBOX: {
        "title": _("市長信箱"),
        "lead": _(
            "寫信給市長。來信由研考會登記後，交由主管機關在期限內答復；送出後會立即取得案件編號與查詢碼。"
        ),
        "url_name": "web:mayors_mailbox",
    },
}


@never_cache
@require_http_methods(["GET", "POST"])
def petition_new(request: HttpRequest) -> HttpResponse:
    return _petition_page(request, channel=Channel.WEB)


@never_cache
@require_http_methods(["GET", "POST"])
def mayors_mailbox(request: HttpRequest) -> HttpResponse:
    return _petition_page(request, channel=Channel.MAYORS_MAILBOX)


def _petition_page(request: HttpRequest, *, channel: str) -> HttpResponse:
    if request.method != "POST" and request.GET.get("similar"):
        return _similar_cases(request)
    if request.method != "POST":
        token = form_token_issue()
        form = PetitionForm(initial={"form_token": token.token}, question=token.question)
        return _render_form(request, channel=channel, form=form)

    data = request.POST.copy()
    form = PetitionForm(data, request.FILES, question=form_token_question(token=data.get("form_token", "")))
    if form.is_valid():
        cleaned = form.cleaned_data
        try:
            result = petition_submit(
                channel=channel,
                category=cleaned["category"],
                subject=cleaned["subject"],
                description=cleaned["description"],
                name=cleaned["name"],
                phone=cleaned["phone"],
                email=cleaned["email"],
                address=cleaned["address"],
                anonymous=False,
                confidential=cleaned["confidential"],
                district=cleaned["district"],
                location_text=cleaned["location_text"],
                latitude=cleaned["latitude"],
                longitude=cleaned["longitude"],
                files=cleaned["attachments"],
                idempotency_key=form.idempotency_key,
                client_ip=request_context.current().ip_address,
            )
        except PetitionInvalidError as error:
            for field, field_messages in error.errors.items():
                for message in field_messages:
                    form.add_error(field if field in form.fields else None, message)
        except AttachmentRefusedError as error:
            form.add_error("attachments", error.message)
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            return render(
                request,
                "web/petitions/receipt.html",
                {"page": CHANNEL_PAGES[channel], "result": result, "case": result.case},
            )
    elif form.refusal_code:
        # The anti-abuse check refused: a new question (same idempotency key and drawing time),
        # so that a wrong answer cannot simply be tried again.
        token = form_token_redraw(token=data.get("form_token", ""))
        data["form_token"] = token.token
        data["challenge_answer"] = ""
        # The bound field copied the old label when the form was validated: set both.
        form.fields["challenge_answer"].label = token.question
        form["challenge_answer"].label = token.question
    return _render_form(request, channel=channel, form=form, files_dropped=bool(request.FILES), status=400)


def _similar_cases(request: HttpRequest) -> HttpResponse:
    """The form's "similar open cases nearby" box, redrawn by htmx as the citizen types.

    Only public dispatch work, and only what, roughly where and how far along: never who filed it.
    """
    query = request.GET
    district = ""
    if query.get("district", "").isdigit():
        office = Agency.objects.filter(pk=int(query["district"]), kind=Agency.Kind.DISTRICT_OFFICE).first()
        if office is not None:
            district = str(office.short_name or office.name).removeprefix("高雄市").removesuffix("公所")
    location = query.get("location_text", "")[:200]
    similar = duplicate_candidates_public(
        text=f"{query.get('subject', '')[:200]} {query.get('description', '')[:2000]}",
        category_code=query.get("category", "")[:40] or None,
        latitude=_float(query.get("latitude", "")),
        longitude=_float(query.get("longitude", "")),
        address=location if district in location else district + location,
    )
    return render(request, "web/duplicates/_similar_public.html", {"similar": similar})


def _float(value: str) -> float | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _render_form(
    request: HttpRequest, *, channel: str, form: PetitionForm, files_dropped: bool = False, status: int = 200
) -> HttpResponse:
    context = {
        "page": CHANNEL_PAGES[channel],
        "channel": channel,
        "form": form,
        "files_dropped": files_dropped,
    }
    return render(request, "web/petitions/new.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def petition_track_page(request: HttpRequest) -> HttpResponse:
    """Look a case up by number and tracking code; reopen it or answer the survey from there.

    Everything is POSTed so that the tracking code stays out of addresses, history and logs.
    """
    if request.method != "POST":
        return render(request, "web/petitions/track.html", {"form": TrackForm()})

    client_ip = request_context.current().ip_address
    form = TrackForm(request.POST)
    context: dict[str, Any] = {"form": form}
    if not form.is_valid():
        return _render_track(request, context, status=400)
    number, code = form.cleaned_data["number"], form.cleaned_data["tracking_code"]

    action = request.POST.get("action", "")
    if action in ("reopen", "survey"):
        action_form = ReopenForm(request.POST) if action == "reopen" else SurveyForm(request.POST)
        context.update(action=action, action_form=action_form)
        if action_form.is_valid():
            try:
                _track_action(action, action_form.cleaned_data, number=number, code=code, client_ip=client_ip)
            except NotFoundError as error:
                context["lookup_error"] = error.message
                return _render_track(request, context, status=400)
            except ApplicationError as error:
                context["action_error"] = error.message
            else:
                context["done"] = DONE_MESSAGES[action]
                del context["action_form"]

    try:
        context["tracking"] = petition_track(number=number, tracking_code=code, client_ip=client_ip)
    except ApplicationError as error:
        context["lookup_error"] = error.message
        return _render_track(request, context, status=400)
    context["reopen_form"] = (
        context["action_form"] if action == "reopen" and "action_form" in context else ReopenForm()
    )
    context["survey_form"] = (
        context["action_form"] if action == "survey" and "action_form" in context else SurveyForm()
    )
    failed = "action_form" in context and (context["action_form"].errors or "action_error" in context)
    return _render_track(request, context, status=400 if failed else 200)


DONE_MESSAGES = {
    "reopen": _("已收到您的說明，案件重新交由機關處理，新的處理期限請見下方。"),
    "survey": _("謝謝您填寫滿意度調查，您的意見會提供機關改進服務。"),
}


def _track_action(
    action: str, data: dict[str, Any], *, number: str, code: str, client_ip: str | None
) -> None:
    if action == "reopen":
        petition_reopen(number=number, tracking_code=code, reason=data["reason"], client_ip=client_ip)
    else:
        petition_survey_answer(
            number=number,
            tracking_code=code,
            process_score=data["process_score"],
            outcome_score=data["outcome_score"],
            comment=data["comment"],
            client_ip=client_ip,
        )


def _render_track(request: HttpRequest, context: dict[str, Any], *, status: int) -> HttpResponse:
    return render(request, "web/petitions/track.html", context, status=status)
