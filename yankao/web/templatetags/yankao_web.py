import json
from datetime import datetime

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, gettext_noop, ngettext

from yankao.core.security import login_locked_until

register = template.Library()


@register.simple_tag
def locked_until(username: str) -> datetime | None:
    """When the locked account may try again (None when unknown or no longer locked)."""
    return login_locked_until(username=username) if username else None


# Inline icons: the system may have no emoji font, and an icon font would be one more asset.
# Decorative: the words beside them carry the meaning. Built in Python rather than by an include
# per row: an inbox page of 50 rows spent most of its time in template includes (make bench).
ICONS = {
    "overdue": '<svg class="icon" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">'
    '<circle cx="8" cy="8" r="7" fill="currentColor"/><rect x="7" y="3.5" width="2" height="6" fill="#fff"/>'
    '<rect x="7" y="10.8" width="2" height="2" fill="#fff"/></svg>',
    "soon": '<svg class="icon" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">'
    '<circle cx="8" cy="8" r="6.5" fill="none" stroke="currentColor" stroke-width="2"/>'
    '<path d="M8 4.5V8.5L10.5 10" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round"/></svg>',
    "paused": '<svg class="icon" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">'
    '<rect x="3.5" y="3" width="3" height="10" fill="currentColor"/>'
    '<rect x="9.5" y="3" width="3" height="10" fill="currentColor"/></svg>',
    "warning": '<svg class="icon" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">'
    '<path d="M8 1.5L15 14.5H1Z" fill="currentColor"/><rect x="7.1" y="6" width="1.8" height="4.5" fill="#fff"/>'
    '<rect x="7.1" y="11.5" width="1.8" height="1.8" fill="#fff"/></svg>',
}


# Names for the detail keys the services write; any other key is shown as it is.
AUDIT_DETAIL_LABELS = {
    "reason": gettext_noop("理由"),
    "view": gettext_noop("檢視"),
    "event": gettext_noop("事件"),
    "filters": gettext_noop("條件"),
    "what": gettext_noop("內容"),
}
AUDIT_DETAIL_MAX = 300


@register.filter
def audit_detail(detail: object) -> str:
    """An audit entry's detail as short text ("理由：…；…"), so that the auditor reads why, not only who."""
    if not isinstance(detail, dict) or not detail:
        return ""
    parts = []
    for key, value in detail.items():
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
        label = AUDIT_DETAIL_LABELS.get(key)
        parts.append(f"{gettext(label) if label else key}：{shown}")
    text = "；".join(parts)
    return text if len(text) <= AUDIT_DETAIL_MAX else text[: AUDIT_DETAIL_MAX - 1] + "…"


@register.simple_tag
def icon(name: str) -> SafeString:
    return mark_safe(ICONS[name])  # noqa: S308 — constant markup above, no user input


@register.simple_tag
def due_mark(due_status: str, days_left: int | None = None, days_late: int | None = None) -> SafeString:
    """The due mark of a case: an icon and words, never colour alone."""
    if due_status == "overdue":
        words = ngettext("已逾期 %(days)s 日", "已逾期 %(days)s 日", days_late or 0) % {"days": days_late}
        return format_html('<span class="due due--overdue">{}{}</span>', icon("overdue"), words)
    if due_status == "due_soon":
        if not days_left:
            words = gettext("今日到期")
        else:
            words = ngettext("即將到期（剩 %(days)s 日）", "即將到期（剩 %(days)s 日）", days_left) % {
                "days": days_left
            }
        return format_html('<span class="due due--soon">{}{}</span>', icon("soon"), words)
    if due_status == "paused":
        return format_html(
            '<span class="due due--paused">{}{}</span>', icon("paused"), gettext("暫停計時（待補正）")
        )
    if due_status == "closed":
        return format_html('<span class="due due--closed">{}</span>', gettext("已結束"))
    return format_html('<span class="due due--ok">{}</span>', gettext("期限內"))
