from functools import cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import get_language

import yankao as yankao_package
from yankao.core.permissions import is_staff_member
from yankao.core.services.seed import city_data_path
from yankao.web.navigation import console_navigation


@cache
def _city_names(city: str) -> dict[str, str]:
    """The city government's name in each language, from the city's agency file (read once)."""
    import tomllib

    data = tomllib.loads(city_data_path(city).read_text(encoding="utf-8"))
    root: dict[str, Any] = next((row for row in data["agency"] if not row.get("parent")), {})
    return {
        "zh-hant": root.get("name", data.get("city_name", "")),
        "en": root.get("name_en", "") or root.get("name", ""),
    }


def yankao(request: HttpRequest) -> dict[str, Any]:
    language = get_language() or settings.LANGUAGE_CODE
    is_english = language.startswith("en")
    user: Any = getattr(request, "user", None)
    return {
        # Called by the template only where console_base.html renders it.
        "console_nav": lambda: (
            console_navigation(role=user.role, current_path=request.path) if is_staff_member(user) else []
        ),
        "yankao_version": yankao_package.__version__,
        # BCP 47 as the HTML lang attribute expects it: zh-Hant, en.
        "html_lang": "en" if is_english else "zh-Hant",
        "city_name": _city_names(settings.YANKAO_CITY)["en" if is_english else "zh-hant"],
        "other_language": {"code": "zh-hant", "label": "中文", "lang": "zh-Hant"}
        if is_english
        else {"code": "en", "label": "English", "lang": "en"},
    }
