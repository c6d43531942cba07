from datetime import date
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from yankao.core import working_days
from yankao.core.exceptions import CalendarRangeError
from yankao.core.permissions import is_city_wide
from yankao.web.navigation import console_navigation
from yankao.web.views.access import staff_required


@staff_required
def console_home(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    navigation = console_navigation(role=user.role, current_path=request.path)
    return render(
        request,
        "web/console_home.html",
        {
            "functions": [item for item in navigation if item.key != "home"],
            "is_city_wide": is_city_wide(user),
            "calendar": _calendar_today(timezone.localdate()),
        },
    )


def _calendar_today(today: date) -> dict[str, Any] | None:
    """Today's working-day status and the next working day; None when today is outside the known years."""
    try:
        return {
            "today": today,
            "is_working_day": working_days.is_working_day(today),
            "next_working_day": working_days.add_working_days(today, 1),
        }
    except CalendarRangeError:
        return None
