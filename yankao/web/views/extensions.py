"""The liaison's page of extension requests (展期) waiting for a decision: approve or reject with a note."""

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from yankao.cases.selectors import case_due_status, extension_list_pending_for_user
from yankao.cases.services import case_extension_decide
from yankao.core.exceptions import ApplicationError
from yankao.web.forms.cases import ExtensionDecideForm
from yankao.web.views.access import staff_required


@staff_required
@require_GET
def extension_list(request: HttpRequest) -> HttpResponse:
    return _render(request)


def _render(
    request: HttpRequest, *, bound: ExtensionDecideForm | None = None, status: int = 200
) -> HttpResponse:
    today = timezone.localdate()
    rows = []
    for extension in extension_list_pending_for_user(user=request.user):
        form = (
            bound
            if bound is not None and bound.data.get("extension") == str(extension.pk)
            else ExtensionDecideForm(initial={"extension": extension.pk}, auto_id=f"ext{extension.pk}-%s")
        )
        rows.append(
            {
                "extension": extension,
                "case": extension.case,
                "due_status": case_due_status(case=extension.case, today=today),
                "days_left": (extension.case.due_on - today).days,
                "days_late": (today - extension.case.due_on).days,
                "form": form,
            }
        )
    return render(request, "web/cases/extensions.html", {"rows": rows}, status=status)


@staff_required
@require_POST
def extension_decide(request: HttpRequest, extension_id: int) -> HttpResponse:
    user: Any = request.user
    # Only a request this person may decide is found; any other id is simply not there.
    extension = next((e for e in extension_list_pending_for_user(user=user) if e.pk == extension_id), None)
    if extension is None:
        raise Http404(_("找不到待核定的展期申請，可能已由他人核定。"))
    form = ExtensionDecideForm(request.POST, auto_id=f"ext{extension_id}-%s")
    if not form.is_valid() or form.cleaned_data["extension"] != extension_id:
        return _render(request, bound=form, status=400)
    approve = form.cleaned_data["decision"] == "approve"
    try:
        case_extension_decide(extension=extension, user=user, approve=approve, note=form.cleaned_data["note"])
    except ApplicationError as error:
        form.add_error(None, error.message)
        return _render(request, bound=form, status=400)
    template = (
        _("已核准 %(number)s 展延 %(days)d 個工作日。") if approve else _("已駁回 %(number)s 的展期申請。")
    )
    messages.success(request, template % {"number": extension.case.number, "days": extension.working_days})
    return redirect("web:extension_list")
