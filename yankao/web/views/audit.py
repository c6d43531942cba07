"""The audit trail page for auditors and RDEC administrators: filter, read, page back in time."""

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from yankao.core.exceptions import InvalidDateError, PermissionDeniedError
from yankao.core.models import AuditAction
from yankao.core.roc_dates import FORMATS_HINT
from yankao.core.selectors.audit import audit_entry_list_for_user
from yankao.core.services.audit import audit_record

PAGE_SIZE = 50


class AuditFilterForm(forms.Form):
    # Plain text fields: the selector parses the dates (ISO or ROC) and says what is wrong with them.
    actor_username = forms.CharField(label=_("使用者帳號"), required=False)
    action = forms.ChoiceField(
        label=_("動作"), required=False, choices=[("", _("全部動作")), *AuditAction.choices]
    )
    target_type = forms.CharField(
        label=_("資料類型"), required=False, help_text=_("例如 servicedesk.petition")
    )
    target_id = forms.CharField(label=_("資料編號"), required=False)
    date_from = forms.CharField(label=_("起日"), required=False, help_text=FORMATS_HINT)
    date_to = forms.CharField(label=_("迄日"), required=False)


@login_required
def audit_entry_list(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET)
    # Every field is optional text or a closed choice; an unknown action only filters to nothing.
    filters: dict[str, str] = {
        name: value for name, value in (form.cleaned_data if form.is_valid() else {}).items() if value
    }
    before_id = _positive_int(request.GET.get("before"))
    page: Any = None
    try:
        page = audit_entry_list_for_user(user=request.user, before_id=before_id, limit=PAGE_SIZE, **filters)
    except PermissionDeniedError as error:
        raise PermissionDenied(error.message) from error
    except InvalidDateError as error:
        form.add_error(None, error.message)
    if page is not None:
        # Reading the trail is recorded too: it shows who did what from which address.
        audit_record(
            action=AuditAction.READ_PERSONAL,
            target_type="core.auditentry",
            fields=["actor_username", "ip_address"],
            detail={"filters": filters, "before_id": before_id, "shown": len(page.rows)},
        )
    return render(request, "web/audit/list.html", {"form": form, "page": page, "before_id": before_id})


def _positive_int(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() and int(text) > 0 else None
