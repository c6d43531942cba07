from datetime import datetime

from django import template

from yankao.core.security import login_locked_until

register = template.Library()


@register.simple_tag
def locked_until(username: str) -> datetime | None:
    """When the locked account may try again (None when unknown or no longer locked)."""
    return login_locked_until(username=username) if username else None
