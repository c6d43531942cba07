"""Error pages in the site's layout and the user's language, never with a traceback."""

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 400, _("請求格式有誤"), _("瀏覽器送出的資料無法處理，請回上一頁重新操作。"))


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(
        request,
        403,
        _("沒有權限"),
        _("您的帳號沒有使用這個頁面的權限；若您認為應該有，請洽所屬機關的系統管理者。"),
    )


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(
        request, 404, _("找不到頁面"), _("網址可能有誤，或頁面已經移除。請檢查網址，或從首頁重新進入。")
    )


def server_error(request: HttpRequest) -> HttpResponse:
    return _error(
        request, 500, _("系統發生錯誤"), _("系統暫時無法處理您的要求，已記錄這個錯誤。請稍後再試。")
    )


def _error(request: HttpRequest, status: int, title: str, explanation: str) -> HttpResponse:
    context: dict[str, Any] = {"status": status, "title": title, "explanation": explanation}
    try:
        return render(request, "web/error.html", context, status=status)
    except Exception:
        # The page itself failed (the database may be down and the header asks it who is signed in):
        # render the same page without the request's context rather than fail twice.
        logger.exception("rendering the %s page failed", status)
        return HttpResponse(render_to_string("web/error_plain.html", context), status=status)
