"""ROC date filters, a template builtin: `{{ d|roc_date }}` → 民國113年3月31日, `{{ d|roc_date_short }}` → 113/03/31.

Aware datetimes are shown on Taiwan's calendar. Like Django's own date filters they never break a
page: anything that is not a date renders as an empty string.
"""

from datetime import date
from typing import Any

from django import template

from yankao.core.exceptions import InvalidDateError
from yankao.core.roc_dates import roc_date_format, roc_date_format_short

register = template.Library()


@register.filter(name="roc_date")
def roc_date(value: Any) -> str:
    if not isinstance(value, date):
        return ""
    try:
        return roc_date_format(value)
    except InvalidDateError:
        return value.isoformat()


@register.filter(name="roc_date_short")
def roc_date_short(value: Any) -> str:
    if not isinstance(value, date):
        return ""
    try:
        return roc_date_format_short(value)
    except InvalidDateError:
        return value.isoformat()
