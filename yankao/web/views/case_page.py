"""The case page: everything about one case, and a form for each action this user may take on it now.

Every action form posts the `version` the page showed. When someone else changed the case in the
meantime the service refuses (`CaseConflictError`); the page is shown again with the case as it is
now, the conflict explained, and the user's typed text kept in the form.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from yankao.cases import services
from yankao.cases.kinds import case_kind_receivers
from yankao.cases.models import Case, Extension
from yankao.cases.permissions import can_decide_extension, can_handle_case, can_transfer_kind
from yankao.cases.selectors import (
    case_due_status,
    case_get_for_user,
    case_petitioner_reveal,
    case_scope,
    route_suggest,
)
from yankao.cases.workflow import Action, State, actions_allowed
from yankao.core.exceptions import ApplicationError, NotFoundError, PermissionDeniedError, RuleNotInForceError
from yankao.core.models import AuditAction
from yankao.core.services.audit import audit_record_for
from yankao.servicedesk.duplicates import duplicate_candidates_for_case
from yankao.web.forms import cases as case_forms
from yankao.web.views.access import staff_required


@dataclass(frozen=True)
class CaseAction:
    key: str
    label: Any
    form_class: type[forms.Form]
    # Whether the form is offered: the transition table and the user's rights, for this case now.
    offered: Callable[[Case, Any, set[str]], bool]
    perform: Callable[[Case, Any, dict[str, Any]], Any]
    done: Any  # the message after success
    primary: bool = False  # opened by default: the usual next step
    danger: bool = False  # ends the case without a reply: set apart


def _allowed(action: Action) -> Callable[[Case, Any, set[str]], bool]:
    return lambda case, user, allowed: action in allowed and can_handle_case(user, case)


def _case_by_number(user: Any, number: str) -> Case:
    try:
        return case_get_for_user(user=user, number=number.strip())
    except (NotFoundError, PermissionDeniedError) as error:
        raise ApplicationError(_("找不到案件 %(number)s，或您無權處理該案。") % {"number": number}) from error


def _extension_requestable(case: Case, user: Any, allowed: set[str]) -> bool:
    return (
        case.state in (State.ASSIGNED, State.IN_PROGRESS)
        and can_handle_case(user, case)
        and not _pending_extension(case)
    )


def _extension_decidable(case: Case, user: Any, allowed: set[str]) -> bool:
    return _pending_extension(case) is not None and can_decide_extension(user, case)


def _pending_extension(case: Case) -> Extension | None:
    # Prefetched on the page: the first pending one (there is at most one at a time).
    return next((e for e in case.extensions.all() if e.decision == Extension.Decision.PENDING), None)


def _decide(case: Case, user: Any, data: dict[str, Any]) -> Any:
    extension = _pending_extension(case)
    if extension is None or extension.pk != data["extension"]:
        raise ApplicationError(_("這件展期申請已經核定過了，請看案件歷程。"))
    return services.case_extension_decide(
        extension=extension, user=user, approve=data["decision"] == "approve", note=data["note"]
    )


ACTIONS: dict[str, CaseAction] = {
    action.key: action
    for action in (
        CaseAction(
            "accept",
            gettext_lazy("承辦本案"),
            case_forms.AcceptForm,
            _allowed(Action.ACCEPT),
            lambda c, u, d: services.case_accept(case=c, user=u, expected_version=d["version"]),
            gettext_lazy("您已承辦本案，開始處理。"),
            primary=True,
        ),
        CaseAction(
            "reply",
            gettext_lazy("答復陳情人"),
            case_forms.ReplyForm,
            _allowed(Action.REPLY),
            lambda c, u, d: services.case_reply(
                case=c, user=u, reply=d["reply"], expected_version=d["version"]
            ),
            gettext_lazy("已答復，陳情人會收到通知。"),
            primary=True,
        ),
        CaseAction(
            "resume",
            gettext_lazy("補正完成，恢復處理"),
            case_forms.ResumeForm,
            _allowed(Action.RESUME),
            lambda c, u, d: services.case_resume(
                case=c, user=u, note=d["note"], expected_version=d["version"]
            ),
            gettext_lazy("已恢復計時，處理期限已順延暫停的工作日數。"),
            primary=True,
        ),
        CaseAction(
            "extension_decide",
            gettext_lazy("核定展期申請"),
            case_forms.ExtensionDecideForm,
            _extension_decidable,
            _decide,
            gettext_lazy("已核定展期申請。"),
            primary=True,
        ),
        CaseAction(
            "close",
            gettext_lazy("結案"),
            case_forms.CloseForm,
            _allowed(Action.CLOSE),
            lambda c, u, d: services.case_close(case=c, user=u, expected_version=d["version"]),
            gettext_lazy("已結案。"),
            primary=True,
        ),
        CaseAction(
            "request_info",
            gettext_lazy("請民眾補正"),
            case_forms.RequestInfoForm,
            _allowed(Action.REQUEST_INFO),
            lambda c, u, d: services.case_request_info(
                case=c, user=u, message=d["message"], expected_version=d["version"]
            ),
            gettext_lazy("已請民眾補正，暫停計時。"),
        ),
        CaseAction(
            "extension_request",
            gettext_lazy("申請展期"),
            case_forms.ExtensionRequestForm,
            _extension_requestable,
            lambda c, u, d: services.case_extension_request(
                case=c, user=u, working_days=d["working_days"], reason=d["reason"]
            ),
            gettext_lazy("已送出展期申請，待研考聯絡人核定。"),
        ),
        CaseAction(
            "reroute",
            gettext_lazy("改分其他機關"),
            case_forms.RerouteForm,
            _allowed(Action.REROUTE),
            lambda c, u, d: services.case_reroute(
                case=c, user=u, to_agency=d["to_agency"], reason=d["reason"], expected_version=d["version"]
            ),
            gettext_lazy("已改分，陳情人會收到移轉通知。"),
        ),
        CaseAction(
            "link_repeat",
            gettext_lazy("重複陳情：以前案答復"),
            case_forms.LinkRepeatForm,
            _allowed(Action.REPLY),
            lambda c, u, d: services.case_link_repeat(
                case=c, earlier=_case_by_number(u, d["earlier"]), user=u, expected_version=d["version"]
            ),
            gettext_lazy("已以前案的答復結案。"),
        ),
        CaseAction(
            "merge",
            gettext_lazy("併案"),
            case_forms.MergeForm,
            _allowed(Action.MERGE),
            lambda c, u, d: services.case_merge(
                case=c, into=_case_by_number(u, d["into"]), user=u, expected_version=d["version"]
            ),
            gettext_lazy("已併入另一案。"),
            danger=True,
        ),
        CaseAction(
            "transfer_bullying",
            gettext_lazy("移轉校園霸凌調查"),
            case_forms.TransferBullyingForm,
            lambda c, u, allowed: (
                Action.TRANSFER_KIND in allowed
                and "bullying" in case_kind_receivers
                and can_transfer_kind(u, c)
            ),
            lambda c, u, d: services.case_transfer_kind(
                case=c, to_kind="bullying", user=u, expected_version=d["version"]
            ),
            gettext_lazy("已移轉校園霸凌調查；本案只保留移轉紀錄與對方編號。"),
            danger=True,
        ),
        CaseAction(
            "not_process",
            gettext_lazy("不予處理（行政程序法第173條）"),
            case_forms.NotProcessForm,
            _allowed(Action.NOT_PROCESS),
            lambda c, u, d: services.case_not_process(
                case=c, user=u, ground=d["ground"], note=d["note"], expected_version=d["version"]
            ),
            gettext_lazy("已登記為不予處理並存查。"),
            danger=True,
        ),
    )
}


def _load(user: Any, number: str) -> Case:
    """The case for this user, or 404: an agency that may not see it is not told that it exists."""
    try:
        return case_get_for_user(user=user, number=number)
    except NotFoundError as error:
        raise Http404(error.message) from error
    except PermissionDeniedError as error:
        raise PermissionDenied(error.message) from error


def _prefetched(case: Case) -> Case:
    # The page shows the timeline, attachments, notices and extensions: one query each.
    return (
        Case.objects.select_related("category", "agency", "officer", "district", "merged_into", "repeat_of")
        .prefetch_related(
            "events__actor", "attachments", "notices", "extensions__requested_by", "extensions__decided_by"
        )
        .get(pk=case.pk)
    )


def _forms_for(case: Case, user: Any, bound: dict[str, forms.Form] | None = None) -> list[dict[str, Any]]:
    allowed = {str(action) for action in actions_allowed(state=case.state)}
    offered: list[dict[str, Any]] = []
    for action in ACTIONS.values():
        if not action.offered(case, user, allowed):
            continue
        form = (bound or {}).get(action.key) or action.form_class(
            initial=_initial(action.key, case), auto_id=_auto_id(action.key)
        )
        offered.append({"action": action, "form": form, "open": action.key in (bound or {})})
    if offered and not any(item["open"] for item in offered) and offered[0]["action"].primary:
        offered[0]["open"] = True
    return offered


def _auto_id(key: str) -> str:
    # Several forms on one page share field names (reason, note): ids must stay unique.
    return f"{key}-%s"


def _initial(key: str, case: Case) -> dict[str, Any]:
    initial: dict[str, Any] = {"version": case.version}
    if key == "extension_decide" and (extension := _pending_extension(case)):
        initial["extension"] = extension.pk
    return initial


def _render(
    request: HttpRequest,
    case: Case,
    *,
    bound: dict[str, forms.Form] | None = None,
    petitioner: Any = None,
    reveal_form: forms.Form | None = None,
    status: int = 200,
    lost_text: dict[str, str] | None = None,
) -> HttpResponse:
    user: Any = request.user
    case = _prefetched(case)
    handles = can_handle_case(user, case)
    today = timezone.localdate()
    context = {
        "case": case,
        "due_status": case_due_status(case=case, today=today),
        "days_left": (case.due_on - today).days,
        "days_late": (today - case.due_on).days,
        "notices": [_with_channel_label(notice) for notice in case.notices.all()],
        "timeline": [{"event": event, "label": _event_label(event)} for event in case.events.all()],
        "not_processed_label": dict(case_forms.NotProcessForm.GROUNDS).get(case.not_processed_ground, ""),
        "actions": _forms_for(case, user, bound),
        "handles": handles,
        "petitioner": petitioner,
        "reveal_form": reveal_form or (case_forms.RevealForm(auto_id="reveal-%s") if handles else None),
        "suggestions": _suggestions(case)
        if handles and Action.REROUTE in actions_allowed(state=case.state)
        else [],
        "pending_extension": _pending_extension(case),
        "lost_text": lost_text or {},
        "duplicates": _duplicates(case, user) if handles and case.is_open else [],
    }
    return render(request, "web/cases/detail.html", context, status=status)


EVENT_LABELS = {
    "intake": gettext_lazy("收件"),
    "extension_requested": gettext_lazy("申請展期"),
    "extension_approved": gettext_lazy("展期核准"),
    "extension_rejected": gettext_lazy("展期駁回"),
    "merged_in": gettext_lazy("他案併入"),
    "survey_answered": gettext_lazy("民眾填寫滿意度調查"),
    "notice_sent": gettext_lazy("通知陳情人"),
}


NOTICE_CHANNELS = {
    "email": gettext_lazy("電子郵件"),
    "letter": gettext_lazy("書面"),
    "tracking_page": gettext_lazy("案件查詢頁"),
    "sms": gettext_lazy("簡訊"),
}


def _with_channel_label(notice: Any) -> Any:
    notice.channel_label = NOTICE_CHANNELS.get(notice.channel, notice.channel)
    return notice


def _event_label(event: Any) -> str:
    if event.action:
        return str(event.get_action_display())
    return str(EVENT_LABELS.get(event.kind, event.kind))


def _duplicates(case: Case, user: Any) -> list[dict[str, Any]]:
    """The likely duplicates of an open case, for its handler: a link and a merge button for those
    the user may see; of the others only the number, agency and reasons (not their content)."""
    try:
        candidates = duplicate_candidates_for_case(case=case)
    except RuleNotInForceError:
        return []
    if not candidates:
        return []
    visible = set(
        case_scope(user=user).filter(pk__in=[c.case_id for c in candidates]).values_list("pk", flat=True)
    )
    mergeable = can_handle_case(user, case) and Action.MERGE in actions_allowed(state=case.state)
    return [
        {
            "candidate": candidate,
            "visible": candidate.case_id in visible,
            "mergeable": mergeable
            and candidate.case_id in visible
            and candidate.agency_name == case.agency.name,
        }
        for candidate in candidates
    ]


def _suggestions(case: Case) -> list[Any]:
    try:
        return route_suggest(category=case.category, district=case.district, text=case.description)[:3]
    except ApplicationError:
        return []


@staff_required
@require_GET
def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    return _render(request, _load(request.user, number))


@staff_required
@require_POST
def case_action(request: HttpRequest, number: str, action: str) -> HttpResponse:
    user: Any = request.user
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404
    case = _load(user, number)
    form = spec.form_class(request.POST, auto_id=_auto_id(action))
    if not form.is_valid():
        return _render(request, case, bound={action: form}, status=400)
    try:
        spec.perform(case, user, form.cleaned_data)
    except services.CaseConflictError as error:
        return _conflict(request, number, spec, form, error)
    except (NotFoundError, PermissionDeniedError) as error:
        if not can_handle_case(user, case) and not can_decide_extension(user, case):
            raise PermissionDenied(error.message) from error
        form.add_error(None, error.message)
        return _render(request, case, bound={action: form}, status=400)
    except ApplicationError as error:
        form.add_error(None, error.message)
        return _render(request, case, bound={action: form}, status=400)
    messages.success(request, str(spec.done))
    return _after_action(request, number)


def _after_action(request: HttpRequest, number: str) -> HttpResponse:
    # A merged, rerouted or closed case may leave the user's scope: go back to the inbox then.
    try:
        case_get_for_user(user=request.user, number=number)
    except (NotFoundError, PermissionDeniedError):
        return redirect("web:case_inbox")
    return redirect("web:case_detail", number=number)


def _conflict(
    request: HttpRequest, number: str, spec: CaseAction, form: forms.Form, error: ApplicationError
) -> HttpResponse:
    case = _load(request.user, number)  # as it is now
    # The user has now seen the current state: a second submit of the kept text is deliberate.
    data = request.POST.copy()
    data["version"] = str(case.version)
    kept = spec.form_class(data, auto_id=_auto_id(spec.key))
    kept.is_valid()
    kept.add_error(None, error.message)
    typed = {
        name: str(value)
        for name, value in request.POST.items()
        if name not in ("csrfmiddlewaretoken", "version", "extension", "decision") and str(value).strip()
    }
    allowed = {str(a) for a in actions_allowed(state=case.state)}
    still_offered = spec.offered(_prefetched(case), request.user, allowed)
    return _render(
        request,
        case,
        bound={spec.key: kept} if still_offered else None,
        status=409,
        lost_text=None if still_offered else {"title": str(spec.label), "message": error.message, **typed},
    )


@staff_required
@require_POST
def case_reveal(request: HttpRequest, number: str) -> HttpResponse:
    """Show the petitioner's identity to someone handling the case, for a stated reason (audited).

    Answered in the response to the POST, never stored in the session: reloading the page masks again.
    """
    user: Any = request.user
    case = _load(user, number)
    form = case_forms.RevealForm(request.POST, auto_id="reveal-%s")
    if not form.is_valid():
        return _render(request, case, reveal_form=form, status=400)
    try:
        petitioner = case_petitioner_reveal(user=user, case=case, reason=form.cleaned_data["reason"])
    except PermissionDeniedError as error:
        raise PermissionDenied(error.message) from error
    response = _render(request, case, petitioner=petitioner, reveal_form=form)
    response["Cache-Control"] = "no-store"
    return response


@staff_required  # type: ignore[arg-type]  # typed for HttpResponse; a file stream passes through as it is
@require_GET
def case_attachment(request: HttpRequest, number: str, attachment_id: int) -> HttpResponseBase:
    """An attachment of a case the user may see, as a download (never shown inline: it came from outside)."""
    case = _load(request.user, number)
    # What the citizen sent (photos show faces and plates) is personal data: handlers only, like the identity.
    if not can_handle_case(request.user, case):
        raise PermissionDenied(_("附件可能含個人資料，僅承辦本案的人員可以下載。"))
    attachment = case.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404
    audit_record_for(
        attachment, action=AuditAction.READ_PERSONAL, fields=["file"], detail={"case": case.number}
    )
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
