from typing import Any

from rest_framework.response import Response
from rest_framework.views import exception_handler

from yankao.core.exceptions import ApplicationError, NotFoundError, PermissionDeniedError


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Domain errors become JSON with their Chinese message and a stable code."""
    if isinstance(exc, ApplicationError):
        status = 404 if isinstance(exc, NotFoundError) else 403 if isinstance(exc, PermissionDeniedError) else 400
        return Response({"detail": exc.message, "code": exc.code, **exc.extra}, status=status)
    return exception_handler(exc, context)
