from typing import Any

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler

from yankao.core.exceptions import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Errors as JSON: a Traditional Chinese `detail` (English when the client asks) and a stable `code`."""
    if isinstance(exc, ApplicationError):
        status = (
            404
            if isinstance(exc, NotFoundError)
            else 403
            if isinstance(exc, PermissionDeniedError)
            else 409
            if isinstance(exc, ConflictError)
            else 400
        )
        return Response({"detail": exc.message, "code": exc.code, **exc.extra}, status=status)
    response = exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.APIException):
        request = context.get("request")
        message = _framework_message(exc, method=getattr(request, "method", ""))
        if message is not None:
            response.data = {"detail": message, "code": exc.default_code}
    return response


def _framework_message(exc: exceptions.APIException, *, method: str) -> str | None:
    # DRF's own Traditional Chinese catalogue is incomplete; the messages clients meet most are ours.
    if isinstance(exc, exceptions.NotAuthenticated):
        return _("需要身分驗證：請登入，或在 HTTP 標頭加上 Authorization: Token <權杖>。")
    if isinstance(exc, exceptions.AuthenticationFailed):
        return _("API 權杖無效或已失效，請至研考工作台的「API 權杖」頁重新核發。")
    if isinstance(exc, exceptions.PermissionDenied):
        return _("您沒有執行此動作的權限。")
    if isinstance(exc, exceptions.NotFound):
        return _("找不到指定的資料。")
    if isinstance(exc, exceptions.MethodNotAllowed):
        return _("此網址不支援 %(method)s 方法。") % {"method": method}
    if isinstance(exc, exceptions.ParseError):
        return _("請求內容的格式有誤，無法解析。")
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return _("不支援此內容類型（Content-Type）。")
    if isinstance(exc, exceptions.NotAcceptable):
        return _("無法提供用戶端要求的回應格式。")
    if isinstance(exc, exceptions.Throttled):
        return _("請求過於頻繁，請稍後再試。")
    return None  # validation errors keep their per-field messages
